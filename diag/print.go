package diag

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// TextOptions control how diagnostics are printed for people.
type TextOptions struct {
	// Color adds ANSI colours; callers enable it only on a terminal and
	// never when NO_COLOR is set.
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
	ansiBlue   = "\x1b[1;34m"
)

// WriteText prints each diagnostic as `file:LINE:COL: severity[CODE]: summary`
// followed by the source snippet with the range underlined and the detail.
// sources maps file names to their contents.
func WriteText(w io.Writer, ds Diagnostics, sources map[string][]byte, opt TextOptions) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !opt.Color {
			return s
		}
		return code + s + ansiReset
	}
	for i, d := range ds {
		if i > 0 {
			bw.WriteString("\n")
		}
		sevColor := ansiRed
		if d.Severity == Warning {
			sevColor = ansiYellow
		}
		r := d.Subject
		loc := r.Filename
		if r.Start.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
		}
		fmt.Fprintf(bw, "%s: %s: %s\n", paint(ansiBold, loc), paint(sevColor, fmt.Sprintf("%s[%s]", d.Severity, d.Code)), paint(ansiBold, d.Summary))
		if src, ok := sources[r.Filename]; ok && r.Start.Line > 0 {
			writeSnippet(bw, src, d, func(s string) string { return paint(ansiBlue, s) }, func(s string) string { return paint(sevColor, s) })
		}
		if d.Detail != "" {
			for _, line := range strings.Split(d.Detail, "\n") {
				fmt.Fprintf(bw, "  %s\n", line)
			}
		}
	}
	return bw.Flush()
}

// writeSnippet prints the subject's first line with a caret underline.
func writeSnippet(w io.Writer, src []byte, d Diagnostic, gutter, mark func(string) string) {
	r := d.Subject
	lines := bytes.Split(src, []byte("\n"))
	if r.Start.Line < 1 || r.Start.Line > len(lines) {
		return
	}
	line := strings.TrimRight(string(lines[r.Start.Line-1]), "\r")
	num := fmt.Sprint(r.Start.Line)
	pad := strings.Repeat(" ", len(num))
	// Columns are counted in characters; tabs keep their width so the
	// underline stays aligned.
	startCol := r.Start.Column
	endCol := r.End.Column
	if r.End.Line != r.Start.Line {
		endCol = utf8.RuneCountInString(line) + 1
	}
	if endCol <= startCol {
		endCol = startCol + 1
	}
	var under strings.Builder
	col := 1
	for _, ch := range line {
		if col >= startCol {
			break
		}
		if ch == '\t' {
			under.WriteByte('\t')
		} else {
			under.WriteByte(' ')
		}
		col++
	}
	fmt.Fprintf(w, "%s %s\n", pad, gutter("|"))
	fmt.Fprintf(w, "%s %s %s\n", gutter(num), gutter("|"), line)
	fmt.Fprintf(w, "%s %s %s%s\n", pad, gutter("|"), under.String(), mark(strings.Repeat("^", endCol-startCol)))
}

// JSON is the machine-readable form printed by `hlcgen validate --format json`.
type JSON struct {
	Valid       bool       `json:"valid"`
	Diagnostics []JSONDiag `json:"diagnostics"`
}

type JSONDiag struct {
	Severity string    `json:"severity"`
	Code     string    `json:"code"`
	Summary  string    `json:"summary"`
	Detail   string    `json:"detail"`
	Range    JSONRange `json:"range"`
	// Fix is the machine-applicable fix, when the rule has a certain one:
	// replace Range with Text.
	Fix *JSONFix `json:"fix,omitempty"`
}

type JSONFix struct {
	Range JSONRange `json:"range"`
	Text  string    `json:"text"`
}

type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// WriteJSON prints diagnostics as one JSON object.
func WriteJSON(w io.Writer, ds Diagnostics) error {
	out := JSON{Valid: !ds.HasErrors(), Diagnostics: []JSONDiag{}}
	jsonRange := func(r hcl.Range) JSONRange {
		return JSONRange{
			Filename: r.Filename,
			Start:    JSONPos{Line: r.Start.Line, Column: r.Start.Column},
			End:      JSONPos{Line: r.End.Line, Column: r.End.Column},
		}
	}
	for _, d := range ds {
		jd := JSONDiag{Severity: d.Severity.String(), Code: d.Code, Summary: d.Summary, Detail: d.Detail, Range: jsonRange(d.Subject)}
		if d.Fix != nil {
			jd.Fix = &JSONFix{Range: jsonRange(d.Fix.Range), Text: d.Fix.Text}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
