package nix_test

// A model, in Go, of how the Nix lexer and parser (src/libexpr/lexer.l and
// parser.y, Nix 2.8) read the two kinds of string literals. The fuzz tests
// use it to check escaping without running Nix; the eval tests check the
// same properties against the real nix-instantiate.

import (
	"errors"
	"fmt"
	"strings"
)

var errInterpolation = errors.New("string literal contains a live ${ interpolation")

// decodeLiteral decodes the single string literal src (double-quoted or
// indented) and returns its value. It fails if src contains an
// interpolation, is not terminated, or has trailing text.
func decodeLiteral(src string) (string, error) {
	switch {
	case strings.HasPrefix(src, `"`):
		return decodeDQ(src)
	case strings.HasPrefix(src, "''"):
		return decodeInd(src)
	}
	return "", fmt.Errorf("not a string literal: %q", src)
}

// decodeDQ models the STRING start condition:
//
//	([^$"\\]|\$[^{"\\]|\\{ANY}|\$\\{ANY})*\$/\"  literal (trailing $ before ")
//	([^$"\\]|\$[^{"\\]|\\{ANY}|\$\\{ANY})+       literal
//	\$\{                                         interpolation
//	\"                                           end
//
// followed by unescapeStr, which maps \n \r \t, drops the backslash of any
// other escape and normalises raw CR and CRLF to LF.
func decodeDQ(src string) (string, error) {
	var raw strings.Builder // literal token text, before unescaping
	i := 1
	for {
		// Longest literal token from i. The alternatives are decided by
		// the first two bytes, so greedy consumption is the longest match.
		for i < len(src) {
			c := src[i]
			switch {
			case c != '$' && c != '"' && c != '\\':
				raw.WriteByte(c)
				i++
				continue
			case c == '$' && i+1 < len(src) && src[i+1] != '{' && src[i+1] != '"' && src[i+1] != '\\':
				raw.WriteString(src[i : i+2])
				i += 2
				continue
			case c == '\\' && i+1 < len(src):
				raw.WriteString(src[i : i+2])
				i += 2
				continue
			case c == '$' && i+2 < len(src) && src[i+1] == '\\':
				raw.WriteString(src[i : i+3])
				i += 3
				continue
			}
			break
		}
		if i >= len(src) {
			return "", errors.New("unterminated string")
		}
		switch {
		case strings.HasPrefix(src[i:], `$"`):
			raw.WriteByte('$')
			i++
		case strings.HasPrefix(src[i:], "${"):
			return "", errInterpolation
		case src[i] == '"':
			if i != len(src)-1 {
				return "", fmt.Errorf("trailing text after string: %q", src[i+1:])
			}
			return unescapeStr(raw.String()), nil
		default:
			return "", fmt.Errorf("lexer stuck at %q", src[i:])
		}
	}
}

