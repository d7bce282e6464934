package specdiff

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/writer"
)

// FileChange is one generated file that differs between two renders.
type FileChange struct {
	Path     string
	Old, New []byte // nil when absent on that side
}

// Action says what happened to the file: added, removed or changed.
func (f FileChange) Action() string {
	switch {
	case f.Old == nil:
		return "added"
	case f.New == nil:
		return "removed"
	}
	return "changed"
}

// CompareFiles pairs two renders' files by path and keeps those that
// differ, sorted by path.
func CompareFiles(old, new []generator.File) []FileChange {
	byPath := map[string]*FileChange{}
	for _, f := range old {
		byPath[f.Path] = &FileChange{Path: f.Path, Old: nonNil(f.Content)}
	}
	for _, f := range new {
		fc := byPath[f.Path]
		if fc == nil {
			fc = &FileChange{Path: f.Path}
			byPath[f.Path] = fc
		}
		fc.New = nonNil(f.Content)
	}
	var out []FileChange
	for _, fc := range byPath {
		if fc.Old == nil || fc.New == nil || !bytes.Equal(fc.Old, fc.New) {
			out = append(out, *fc)
		}
	}
	slices.SortFunc(out, func(a, b FileChange) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// nonNil keeps an empty file distinct from an absent one.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Report is what `hlcgen diff --base REV` prints: what a change to the spec
// since a revision does to the cluster, and to the generated files.
type Report struct {
	// Spec is the spec's path and Rev the revision compared with.
	Spec, Rev string
	// BaseMissing is true when the spec does not exist at Rev.
	BaseMissing bool
	// BaseErrors holds the errors of the spec at Rev, when it is invalid.
	BaseErrors diag.Diagnostics
	Changes    []Change
	Files      []FileChange
}

// note explains a base that could not be rendered, or "".
func (r *Report) note(code func(string) string) string {
	switch {
	case r.BaseMissing:
		return fmt.Sprintf("%s does not exist at %s: it is new, so everything is added.", code(r.Spec), code(r.Rev))
	case len(r.BaseErrors) > 0:
		return fmt.Sprintf("%s at %s is invalid (%s), so it cannot be rendered: everything is shown as added.",
			code(r.Spec), code(r.Rev), countNoun(len(r.BaseErrors), "error"))
	}
	return ""
}

func (r *Report) fileCounts() string {
	n := map[string]int{}
	for _, f := range r.Files {
		n[f.Action()]++
	}
	return fmt.Sprintf("%d added, %d changed, %d removed", n["added"], n["changed"], n["removed"])
}

func (r *Report) unifiedDiff() (string, error) {
	var b strings.Builder
	for _, f := range r.Files {
		if err := writer.UnifiedDiff(&b, f.Path, f.Old, f.New); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// WriteText writes the report for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes to %s since %s:\n", r.Spec, r.Rev)
	if note := r.note(plain); note != "" {
		fmt.Fprintf(&b, "\n%s\n", note)
		for _, d := range r.BaseErrors {
			fmt.Fprintf(&b, "  %s\n", diagLine(d))
		}
	}
	b.WriteString("\nSpec:\n")
	if len(r.Changes) == 0 {
		b.WriteString("  no change to the cluster\n")
	}
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	if len(r.Files) == 0 {
		b.WriteString("\nGenerated files: no changes\n")
	} else {
		fmt.Fprintf(&b, "\nGenerated files: %s\n", r.fileCounts())
		for _, f := range r.Files {
			fmt.Fprintf(&b, "  %-7s %s\n", f.Action(), f.Path)
		}
		diff, err := r.unifiedDiff()
		if err != nil {
			return err
		}
		b.WriteString("\n" + diff)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as a pull-request comment: a heading, the
// spec changes as a bullet list, the generated files, and their diff in a
// fenced block that no content can close early.
func (r *Report) WriteMarkdown(w io.Writer) error {
	code := CodeSpan
	var b strings.Builder
	fmt.Fprintf(&b, "### hlcgen: changes to %s since %s\n\n", code(r.Spec), code(r.Rev))
	if note := r.note(code); note != "" {
		fmt.Fprintf(&b, "%s\n\n", note)
		for _, d := range r.BaseErrors {
			fmt.Fprintf(&b, "- %s\n", code(diagLine(d)))
		}
		if len(r.BaseErrors) > 0 {
			b.WriteString("\n")
		}
	}
	b.WriteString("#### Spec\n\n")
	if len(r.Changes) == 0 {
		b.WriteString("No change to the cluster.\n")
	}
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "- %s\n", c.Markdown())
	}
	b.WriteString("\n#### Generated files\n\n")
	if len(r.Files) == 0 {
		b.WriteString("No changes.\n")
	} else {
		fmt.Fprintf(&b, "%s:\n\n", r.fileCounts())
		for _, f := range r.Files {
			fmt.Fprintf(&b, "- %s %s\n", f.Action(), code(f.Path))
		}
		diff, err := r.unifiedDiff()
		if err != nil {
			return err
		}
		fence := Fence(diff)
		fmt.Fprintf(&b, "\n%sdiff\n%s%s\n", fence, diff, fence)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// diagLine is a diagnostic on one line: where, severity, code and summary.
func diagLine(d diag.Diagnostic) string {
	return fmt.Sprintf("%s:%d:%d: %s[%s]: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Severity, d.Code, d.Summary)
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
