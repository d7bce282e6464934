package nix

import (
	"errors"
	"strings"
)

// ErrNUL is returned by [CheckString] (and wrapped by [FromGo]) for text
// containing a NUL byte, which no Nix string literal can represent.
var ErrNUL = errors.New("nix: string contains a NUL byte, which Nix strings cannot represent")

// CheckString reports whether s can be represented as a Nix string. The only
// unrepresentable byte is NUL: Nix stores strings as C strings and silently
// truncates at the first NUL (verified with Nix 2.8). Validators should call
// this on user input so the printer never has to panic.
func CheckString(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}

func mustString(s string) {
	if err := CheckString(s); err != nil {
		panic(err)
	}
}

// quote renders s as a double-quoted Nix string literal.
//
// The Nix manual ("String literals") defines the escapes \" \\ \n \r \t and
// \$ inside double-quoted strings; `${` starts an interpolation. The Nix
// lexer (src/libexpr/lexer.l) tokenises the body of a double-quoted string
// as
//
//	([^$"\\]|\$[^{"\\]|\\.|\$\\.)*
//
// so the only sequences with special meaning are `"`, `\` followed by any
// byte, and `$` immediately followed by `{`. We therefore escape `"`, `\` and
// every `$` that is directly followed by `{` (as `\$`). A `$` that precedes
// another `$` needs no escape: `$$` is consumed as a literal pair by the
// lexer, and if the second `$` precedes `{` it is escaped anyway, giving
// `$\${`, which also evaluates to `$${`.
//
// Newline, carriage return and tab are escaped for readability and because
// Nix normalises raw CR and CRLF inside string literals to LF (verified with
// Nix 2.8: a raw CR evaluates to "\n"), so a raw CR would not round-trip.
// Other control characters have no escape in Nix and are emitted raw, which
// the lexer accepts. Bytes are processed individually; all special
// characters are ASCII, so multi-byte UTF-8 sequences (and even invalid
// UTF-8, which Nix treats as opaque bytes) pass through untouched.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteString(`\$`)
			} else {
				b.WriteByte('$')
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// escapeIndented escapes s for the body of an indented string (the form
// delimited by two single quotes). It does not deal with indentation; see
// multilineRepresentable and printer.indString for that.
//
// The Nix manual ("Indented strings") lists the escapes, written here as
// Nix source:
//
//	'''   a literal pair of single quotes
//	''$   a literal $ (needed only before {)
//	''\x  escapes any character x
//
// The lexer rules for an indented-string body (src/libexpr/lexer.l) are:
//
//	([^$']|\$[^{']|'[^$'])+   literal text
//	''$  '''  ''\.            the escapes above
//	''                        end of the string
//	$  '                      a lone $ or ' is literal
//	${                        interpolation
//
// The trap is that flex always takes the longest match, so a literal quote
// right before an escape that itself starts with two quotes is glued to it.
// For example, escaping only the dollar of the text on the left gives the
// source on the right, which lexes as a literal pair of quotes followed by
// a live interpolation (verified with Nix 2.8):
//
//	'${   ->   '''${
//
// Likewise a literal quote right before the closing delimiter would form
// three quotes. So a run of quotes is encoded pair by pair (three quotes per
// pair), and an odd remaining quote is written plainly unless the next
// emitted text starts with a quote (the escaped dollar of an interpolation
// or the closing delimiter); then it is escaped with the backslash escape:
//
//	''\'
func escapeIndented(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			j := i
			for j < len(s) && s[j] == '\'' {
				j++
			}
			n := j - i
			for k := 0; k < n/2; k++ {
				b.WriteString("'''")
			}
			if n%2 == 1 {
				atEnd := j == len(s)
				beforeInterp := j+1 < len(s) && s[j] == '$' && s[j+1] == '{'
				if atEnd || beforeInterp {
					b.WriteString(`''\'`)
				} else {
					b.WriteByte('\'')
				}
			}
			i = j
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			// Only the `$` needs escaping; `{` is emitted on the next
			// iteration. A preceding `$` is harmless: `$''${` lexes as a
			// lone "$" followed by the ''$ escape.
			b.WriteString("''$")
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// keywords are the Nix reserved words (src/libexpr/lexer.l). They can never
// be bare identifiers or attribute names. `or` is special: Nix accepts it as
// an attribute name in some positions for backwards compatibility but not as
// a variable; we always quote it. `__curPos` is lexed as its own token (the
// current source position); it is not reserved in attribute position in Nix
// 2.8, but quoting it costs nothing and avoids depending on that detail.
var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "assert": true, "with": true,
	"let": true, "in": true, "rec": true, "inherit": true, "or": true,
	"__curPos": true,
}

// isIdent reports whether s matches the Nix identifier regex
// [a-zA-Z_][a-zA-Z0-9_'-]* and is not a keyword.
func isIdent(s string) bool {
	if s == "" || keywords[s] {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '\'' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Key returns name as it must appear as an attribute name (in a binding, an
// attribute path or a selection): bare if it is a plain Nix identifier,
// otherwise a quoted string with [String] escaping. The empty name is `""`.
// Key panics if name contains a NUL byte (see [CheckString]).
func Key(name string) string {
	mustString(name)
	if isIdent(name) {
		return name
	}
	return quote(name)
}

// mustIdent panics unless name is a valid, non-keyword identifier. It guards
// constructors whose arguments are programmer-chosen names (variables,
// lambda parameters), never user input.
func mustIdent(what, name string) {
	if !isIdent(name) {
		panic("nix: invalid " + what + " " + quote(name) + ": must match [a-zA-Z_][a-zA-Z0-9_'-]* and not be a keyword")
	}
}

// sanitizeComment splits text into lines suitable for `# …` comments. A Nix
// line comment runs until LF or CR (lexer: `#[^\r\n]*`), so both end a
// line. NUL and other control characters (except tab) are replaced by U+FFFD
// so that a comment can never confuse the lexer or an editor.
func sanitizeComment(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		l = strings.Map(func(r rune) rune {
			if r == '\t' {
				return r
			}
			if r < 0x20 || r == 0x7f {
				return '\uFFFD'
			}
			return r
		}, l)
		lines[i] = strings.TrimRight(l, " \t")
	}
	return lines
}
