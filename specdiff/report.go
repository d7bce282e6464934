package specdiff

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
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
	// Old and New are the models compared, for the picture; Old is nil
	// when the spec at Rev is missing or invalid.
	Old, New *model.Cluster
}

// Side is one side of a comparison: a valid spec's model and its files,
// or a nil Cluster for a spec that is missing or invalid.
type Side struct {
	Cluster *model.Cluster
	Files   []generator.File
}

// Render renders a valid model into its files: pipeline.Files.
type Render func(*model.Cluster) ([]generator.File, error)

// attributionBudget bounds the renders Compare does to find each change's
// files, in nodes rendered: one render per change, of about as many nodes
// as the spec has. Past it, the files are listed without their causes.
const attributionBudget = 20_000

// Compare fills the report from the two sides: the spec changes, the
// generated files that differ, and for each change the files it alters
// on its own. With one change, those are all the files; with more, each
// change is applied alone to the old model (Apply) and rendered with
// render, within attributionBudget; nothing is attributed when the old
// side is missing, or render is nil.
func (r *Report) Compare(old, new Side, render Render) {
	r.Old, r.New = old.Cluster, new.Cluster
	r.Changes = Compare(old.Cluster, new.Cluster)
	r.Files = CompareFiles(old.Files, new.Files)
	if old.Cluster == nil || new.Cluster == nil || len(r.Files) == 0 {
		return
	}
	var own []int
	for i, c := range r.Changes {
		if len(c.paths(nil)) > 0 {
			own = append(own, i)
		}
	}
	all := make([]string, len(r.Files))
	for i, f := range r.Files {
		all[i] = f.Path
	}
	if len(own) == 1 {
		r.Changes[own[0]].Files = all
		return
	}
	size := max(len(old.Cluster.Nodes), len(new.Cluster.Nodes)) + 1
	if render == nil || len(own)*size > attributionBudget {
		return
	}
	before := map[string][]byte{}
	for _, f := range old.Files {
		before[f.Path] = nonNil(f.Content)
	}
	for _, i := range own {
		alone, ok := Apply(old.Cluster, new.Cluster, r.Changes[i])
		if !ok {
			continue
		}
		files, err := renderSafely(render, alone)
		if err != nil {
			// The change alone gives a model the generators cannot
			// render (it is valid only with another): no cause known.
			continue
		}
		after := map[string][]byte{}
		for _, f := range files {
			after[f.Path] = nonNil(f.Content)
		}
		found := []string{}
		for _, f := range r.Files {
			b, inBefore := before[f.Path]
			a, inAfter := after[f.Path]
			if inBefore != inAfter || !bytes.Equal(a, b) {
				found = append(found, f.Path)
			}
		}
		r.Changes[i].Files = found
	}
}

// renderSafely renders a model validation never saw; a generator that
// panics on it is an error here, not a crash.
func renderSafely(render Render, c *model.Cluster) (files []generator.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return render(c)
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

// careAndSafe splits the changes: those that need care (themselves or a
// change under them), and the others, each in Compare's order.
func (r *Report) careAndSafe() (care, safe []Change) {
	for _, c := range r.Changes {
		if c.NeedsCare() {
			care = append(care, c)
		} else {
			safe = append(safe, c)
		}
	}
	return care, safe
}

// safeHeading names the changes that need no care; with no base to change,
// nothing is classified, and they are just the spec.
func (r *Report) safeHeading() string {
	if r.Old == nil {
		return "Spec"
	}
	return "Safe"
}

// fileDiff is a changed file with its unified diff and line counts.
type fileDiff struct {
	FileChange
	diff        string
	plus, minus int
}

func (r *Report) fileDiffs() ([]fileDiff, error) {
	out := make([]fileDiff, len(r.Files))
	for i, f := range r.Files {
		var b strings.Builder
		if err := writer.UnifiedDiff(&b, f.Path, f.Old, f.New); err != nil {
			return nil, err
		}
		d := fileDiff{FileChange: f, diff: b.String()}
		for _, l := range strings.SplitAfter(d.diff, "\n") {
			switch {
			case strings.HasPrefix(l, "+++ ") || strings.HasPrefix(l, "--- "):
			case strings.HasPrefix(l, "+"):
				d.plus++
			case strings.HasPrefix(l, "-"):
				d.minus++
			}
		}
		out[i] = d
	}
	return out, nil
}

func fileCounts(files []fileDiff) string {
	n := map[string]int{}
	plus, minus := 0, 0
	for _, f := range files {
		n[f.Action()]++
		plus += f.plus
		minus += f.minus
	}
	return fmt.Sprintf("%s added, %s changed, %s removed (+%s −%s lines)",
		count(n["added"]), count(n["changed"]), count(n["removed"]), count(plus), count(minus))
}

// WriteText writes the report for a terminal: the changes that need care
// first, each with why and what to do, then the safe ones; under each,
// what follows from it and the files it alters; then every generated file
// and the whole unified diff. Nothing is left out.
func (r *Report) WriteText(w io.Writer) error {
	files, err := r.fileDiffs()
	if err != nil {
		return err
	}
	care, safe := r.careAndSafe()
	var b strings.Builder
	fmt.Fprintf(&b, "Changes to %s since %s:\n", r.Spec, r.Rev)
	if note := r.note(plain); note != "" {
		fmt.Fprintf(&b, "\n%s\n", note)
		for _, d := range r.BaseErrors {
			fmt.Fprintf(&b, "  %s\n", diagLine(d))
		}
	}
	if len(r.Changes) == 0 {
		b.WriteString("\nSpec: no change to the cluster\n")
	}
	if len(care) > 0 {
		fmt.Fprintf(&b, "\nNeeds care (%s):\n", count(len(care)))
		writeTextChanges(&b, care, "  ")
	}
	if len(safe) > 0 {
		fmt.Fprintf(&b, "\n%s (%s):\n", r.safeHeading(), count(len(safe)))
		writeTextChanges(&b, safe, "  ")
	}
	if len(files) == 0 {
		b.WriteString("\nGenerated files: no changes\n")
	} else {
		fmt.Fprintf(&b, "\nGenerated files: %s\n", fileCounts(files))
		for _, f := range files {
			fmt.Fprintf(&b, "  %-7s %s (+%d −%d)\n", f.Action(), f.Path, f.plus, f.minus)
		}
		b.WriteString("\n")
		for _, f := range files {
			b.WriteString(f.diff)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// textFiles is how many of a change's files the text report names under
// it; the full list follows under "Generated files".
const textFiles = 10

func writeTextChanges(b *strings.Builder, cs []Change, indent string) {
	for _, c := range cs {
		fmt.Fprintf(b, "%s%s\n", indent, c)
		if len(c.Care) > 0 {
			fmt.Fprintf(b, "%s  why: %s\n", indent, c.Care)
		}
		writeTextChanges(b, c.Follows, indent+"  ")
		if len(c.Files) > 0 {
			shown := c.Files[:min(len(c.Files), textFiles)]
			more := ""
			if n := len(c.Files) - len(shown); n > 0 {
				more = fmt.Sprintf(" and %s more", count(n))
			}
			fmt.Fprintf(b, "%s  generated files (%s): %s%s\n", indent, count(len(c.Files)), strings.Join(shown, ", "), more)
		}
	}
}

// diagLine is a diagnostic on one line: where, severity, code and summary.
func diagLine(d diag.Diagnostic) string {
	return fmt.Sprintf("%s:%d:%d: %s[%s]: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Severity, d.Code, d.Summary)
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%s %ss", count(n), noun)
}
