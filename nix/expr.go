package nix

import (
	"errors"
	"math"
	"sort"
	"strings"
)

// Expr is a Nix expression. The interface is sealed: the only
// implementations are the ones built by the constructors of this package, so
// every Expr is known to be correctly escaped.
type Expr interface {
	nixExpr()
}

type (
	strExpr struct{ s string }
	// indStrExpr is only constructed for text that multilineRepresentable
	// accepts; otherwise MultilineString returns a strExpr.
	indStrExpr struct{ s string }
	intExpr    struct{ v int64 }
	floatExpr  struct{ v float64 }
	boolExpr   struct{ v bool }
	nullExpr   struct{}
	pathExpr   struct{ p string }
	varExpr    struct{ name string }
	rawExpr    struct{ code string }
	listExpr   struct{ items []Expr }
	selectExpr struct {
		base  Expr
		attrs []string
	}
	applyExpr struct {
		fn   Expr
		args []Expr
	}
	lambdaExpr struct {
		params   []string
		ellipsis bool
		body     Expr
	}
	lambdaIdentExpr struct {
		name string
		body Expr
	}
	letExpr struct {
		bindings *AttrSet
		body     Expr
	}
	concatExpr struct{ ops []Expr }
	// interpExpr is a string with interpolations: parts are string
	// (literal text) or Expr.
	interpExpr struct{ parts []any }
)

func (strExpr) nixExpr()          {}
func (indStrExpr) nixExpr()       {}
func (intExpr) nixExpr()          {}
func (floatExpr) nixExpr()        {}
func (boolExpr) nixExpr()         {}
func (nullExpr) nixExpr()         {}
func (pathExpr) nixExpr()         {}
func (varExpr) nixExpr()          {}
func (rawExpr) nixExpr()          {}
func (*listExpr) nixExpr()        {}
func (*selectExpr) nixExpr()      {}
func (*applyExpr) nixExpr()       {}
func (*lambdaExpr) nixExpr()      {}
func (*lambdaIdentExpr) nixExpr() {}
func (*letExpr) nixExpr()         {}
func (*concatExpr) nixExpr()      {}
func (interpExpr) nixExpr()       {}

func mustExpr(what string, e Expr) {
	if e == nil {
		panic("nix: nil Expr passed to " + what)
	}
}

// String returns s as a double-quoted Nix string literal that evaluates to
// exactly s. `"`, `\` and `${` are escaped (the latter as `\${`), newline,
// CR and tab as `\n`, `\r`, `\t`. String panics if s contains a NUL byte,
// which Nix cannot represent (see [CheckString]).
func String(s string) Expr {
	mustString(s)
	return strExpr{s}
}

// MultilineString returns s as a Nix indented string (the form delimited
// by two single quotes), laid out one text line per source line, for long text where readability matters (an
// HAProxy config, a script). The literal evaluates to exactly s: the printer
// indents every line by the same amount, which Nix strips again.
//
// Indented strings cannot represent every text faithfully, because Nix
// strips the common leading-space indentation, drops a final line consisting
// only of spaces, and keeps raw CR characters subject to editor/VCS line-end
// conversion. When s has no newline, contains CR, has no line starting with
// a non-space character, or ends in a line of only spaces,
// MultilineString falls back to [String], so the result is always exact.
// It panics on NUL bytes like [String].
func MultilineString(s string) Expr {
	mustString(s)
	if !multilineRepresentable(s) {
		return strExpr{s}
	}
	return indStrExpr{s}
}

// multilineRepresentable reports whether the layout used by the printer
//
//	''
//	<P spaces>line1
//	<P spaces>line2
//	''
//
// evaluates to exactly s. Nix's stripIndentation (src/libexpr/parser.y):
//   - the lexer drops the rest of the opening line (only spaces);
//   - the minimum count of leading spaces over all lines that contain a
//     non-space character is removed from every line (whitespace-only
//     lines lose at most that many spaces); tabs are not indentation;
//   - a final line consisting only of spaces is removed.
//
// With P added to every non-empty line the minimum is P exactly when some
// line starts with a non-space character; then stripping P restores s.
func multilineRepresentable(s string) bool {
	if !strings.Contains(s, "\n") || strings.Contains(s, "\r") {
		return false
	}
	lines := strings.Split(s, "\n")
	last := lines[len(lines)-1]
	if last != "" && strings.Trim(last, " ") == "" {
		return false
	}
	for _, l := range lines {
		if l != "" && l[0] != ' ' {
			return true
		}
	}
	return false
}

