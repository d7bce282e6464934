package load

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/hlcgen/hlcgen/diag"
)

// MaxNesting bounds how deeply an expression in a spec may nest (lists,
// objects, parentheses, strings and ${...} interpolations), and how many
// operators one expression may chain. HCL's parser and evaluator recurse
// once per level and per operator, and Go cannot recover from a stack
// overflow: a 4 MiB file of "[" or of "+1" kills the process. No cluster
// spec comes close (blocks nest three deep; Helm values rarely ten).
const MaxNesting = 64

// MaxStringPieces bounds the pieces of one quoted string or heredoc, and
// maxFilePieces those of the whole file. HCL's parser splits a template at
// every '$' and '%' and, in a heredoc, at every line, and joins the pieces
// back in time quadratic in their number: 40,000 "$a" in one string take
// 8 seconds, the 2 million a 4 MiB file holds would take hours. With these
// bounds the worst file parses in a few seconds; a homelab string has a
// handful of pieces.
const (
	MaxStringPieces = 10000
	maxFilePieces   = 100000
)

// scanContext is one open construct while scanning for nesting.
type scanContext struct {
	kind   byte   // '{', '[', '(' brackets; 'i' an interpolation; '"' a quoted string; 'h' a heredoc
	marker []byte // the heredoc's closing marker
	ops    int    // operators since the last separator, in code contexts
	pieces int    // '$', '%' and lines, in strings and heredocs
}

func (c scanContext) isCode() bool { return c.kind != '"' && c.kind != 'h' }

// checkNesting scans src the way HCL's scanner splits code, quoted
// strings, heredocs and comments, and reports the first place that nests
// deeper than MaxNesting, chains more than MaxNesting operators, or has
// more string pieces than MaxStringPieces (maxFilePieces in the file). It
// is a bound, not a parser: it never recurses, takes one pass, and
// anything it misreads is malformed HCL that the parser reports anyway.
func checkNesting(filename string, src []byte) (diag.Diagnostic, bool) {
	// The bottom context is the file's top level.
	stack := []scanContext{{kind: '{'}}
	problem := func(i int, summary, detail string) (diag.Diagnostic, bool) {
		at := offsetPos(src, i)
		end := at
		end.Byte++
		end.Column++
		return diag.Diagnostic{
			Severity: diag.Error, Code: diag.Syntax.Code, Summary: summary, Detail: detail,
			Subject: hcl.Range{Filename: filename, Start: at, End: end},
		}, true
	}
	push := func(i int, c scanContext) (diag.Diagnostic, bool) {
		stack = append(stack, c)
		if len(stack)-1 > MaxNesting {
			return problem(i, "Value nested too deeply",
				fmt.Sprintf("This value nests lists, objects, parentheses, strings or interpolations more than %d levels deep; hlcgen reads at most %d, which no cluster spec needs. Flatten the value.", MaxNesting, MaxNesting))
		}
		return diag.Diagnostic{}, false
	}
	lineStart := true
	filePieces := 0
	for i := 0; i < len(src); {
		top := &stack[len(stack)-1]
		c := src[i]
		next := byte(0)
		if i+1 < len(src) {
			next = src[i+1]
		}
		switch top.kind {
		case '"', 'h':
			if top.kind == 'h' && lineStart {
				end := bytes.IndexByte(src[i:], '\n')
				if end < 0 {
					end = len(src) - i
				}
				if bytes.Equal(bytes.TrimRight(bytes.TrimLeft(src[i:i+end], " \t"), "\r"), top.marker) {
					stack = stack[:len(stack)-1]
					i += end
					lineStart = false
					continue
				}
			}
			lineStart = false
			if c == '$' || c == '%' || c == '\n' && top.kind == 'h' {
				top.pieces++
				filePieces++
				if top.pieces > MaxStringPieces || filePieces > maxFilePieces {
					return problem(i, "String too complex",
						fmt.Sprintf("This string or heredoc has more than %d '$' and '%%' signs and lines (or the file more than %d): HCL's parser takes time in the square of their number, so hlcgen reads at most that many. Split the value.", MaxStringPieces, maxFilePieces))
				}
			}
			switch {
			case top.kind == '"' && c == '\\':
				i += 2
				continue
			case top.kind == '"' && (c == '"' || c == '\n'):
				// A newline ends an unterminated string; the parser
				// reports it.
				stack = stack[:len(stack)-1]
			case (c == '$' || c == '%') && next == c && i+2 < len(src) && src[i+2] == '{':
				i += 3 // $${ and %%{ are literal
				continue
			case (c == '$' || c == '%') && next == '{':
				if d, bad := push(i, scanContext{kind: 'i'}); bad {
					return d, true
				}
				i += 2
				continue
			case c == '\n':
				lineStart = true
			}
			i++
			continue
		}

		// Code: the top level, brackets and interpolations.
		switch {
		case c == '#' || c == '/' && next == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && next == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return diag.Diagnostic{}, false
			}
			i += end + 4
			continue
		case c == '"':
			if d, bad := push(i, scanContext{kind: '"'}); bad {
				return d, true
			}
		case c == '<' && next == '<':
			if marker, body, ok := heredocStart(src, i); ok {
				if d, bad := push(i, scanContext{kind: 'h', marker: marker}); bad {
					return d, true
				}
				i = body
				lineStart = true
				continue
			}
			top.ops += 2
		case c == '{' || c == '[' || c == '(':
			if d, bad := push(i, scanContext{kind: c}); bad {
				return d, true
			}
		case c == '}' || c == ']' || c == ')':
			if len(stack) > 1 && (top.kind == 'i' && c == '}' || closer(top.kind) == c) {
				stack = stack[:len(stack)-1]
			}
		case c == ',':
			top.ops = 0
		case c == '\n' && top.kind == '{':
			// Newlines separate attributes and object items.
			top.ops = 0
		case c == '=' && next == '=':
			top.ops++
			i++
		case bytes.IndexByte([]byte("+-*/%!?<>&|"), c) >= 0:
			top.ops++
		}
		lineStart = c == '\n'
		if top := stack[len(stack)-1]; top.isCode() && top.ops > MaxNesting {
			return problem(i, "Expression too long",
				fmt.Sprintf("This expression chains more than %d operators; hlcgen reads at most %d. cluster.hcl holds literal values: write the value itself.", MaxNesting, MaxNesting))
		}
		i++
	}
	return diag.Diagnostic{}, false
}

func closer(open byte) byte {
	switch open {
	case '{':
		return '}'
	case '[':
		return ']'
	case '(':
		return ')'
	}
	return 0
}

// heredocStart recognises `<<MARKER` or `<<-MARKER` at i followed by a
// newline, and returns the marker and where the body starts.
func heredocStart(src []byte, i int) (marker []byte, body int, ok bool) {
	j := i + 2
	if j < len(src) && src[j] == '-' {
		j++
	}
	start := j
	for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' ||
		j > start && (src[j] == '-' || src[j] >= '0' && src[j] <= '9')) {
		j++
	}
	if j == start {
		return nil, 0, false
	}
	marker = src[start:j]
	if j < len(src) && src[j] == '\r' {
		j++
	}
	if j >= len(src) || src[j] != '\n' {
		return nil, 0, false
	}
	return marker, j + 1, true
}

// offsetPos turns a byte offset into a position, counting columns in
// characters like HCL.
func offsetPos(src []byte, off int) hcl.Pos {
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	return hcl.Pos{Line: line, Column: 1 + utf8.RuneCount(src[start:off]), Byte: off}
}
