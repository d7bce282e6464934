package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/specdiff"
	"github.com/hlcgen/hlcgen/writer"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "show what rendering would change on disk, or what a change to cluster.hcl does since a Git revision",
		Description: "Without --base, the same as `hlcgen render --diff`: a unified diff of what `hlcgen render`\n" +
			"would write. Exit status: 0 up to date, 1 invalid spec, conflicts or outputs not up to date,\n" +
			"2 usage error.\n\n" +
			"With --base REV, renders cluster.hcl as committed at REV and as it is in the working tree,\n" +
			"both in memory (nothing on disk is read but the spec and its modules, nothing is written),\n" +
			"then prints what changed in the spec (nodes, addresses, versions, apps, users, groups) and\n" +
			"a unified diff of the generated files. --format markdown makes it a pull-request comment.\n" +
			"Both sides are rendered by this hlcgen, so the diff shows the spec change alone; `hlcgen\n" +
			"render --check` tells whether the committed files are up to date. Exit status: 0 (the\n" +
			"report is informational), 1 the working-tree spec is invalid, 2 usage or Git error.",
		Flags: []cli.Flag{
			fileFlag,
			&cli.StringFlag{Name: "out", Usage: "output directory to compare with, without --base (default: the directory holding the spec)"},
			&cli.StringFlag{Name: "base", Usage: "Git revision to compare the spec with, such as origin/main"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "with --base: text or markdown"},
		},
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	if !c.IsSet("base") {
		if c.IsSet("format") {
			return usageError("--format applies to --base only; without it, diff prints a unified diff")
		}
		plan, err := planRender(c)
		if err != nil {
			return err
		}
		return reportDiff(c, plan)
	}
	format := c.String("format")
	if format != "text" && format != "markdown" {
		return usageError("--format must be text or markdown, not %q", format)
	}
	if c.Args().Present() {
		return usageError("diff takes no arguments; use --file and --base")
	}
	if c.IsSet("out") {
		return usageError("--out does not go with --base: both sides are rendered in memory and nothing on disk is compared")
	}
	rev := c.String("base")
	if rev == "" || strings.HasPrefix(rev, "-") {
		return usageError("--base needs a Git revision, such as origin/main, not %q", rev)
	}
	path, src, err := readSpec(c)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)

	base, err := readBaseSpec(dir, filepath.Base(path), rev)
	if err != nil {
		return err
	}
	tuneGC(len(src) + len(base.src))

	cur, err := pipeline.Spec(path, src, os.DirFS(dir))
	printDiagnostics(c, &loaded{path: path, spec: cur.Spec, diags: cur.Diags})
	if cur.Diags.HasErrors() {
		return cli.Exit(fmt.Sprintf("\n%s has %s, so there is nothing to compare. Fix them (`hlcgen validate` lists them) and run `hlcgen diff --base %s` again.",
			path, countNoun(countSeverity(cur.Diags, diag.Error), "error"), rev), exitInvalid)
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("hlcgen: %v\nThis is a bug in hlcgen.", err), exitUsage)
	}

	rep := &baseReport{spec: path, rev: rev, base: base}
	var oldFiles []generator.File
	var oldCluster *model.Cluster
	if base.src != nil {
		// Module paths of the base are not checked (nil repository): the
		// modules as they were at the base are history, nothing this
		// change could fix, and the rendered output does not read them.
		old, err := pipeline.Spec(base.name, base.src, nil)
		switch {
		case old.Diags.HasErrors():
			rep.baseErrors = old.Diags.Errors()
		case err != nil:
			return cli.Exit(fmt.Sprintf("hlcgen: rendering %s: %v\nThis is a bug in hlcgen.", base.name, err), exitUsage)
		default:
			oldFiles, oldCluster = old.Files, old.Cluster
		}
	}
	rep.changes = specdiff.Compare(oldCluster, cur.Cluster)
	rep.files = compareFiles(oldFiles, cur.Files)
	if format == "markdown" {
		return rep.writeMarkdown(c.App.Writer)
	}
	return rep.writeText(c.App.Writer)
}

// baseSpec is the spec as committed at the base revision.
type baseSpec struct {
	name string // rev:path, as Git names it; used as the file name in diagnostics
	src  []byte // nil when the spec does not exist at the base
}

// readBaseSpec reads the spec file as committed at rev, with Git run in the
// spec's directory. Git failures are exit status 2.
func readBaseSpec(dir, file, rev string) (*baseSpec, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, usageError("diff --base runs git, which is not on PATH: %v", err)
	}
	prefix, err := git(dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, usageError("%s is not in a Git repository (%v). --base compares with a Git revision; without it, `hlcgen diff` compares with the files on disk.", dir, err)
	}
	commit, err := git(dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, usageError("%q is not a commit in this repository. In CI, fetch it first (for example `git fetch origin main`, or check out with full history), or name another revision.", rev)
	}
	rel := strings.TrimSpace(string(prefix)) + file
	spec := &baseSpec{name: rev + ":" + rel}
	object := strings.TrimSpace(string(commit)) + ":" + rel
	kind, err := git(dir, "cat-file", "-t", object)
	if err != nil {
		return spec, nil // the path does not exist at rev
	}
	if k := strings.TrimSpace(string(kind)); k != "blob" {
		return nil, usageError("%s is a %s at %s, not a file", rel, k, rev)
	}
	src, err := git(dir, "show", object)
	if err != nil {
		return nil, usageError("reading %s: %v", spec.name, err)
	}
	if src == nil {
		src = []byte{}
	}
	spec.src = src
	return spec, nil
}