// Int returns an integer literal. Negative numbers are parenthesised where
// the grammar requires it (in lists and function arguments, `-1` would be
// parsed as subtraction or rejected).
func Int(i int64) Expr { return intExpr{i} }

// Float returns a floating-point literal that evaluates to exactly f, and
// always lexes as a float (`2.0`, `1.5`, `1.0e-07`, never `2` or `1e-07`).
//
// Nix's float regex requires a dot in the mantissa, and Nix rejects literals
// that parse to a subnormal number (strtod reports ERANGE), so subnormals are
// printed as an exact product of two normal floats. Float panics on NaN and
// infinities, which have no Nix literal; [FromGo] reports them as errors.
func Float(f float64) Expr {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		panic("nix: Float cannot represent NaN or infinity")
	}
	return floatExpr{f}
}

// Bool returns `true` or `false`.
func Bool(b bool) Expr { return boolExpr{b} }

// Null returns `null`.
func Null() Expr { return nullExpr{} }

// List returns a list literal `[ a b ]`.
func List(items ...Expr) Expr {
	for _, it := range items {
		mustExpr("List", it)
	}
	return &listExpr{append([]Expr(nil), items...)}
}

// ErrPath is returned by [Path] for input that cannot be written as a plain
// Nix path literal.
var ErrPath = errors.New("nix: not representable as a relative path literal")

// Path returns a relative path literal such as `./hardware/cp1.nix` or
// `../../hardware/cp1.nix`. rel may be given with or without a leading `./`
// ("hardware/cp1.nix" becomes `./hardware/cp1.nix`; "." becomes `./.`).
//
// Path literals cannot be escaped, so anything outside the Nix path
// character set [a-zA-Z0-9._+-] plus `/` separators is rejected, as are
// absolute paths, empty components (`a//b`), and trailing slashes; callers
// must fall back to another construction (for example a string) then.
func Path(rel string) (Expr, error) {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.HasSuffix(rel, "/") {
		return nil, ErrPath
	}
	comps := strings.Split(rel, "/")
	for _, c := range comps {
		if c == "" {
			return nil, ErrPath
		}
		for i := 0; i < len(c); i++ {
			if !isPathChar(c[i]) {
				return nil, ErrPath
			}
		}
	}
	p := rel
	if comps[0] != "." && comps[0] != ".." {
		p = "./" + p
	}
	if !strings.Contains(p, "/") {
		// "." or "..": a path literal needs a slash.
		p += "/."
	}
	return pathExpr{p}, nil
}

// isPathChar matches PATH_CHAR in the Nix lexer: [a-zA-Z0-9._+-].
func isPathChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '+' || c == '-'
}

// Var returns a reference to the variable name (for example `lib`,
// `config`). Var panics if name is not a valid identifier: variable names
// are chosen by hlcgen developers, never taken from user input.
func Var(name string) Expr {
	mustIdent("variable name", name)
	return varExpr{name}
}

// Select returns the attribute selection `base.a.b`. Every attribute name is
// passed through [Key], so arbitrary names are safe: Select(v, "a/b") prints
// `v."a/b"`. With no attrs it returns base.
func Select(base Expr, attrs ...string) Expr {
	mustExpr("Select", base)
	if len(attrs) == 0 {
		return base
	}
	for _, a := range attrs {
		mustString(a)
	}
	if s, ok := base.(*selectExpr); ok {
		return &selectExpr{s.base, append(append([]string(nil), s.attrs...), attrs...)}
	}
	return &selectExpr{base, append([]string(nil), attrs...)}
}

// Apply returns the function application `fn arg1 arg2`. Arguments that are
// not terms (applications, negative numbers, lambdas, let, `++`, …) are
// parenthesised. With no args it returns fn.
func Apply(fn Expr, args ...Expr) Expr {
	mustExpr("Apply", fn)
	for _, a := range args {
		mustExpr("Apply", a)
	}
	if len(args) == 0 {
		return fn
	}
	if a, ok := fn.(*applyExpr); ok {
		// f a b is (f a) b: flatten so the printer sees one chain.
		return &applyExpr{a.fn, append(append([]Expr(nil), a.args...), args...)}
	}
	return &applyExpr{fn, append([]Expr(nil), args...)}
}

