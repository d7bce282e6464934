package load

import (
	"bytes"
	"fmt"
	"strings"
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
	start  int    // where a quoted string opens
}

func (c scanContext) isCode() bool { return c.kind != '"' && c.kind != 'h' }

// checkNesting scans src the way HCL's scanner splits code, quoted
// strings, heredocs and comments, and reports the first place that nests
// deeper than MaxNesting, chains more than MaxNesting operators, or has
// more string pieces than MaxStringPieces (maxFilePieces in the file). It
// is a bound, not a parser: it never recurses, takes one pass, and
// anything it misreads is malformed HCL that the parser reports anyway.
//
// It also reports a quoted string that the line ends in, at the string's
// start: HCL's scanner reads on past the line, pairing every later quote
// with the wrong one, and its parser then reports an error per remaining
// line (a spec of 150 lines gave 33), none of them at the mistake.
func checkNesting(filename string, src []byte) (diag.Diagnostic, bool) {
	return scanNesting(filename, src, nil)
}

// scanNesting is checkNesting, and when starts is not nil it also appends
// to it the offset of every line of the file's top level that starts with
// a name: where a block (or an attribute) of the file begins, and so where
// the file can be cut into parts that parse on their own (chunks.go).
func scanNesting(filename string, src []byte, starts *[]int) (diag.Diagnostic, bool) {
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
		// A run of bytes that change nothing here is passed at once:
		// most of a spec is names, values and spaces.
		if plain := &plainInCode; top.isCode() || !(top.kind == 'h' && lineStart) {
			if !top.isCode() {
				plain = &plainInString
			}
			j := i
			for j < len(src) && plain[src[j]] {
				j++
			}
			if j > i {
				lineStart = false
				i = j
				continue
			}
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
			case top.kind == '"' && c == '\\' && next == '\n':
				return unterminated(filename, src, top.start)
			case top.kind == '"' && c == '\\':
				i += 2
				continue
			case top.kind == '"' && c == '\n':
				return unterminated(filename, src, top.start)
			case top.kind == '"' && c == '"':
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
			if d, bad := push(i, scanContext{kind: '"', start: i}); bad {
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
			if starts != nil && len(stack) == 1 && i+1 < len(src) && isNameStart(src[i+1]) {
				*starts = append(*starts, i+1)
			}
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
	if top := stack[len(stack)-1]; top.kind == '"' {
		return unterminated(filename, src, top.start)
	}
	return diag.Diagnostic{}, false
}

// unterminated reports the quoted string opening at start that its line
// ends in, with the closing quote as its fix when the rest of the line is
// plainly the value (no comment, no other quote).
func unterminated(filename string, src []byte, start int) (diag.Diagnostic, bool) {
	end := start + 1
	for end < len(src) && src[end] != '\n' {
		end++
	}
	valueEnd := end
	for valueEnd > start+1 && (src[valueEnd-1] == ' ' || src[valueEnd-1] == '\t' || src[valueEnd-1] == '\r') {
		valueEnd--
	}
	r := hcl.Range{Filename: filename, Start: offsetPos(src, start), End: offsetPos(src, valueEnd)}
	d := diag.Diagnostic{
		Severity: diag.Error, Code: diag.Syntax.Code, Summary: "Unterminated string",
		Detail: "This string has no closing quote: an HCL string ends on the line it starts on. Add the closing \" " +
			"(a value of several lines is a heredoc: <<-EOT, the lines, then EOT).",
		Subject: r,
	}
	rest := src[start+1 : valueEnd]
	if !bytes.ContainsAny(rest, "\"#\\") && !bytes.Contains(rest, []byte("//")) && !bytes.Contains(rest, []byte("${")) {
		at := offsetPos(src, valueEnd)
		d = d.WithFix(hcl.Range{Filename: filename, Start: at, End: at}, `"`)
	}
	return d, true
}

// notText reports a file that is not UTF-8 text. HCL is UTF-8, and a
// binary file (or one in another encoding) would otherwise give a syntax
// error per byte HCL cannot read: a 4 KB file gave 188. A file with more
// than a few NUL bytes or bytes that are not UTF-8 is reported as a whole,
// without a line; a text file with a stray byte (Latin-1 "é", say) at the
// first one.
func notText(filename string, src []byte) (diag.Diagnostic, bool) {
	if utf8.Valid(src) && bytes.IndexByte(src, 0) < 0 {
		return diag.Diagnostic{}, false
	}
	first, bad := -1, 0
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 || r == 0 {
			if first < 0 {
				first = i
			}
			bad++
		}
		i += n
	}
	d := diag.Diagnostic{Severity: diag.Error, Code: diag.Syntax.Code, Summary: "Not a UTF-8 text file"}
	if bad > 3 {
		d.Subject = hcl.Range{Filename: filename}
		d.Detail = fmt.Sprintf("%s is not a UTF-8 text file (%d bytes of %d are not UTF-8 text, the first at byte %d): hlcgen reads HCL, which is UTF-8 text. Is it the right file?", filename, bad, len(src), first)
		return d, true
	}
	at := offsetPos(src, first)
	end := at
	end.Byte++
	end.Column++
	d.Subject = hcl.Range{Filename: filename, Start: at, End: end}
	d.Detail = fmt.Sprintf("Byte %d (0x%02X) is not UTF-8 text: HCL files are UTF-8, without NUL bytes. Save the file as UTF-8 (an editor's encoding setting, or `iconv -f latin1 -t utf-8`).", first, src[first])
	return d, true
}

// plainInCode and plainInString are the bytes on which scanNesting does
// nothing but move on, in code and in strings and heredocs: every byte
// but those its cases look at.
var plainInCode, plainInString = func() (code, str [256]bool) {
	for b := range 256 {
		code[b] = !strings.ContainsRune("#/\"<{[(}]),\n=+-*%!?>&|", rune(b))
		str[b] = !strings.ContainsRune("$%\n\\\"", rune(b))
	}
	return code, str
}()

// isNameStart reports whether b can start an HCL identifier written in ASCII.
func isNameStart(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
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