// git runs git in dir and returns its standard output; the error carries
// git's own message.
func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, err
	}
	return stdout.Bytes(), nil
}

// fileChange is one generated file that differs between the two renders.
type fileChange struct {
	path     string
	old, new []byte // nil when absent on that side
}

func (f fileChange) action() string {
	switch {
	case f.old == nil:
		return "added"
	case f.new == nil:
		return "removed"
	}
	return "changed"
}

// compareFiles pairs two renders' files by path and keeps those that differ,
// sorted by path.
func compareFiles(old, new []generator.File) []fileChange {
	byPath := map[string]*fileChange{}
	for _, f := range old {
		byPath[f.Path] = &fileChange{path: f.Path, old: nonNil(f.Content)}
	}
	for _, f := range new {
		fc := byPath[f.Path]
		if fc == nil {
			fc = &fileChange{path: f.Path}
			byPath[f.Path] = fc
		}
		fc.new = nonNil(f.Content)
	}
	var out []fileChange
	for _, fc := range byPath {
		if fc.old == nil || fc.new == nil || !bytes.Equal(fc.old, fc.new) {
			out = append(out, *fc)
		}
	}
	slices.SortFunc(out, func(a, b fileChange) int { return strings.Compare(a.path, b.path) })
	return out
}

// nonNil keeps an empty file distinct from an absent one.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// baseReport is the output of diff --base.
type baseReport struct {
	spec, rev  string
	base       *baseSpec
	baseErrors diag.Diagnostics // the base spec is invalid
	changes    []specdiff.Change
	files      []fileChange
}

// note explains a base that could not be rendered, or "".
func (r *baseReport) note(code func(string) string) string {
	switch {
	case r.base.src == nil:
		return fmt.Sprintf("%s does not exist at %s: it is new, so everything is added.", code(r.spec), code(r.rev))
	case len(r.baseErrors) > 0:
		return fmt.Sprintf("%s at %s is invalid (%s), so it cannot be rendered: everything is shown as added.",
			code(r.spec), code(r.rev), countNoun(len(r.baseErrors), "error"))
	}
	return ""
}

func (r *baseReport) fileCounts() string {
	n := map[string]int{}
	for _, f := range r.files {
		n[f.action()]++
	}
	return fmt.Sprintf("%d added, %d changed, %d removed", n["added"], n["changed"], n["removed"])
}

func (r *baseReport) unifiedDiff() (string, error) {
	var b strings.Builder
	for _, f := range r.files {
		if err := writer.UnifiedDiff(&b, f.path, f.old, f.new); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

func (r *baseReport) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes to %s since %s:\n", r.spec, r.rev)
	if note := r.note(func(s string) string { return s }); note != "" {
		fmt.Fprintf(&b, "\n%s\n", note)
		for _, d := range r.baseErrors {
			fmt.Fprintf(&b, "  %s\n", diagLine(d))
		}
	}
	b.WriteString("\nSpec:\n")
	if len(r.changes) == 0 {
		b.WriteString("  no change to the cluster\n")
	}
	for _, c := range r.changes {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	if len(r.files) == 0 {
		b.WriteString("\nGenerated files: no changes\n")
	} else {
		fmt.Fprintf(&b, "\nGenerated files: %s\n", r.fileCounts())
		for _, f := range r.files {
			fmt.Fprintf(&b, "  %-7s %s\n", f.action(), f.path)
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

// writeMarkdown writes the report as a pull-request comment: a heading, the
// spec changes as a bullet list, the generated files, and their diff in a
// fenced block that no content can close early.
func (r *baseReport) writeMarkdown(w io.Writer) error {
	code := specdiff.CodeSpan
	var b strings.Builder
	fmt.Fprintf(&b, "### hlcgen: changes to %s since %s\n\n", code(r.spec), code(r.rev))
	if note := r.note(code); note != "" {
		fmt.Fprintf(&b, "%s\n\n", note)
		for _, d := range r.baseErrors {
			fmt.Fprintf(&b, "- %s\n", code(diagLine(d)))
		}
		if len(r.baseErrors) > 0 {
			b.WriteString("\n")
		}
	}
	b.WriteString("#### Spec\n\n")
	if len(r.changes) == 0 {
		b.WriteString("No change to the cluster.\n")
	}
	for _, c := range r.changes {
		fmt.Fprintf(&b, "- %s\n", c.Markdown())
	}
	b.WriteString("\n#### Generated files\n\n")
	if len(r.files) == 0 {
		b.WriteString("No changes.\n")
	} else {
		fmt.Fprintf(&b, "%s:\n\n", r.fileCounts())
		for _, f := range r.files {
			fmt.Fprintf(&b, "- %s %s\n", f.action(), code(f.path))
		}
		diff, err := r.unifiedDiff()
		if err != nil {
			return err
		}
		fence := specdiff.Fence(diff)
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