// Lambda returns a function with an attribute-set pattern,
// `{ a, b, ... }: body`. params must be identifiers (they are programmer
// chosen); Lambda panics otherwise.
func Lambda(params []string, ellipsis bool, body Expr) Expr {
	mustExpr("Lambda", body)
	for _, p := range params {
		mustIdent("lambda parameter", p)
	}
	return &lambdaExpr{append([]string(nil), params...), ellipsis, body}
}

// LambdaIdent returns the function `name: body`. It panics if name is not
// an identifier.
func LambdaIdent(name string, body Expr) Expr {
	mustExpr("LambdaIdent", body)
	mustIdent("lambda parameter", name)
	return &lambdaIdentExpr{name, body}
}

// Let returns `let <bindings> in body`. The bindings are printed like the
// contents of an attribute set (comments and inherits included).
func Let(bindings *AttrSet, body Expr) Expr {
	mustExpr("Let", body)
	if bindings == nil {
		bindings = NewAttrs()
	}
	return &letExpr{bindings, body}
}

// Concat returns the list concatenation `a ++ b`. Chains are flattened so
// that Concat(Concat(a, b), c) prints as `a ++ b ++ c` (++ is associative).
func Concat(a, b Expr) Expr {
	mustExpr("Concat", a)
	mustExpr("Concat", b)
	var ops []Expr
	for _, e := range []Expr{a, b} {
		if c, ok := e.(*concatExpr); ok {
			ops = append(ops, c.ops...)
		} else {
			ops = append(ops, e)
		}
	}
	return &concatExpr{ops}
}

// Interpolate returns a double-quoted string with interpolations: each part
// is either a string, which is literal text escaped like [String], or an
// Expr, printed inside `${ }`. Interpolate("${pkgs.procps}/bin", ...) is
// how a module names a file of a package without building Nix text by
// hand. The interpolated expressions are hlcgen's own (package paths,
// variables), must print on one line, and are coerced to strings by Nix;
// Interpolate panics on an expression that does not print on one line and
// on any other part type.
func Interpolate(parts ...any) Expr {
	for _, part := range parts {
		switch x := part.(type) {
		case string:
			mustString(x)
		case Expr:
			mustExpr("Interpolate", x)
			if _, ok := flat(x); !ok {
				panic("nix: Interpolate: an interpolated expression must print on one line")
			}
		default:
			panic("nix: Interpolate takes strings and Exprs")
		}
	}
	return interpExpr{append([]any(nil), parts...)}
}

func (e interpExpr) flat() (string, bool) {
	var b strings.Builder
	b.WriteByte('"')
	for i, part := range e.parts {
		switch x := part.(type) {
		case string:
			q := quote(x)
			q = q[1 : len(q)-1]
			// A literal "$" right before an interpolation would lex as
			// "$$" (a literal pair) followed by literal text.
			// (quote escapes "$" only before "{", so a final "$" is bare.)
			if strings.HasSuffix(q, "$") && i+1 < len(e.parts) {
				if _, next := e.parts[i+1].(Expr); next {
					q = q[:len(q)-1] + `\$`
				}
			}
			b.WriteString(q)
		case Expr:
			s, ok := flat(x)
			if !ok {
				return "", false
			}
			b.WriteString("${" + s + "}")
		}
	}
	b.WriteByte('"')
	return b.String(), true
}

// Raw returns code verbatim.
//
// WARNING: Raw bypasses all escaping. It is only for constant Nix snippets
// written by hlcgen developers (for example `lib.mkDefault` or
// `config.networking.hostName`). NEVER pass anything derived from user
// input, configuration files or the environment: use [String], [Key],
// [Select] and friends instead.
//
// Unless code is a plain identifier or dotted selection, the printer
// parenthesises it wherever a term is required. Lines after the first are
// re-indented to the current indentation level.
func Raw(code string) Expr {
	mustString(code)
	return rawExpr{code}
}

// SortedAttrs returns an attribute set with the entries of m in byte-wise
// sorted key order, so that map iteration order never leaks into the
// output.
func SortedAttrs(m map[string]Expr) Expr {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	a := NewAttrs()
	for _, k := range keys {
		a.Set(k, m[k])
	}
	return a
}