func unescapeStr(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteByte('\n')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// indPart is one IND_STR token. escaped marks tokens produced by an escape
// sequence; newer Nix versions never treat their text as indentation.
type indPart struct {
	s       string
	escaped bool
}

// decodeInd models the IND_STRING start condition (longest match wins, ties
// go to the earlier rule):
//
//	''( *\n)?                  opening (consumes a spaces-only first line)
//	([^$']|\$[^{']|'[^'$])+    literal
//	''$ | $                    "$"
//	'''                        "''"
//	''\\{ANY}                  unescapeStr of the escape
//	\$\{                       interpolation
//	''                         end
//	'                          "'"
//
// and then stripIndentation. The value is computed twice: with Nix 2.8
// semantics, where escape-produced text counts like any other text, and
// with newer semantics, where escapes end the leading indentation. Both
// must agree, so generated code means the same on all Nix versions.
func decodeInd(src string) (string, error) {
	i := 2
	if j := strings.IndexFunc(src[i:], func(r rune) bool { return r != ' ' }); j >= 0 && src[i+j] == '\n' {
		i += j + 1
	}
	var parts []indPart
	for {
		if i >= len(src) {
			return "", errors.New("unterminated indented string")
		}
		// Longest literal match.
		j := i
		for j < len(src) {
			c := src[j]
			switch {
			case c != '$' && c != '\'':
				j++
				continue
			case c == '$' && j+1 < len(src) && src[j+1] != '{' && src[j+1] != '\'':
				j += 2
				continue
			case c == '\'' && j+1 < len(src) && src[j+1] != '\'' && src[j+1] != '$':
				j += 2
				continue
			}
			break
		}
		rest := src[i:]
		// The fixed-length rules, longest first.
		type rule struct {
			n   int
			ok  bool
			act func() (done bool, err error)
		}
		rules := []rule{
			{4, strings.HasPrefix(rest, `''\`) && len(rest) >= 4, func() (bool, error) {
				parts = append(parts, indPart{unescapeStr(rest[2:4]), true})
				return false, nil
			}},
			{3, strings.HasPrefix(rest, "''$"), func() (bool, error) {
				parts = append(parts, indPart{"$", true})
				return false, nil
			}},
			{3, strings.HasPrefix(rest, "'''"), func() (bool, error) {
				parts = append(parts, indPart{"''", true})
				return false, nil
			}},
			{2, strings.HasPrefix(rest, "${"), func() (bool, error) { return false, errInterpolation }},
			{2, strings.HasPrefix(rest, "''"), func() (bool, error) { return true, nil }},
			{1, strings.HasPrefix(rest, "$"), func() (bool, error) {
				parts = append(parts, indPart{"$", false})
				return false, nil
			}},
			{1, strings.HasPrefix(rest, "'"), func() (bool, error) {
				parts = append(parts, indPart{"'", false})
				return false, nil
			}},
		}
		best := -1
		for k, r := range rules {
			if r.ok && (best < 0 || r.n > rules[best].n) {
				best = k
			}
		}
		if j > i && (best < 0 || j-i >= rules[best].n) {
			// The literal rule comes first in lexer.l, so it wins ties.
			parts = append(parts, indPart{src[i:j], false})
			i = j
			continue
		}
		if best < 0 {
			return "", fmt.Errorf("lexer stuck at %q", rest)
		}
		done, err := rules[best].act()
		if err != nil {
			return "", err
		}
		i += rules[best].n
		if done {
			if i != len(src) {
				return "", fmt.Errorf("trailing text after string: %q", src[i:])
			}
			break
		}
	}
	old := stripIndentation(parts, false)
	neu := stripIndentation(parts, true)
	if old != neu {
		return "", fmt.Errorf("value differs between Nix versions: %q vs %q", old, neu)
	}
	return old, nil
}

// stripIndentation models parser.y. If escapesEndIndent, escaped parts end
// the leading whitespace of a line like an interpolation does (newer Nix);
// otherwise they are scanned like literal text (Nix 2.8).
func stripIndentation(parts []indPart, escapesEndIndent bool) string {
	if len(parts) == 0 {
		return ""
	}
	atStart := true
	minIndent, cur := 1000000, 0
	for _, p := range parts {
		if p.escaped && escapesEndIndent {
			if atStart {
				atStart = false
				minIndent = min(minIndent, cur)
			}
			continue
		}
		for j := 0; j < len(p.s); j++ {
			c := p.s[j]
			if atStart {
				switch c {
				case ' ':
					cur++
				case '\n':
					cur = 0
				default:
					atStart = false
					minIndent = min(minIndent, cur)
				}
			} else if c == '\n' {
				atStart, cur = true, 0
			}
		}
	}
	var out strings.Builder
	atStart = true
	dropped := 0
	for k, p := range parts {
		if p.escaped && escapesEndIndent {
			atStart, dropped = false, 0
			out.WriteString(p.s)
			continue
		}
		var s2 strings.Builder
		for j := 0; j < len(p.s); j++ {
			c := p.s[j]
			if atStart {
				switch c {
				case ' ':
					if dropped >= minIndent {
						s2.WriteByte(c)
					}
					dropped++
				case '\n':
					dropped = 0
					s2.WriteByte(c)
				default:
					atStart, dropped = false, 0
					s2.WriteByte(c)
				}
			} else {
				s2.WriteByte(c)
				if c == '\n' {
					atStart = true
				}
			}
		}
		t := s2.String()
		if k == len(parts)-1 {
			// Remove the last line if it is empty and consists only of
			// spaces.
			if n := strings.LastIndexByte(t, '\n'); n >= 0 && strings.Trim(t[n+1:], " ") == "" {
				t = t[:n+1]
			}
		}
		out.WriteString(t)
	}
	return out.String()
}
