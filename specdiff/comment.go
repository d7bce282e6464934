package specdiff

import (
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/hlcgen/hlcgen/diagram"
)

// MaxComment is the most bytes WriteMarkdown writes. GitHub refuses an
// issue or pull-request comment whose body is over 65,536 characters (its
// REST API answers 422 "Body is too long"); a character is at least one
// byte, so a body of at most this many bytes always fits.
const MaxComment = 65536

// Bounds of the parts of a comment that have no natural size.
const (
	// maxBaseErrors is how many of an invalid base's errors are listed.
	maxBaseErrors = 10
	// commentFiles is how many of a change's files are named under it.
	commentFiles = 3
	// noteReserve is kept free for each line that says what was left
	// out, and for the headings, while the parts are fitted.
	noteReserve = 400
)

// WriteMarkdown writes the report as a pull-request comment of at most
// MaxComment bytes, whatever the change:
//
//   - the heading and a summary line (counts of changes and files);
//   - the changes that need care, each with why and what to do, then the
//     safe ones, each with what follows from it and the files it alters;
//   - a picture of the cluster with the change marked (package diagram);
//   - every changed file with its line counts;
//   - the diffs, each in a collapsed <details> block, the largest last.
//
// The parts are fitted in that order of importance (the changes that need
// care first, the diffs last); what does not fit is left out with a line
// saying how much and which command shows it all.
func (r *Report) WriteMarkdown(w io.Writer) error {
	files, err := r.fileDiffs()
	if err != nil {
		return err
	}
	care, safe := r.careAndSafe()
	all := shortCode(r.fullCommand())

	var head strings.Builder
	fmt.Fprintf(&head, "### hlcgen: changes to %s since %s\n\n", shortCode(r.Spec), shortCode(r.Rev))
	if note := r.note(shortCode); note != "" {
		fmt.Fprintf(&head, "%s\n\n", note)
		for i, d := range r.BaseErrors {
			if i == maxBaseErrors {
				fmt.Fprintf(&head, "- and %s more\n", count(len(r.BaseErrors)-i))
				break
			}
			fmt.Fprintf(&head, "- %s\n", shortCode(diagLine(d)))
		}
		if len(r.BaseErrors) > 0 {
			head.WriteString("\n")
		}
	}
	head.WriteString(r.summary(care, safe, files) + "\n")

	// The lines saying what was left out name the command, up to three
	// times.
	fit := &fitter{left: MaxComment - head.Len() - 5*noteReserve - 3*len(all)}
	careItems, safeItems := markdownItems(care), markdownItems(safe)
	careN := fit.prefix(careItems)
	picture := r.pictureSection()
	if !fit.take(picture) {
		picture = "\n#### The cluster\n\nThe picture is left out: the changes above fill the comment.\n"
	}
	safeN := fit.prefix(safeItems)

	var rows []string
	for _, f := range files {
		rows = append(rows, fmt.Sprintf("- %s %s (+%s −%s)\n", f.Action(), CodeSpan(f.Path), count(f.plus), count(f.minus)))
	}
	// The list gets at most half of what is left, so that a change to
	// thousands of files still shows some of their diffs.
	list := &fitter{left: fit.left / 2}
	rowsN := list.prefix(rows)
	fit.left -= fit.left/2 - list.left

	bySize := slices.Clone(files)
	slices.SortStableFunc(bySize, func(a, b fileDiff) int { return len(a.diff) - len(b.diff) })
	var details []string
	for _, f := range bySize {
		details = append(details, detailsBlock(f))
	}
	detailsN := fit.prefix(details)

	var b strings.Builder
	b.WriteString(head.String())
	if len(care) > 0 {
		fmt.Fprintf(&b, "\n#### Needs care (%s)\n\n", count(len(care)))
		writeItems(&b, careItems, careN, "that need care", all)
	}
	if len(safe) > 0 {
		fmt.Fprintf(&b, "\n#### %s (%s)\n\n", r.safeHeading(), count(len(safe)))
		writeItems(&b, safeItems, safeN, "that are safe", all)
	}
	b.WriteString(picture)
	b.WriteString("\n#### Generated files\n\n")
	if len(files) == 0 {
		b.WriteString("No changes.\n")
	} else {
		fmt.Fprintf(&b, "%s:\n\n", fileCounts(files))
		for _, row := range rows[:rowsN] {
			b.WriteString(row)
		}
		if rest := files[rowsN:]; len(rest) > 0 {
			fmt.Fprintf(&b, "- and %s more %s (%s)\n", count(len(rest)), verb(len(rest), "file", "files"), lineCounts(rest))
		}
		for _, d := range details[:detailsN] {
			b.WriteString("\n" + d)
		}
		if rest := bySize[detailsN:]; len(rest) > 0 {
			fmt.Fprintf(&b, "\n**Left out** to keep this comment within GitHub's 65,536 characters: the diffs of %s (%s). %s shows them all.\n",
				countNoun(len(rest), "file"), lineCounts(rest), all)
		}
	}
	if b.Len() > MaxComment {
		return fmt.Errorf("internal error: the Markdown report is %d bytes, over its bound of %d", b.Len(), MaxComment)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// summary is the line under the heading: how many changes need care, how
// many are safe, and what the generated files do.
func (r *Report) summary(care, safe []Change, files []fileDiff) string {
	var parts []string
	switch {
	case len(r.Changes) == 0:
		parts = append(parts, "No change to the cluster.")
	case r.Old == nil:
		parts = append(parts, fmt.Sprintf("%s.", countNoun(len(safe), "change")))
	case len(care) == 0:
		parts = append(parts, fmt.Sprintf("%s, none needs care.", countNoun(len(safe), "safe change")))
	default:
		parts = append(parts, fmt.Sprintf("**%s %s care**, %s safe.", countNoun(len(care), "change"), verb(len(care), "needs", "need"), count(len(safe))))
	}
	if len(files) == 0 {
		parts = append(parts, "No generated file changes.")
	} else {
		parts = append(parts, fmt.Sprintf("Generated files: %s.", fileCounts(files)))
	}
	return strings.Join(parts, " ")
}

// fullCommand is the command that prints the whole report.
func (r *Report) fullCommand() string {
	cmd := "hlcgen diff --base " + shellWord(r.Rev)
	if r.Spec != "cluster.hcl" {
		cmd += " --file " + shellWord(r.Spec)
	}
	return cmd
}

// shellWord quotes s for a POSIX shell when it holds more than letters,
// digits and ./_-~^@:+, (a revision such as origin/main or HEAD~1 does not).
func shellWord(s string) string {
	plainWord := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("./_-~^@:+,", r)) {
			plainWord = false
		}
	}
	if plainWord {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func lineCounts(files []fileDiff) string {
	plus, minus := 0, 0
	for _, f := range files {
		plus += f.plus
		minus += f.minus
	}
	return fmt.Sprintf("+%s −%s lines", count(plus), count(minus))
}

// markdownItems are the changes as list items, one string each with what
// is under it.
func markdownItems(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		var b strings.Builder
		writeMarkdownChange(&b, c, "")
		out[i] = b.String()
	}
	return out
}

func writeMarkdownChange(b *strings.Builder, c Change, indent string) {
	b.WriteString(indent + "- " + c.Markdown())
	if len(c.Care) > 0 {
		// A backslash at the end of a line is a hard line break
		// (CommonMark 0.31, "Hard line breaks").
		b.WriteString(" \\\n" + indent + "  **Why:** " + c.Care.Markdown())
	}
	b.WriteString("\n")
	for _, f := range c.Follows {
		writeMarkdownChange(b, f, indent+"  ")
	}
	if len(c.Files) > 0 {
		shown := make([]string, 0, commentFiles)
		for _, p := range c.Files[:min(len(c.Files), commentFiles)] {
			shown = append(shown, CodeSpan(p))
		}
		more := ""
		if n := len(c.Files) - len(shown); n > 0 {
			more = fmt.Sprintf(" and %s more", count(n))
		}
		fmt.Fprintf(b, "%s  - generated files (%s): %s%s\n", indent, count(len(c.Files)), strings.Join(shown, ", "), more)
	}
}

// writeItems writes the first n items and a line for the rest; all is the
// command that lists everything, as Markdown.
func writeItems(b *strings.Builder, items []string, n int, what, all string) {
	for _, it := range items[:n] {
		b.WriteString(it)
	}
	if rest := len(items) - n; rest > 0 {
		fmt.Fprintf(b, "- and %s more %s %s, left out to keep this comment within GitHub's 65,536 characters: %s lists them all.\n",
			count(rest), verb(rest, "change", "changes"), what, all)
	}
}

// pictureSection is the picture of the cluster with the change marked.
func (r *Report) pictureSection() string {
	if r.New == nil {
		return ""
	}
	src := diagram.New(r.Old, r.New, r.marks()).Mermaid()
	fence := Fence(src)
	return "\n#### The cluster\n\n" + fence + "mermaid\n" + src + fence + "\n"
}

// marks are what the changes do to the nodes and the VIP, for the picture.
func (r *Report) marks() diagram.Marks {
	m := diagram.Marks{Nodes: map[string]diagram.Mark{}, RenamedFrom: map[string]string{}}
	var walk func([]Change)
	walk = func(cs []Change) {
		for _, c := range cs {
			switch {
			case c.Block == "node" && c.Setting == "" && c.Kind == Added:
				m.Nodes[c.Name] = diagram.Added
			case c.Block == "node" && c.Setting == "" && c.Kind == Removed:
				m.Nodes[c.Name] = diagram.Removed
			case c.Block == "node" && c.Kind == Renamed:
				m.Nodes[c.Name] = diagram.Changed
				m.RenamedFrom[c.Name] = c.OldName
			case c.Block == "node" && m.Nodes[c.Name] == diagram.Same:
				m.Nodes[c.Name] = diagram.Changed
			case c.Block == "network" && (c.Setting == "api_vip" || c.Setting == "api_port"):
				m.VIP = diagram.Changed
			}
			walk(c.Follows)
		}
	}
	walk(r.Changes)
	if r.Old == nil {
		// Everything is new: nothing to mark against.
		return diagram.Marks{}
	}
	return m
}

// detailsBlock is one file's diff, collapsed: the path (HTML-escaped, as
// <summary> holds HTML, not Markdown) and line counts, then the diff in a
// fence no line of it can close.
func detailsBlock(f fileDiff) string {
	fence := Fence(f.diff)
	return fmt.Sprintf("<details><summary><code>%s</code>: %s, +%s −%s</summary>\n\n%sdiff\n%s%s\n\n</details>\n",
		html.EscapeString(f.Path), f.Action(), count(f.plus), count(f.minus), fence, f.diff, fence)
}

// fitter hands out the bytes left in the comment.
type fitter struct{ left int }

func (f *fitter) take(s string) bool {
	if len(s) > f.left {
		return false
	}
	f.left -= len(s)
	return true
}

// prefix takes items in order while they fit and returns how many did.
func (f *fitter) prefix(items []string) int {
	for i, it := range items {
		if !f.take(it) {
			return i
		}
	}
	return len(items)
}
