package specdiff

import (
	"strconv"
	"strings"
)

// Prose is a sentence for people, with the values in it (names, paths,
// addresses, commands) marked, so that Markdown sets them as code and no
// value can be read as Markdown.
type Prose []Span

// Span is a piece of a sentence: hlcgen's own words, or a value.
type Span struct {
	Text string
	Code bool
}

// say builds a sentence from hlcgen's words (strings) and values (code).
func say(parts ...any) Prose {
	var p Prose
	for _, part := range parts {
		switch v := part.(type) {
		case string:
			p = append(p, Span{Text: v})
		case Span:
			p = append(p, v)
		case Prose:
			p = append(p, v...)
		default:
			panic("specdiff: say takes strings, code values and Prose")
		}
	}
	return p
}

// code marks a value.
func code(s string) Span { return Span{Text: s, Code: true} }

// codeList marks values and joins them: `a`, `b` and `c`.
func codeList(values []string) Prose {
	var p Prose
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			p = append(p, Span{Text: " and "})
		default:
			p = append(p, Span{Text: ", "})
		}
		p = append(p, code(v))
	}
	return p
}

// String is the sentence in plain text.
func (p Prose) String() string {
	var b strings.Builder
	for _, s := range p {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Markdown is the sentence in Markdown: values as code spans, and
// hlcgen's words with the characters that would start Markdown markup
// escaped.
func (p Prose) Markdown() string {
	var b strings.Builder
	for _, s := range p {
		if s.Code {
			b.WriteString(CodeSpan(s.Text))
		} else {
			b.WriteString(EscapeMarkdown(s.Text))
		}
	}
	return b.String()
}

// EscapeMarkdown backslash-escapes the ASCII punctuation that can start
// Markdown or HTML markup in running text (CommonMark lets any ASCII
// punctuation be escaped so), and turns line breaks into spaces.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '~', '!', '&':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// count writes n with thousands separators: 2,000.
func count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
