package nix

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// width is the column limit used to decide whether something fits on one
// line. nixfmt defaults to 100 columns without indentation; we use a
// stricter 80 including indentation, which reads well in diffs.
const width = 80

// Print renders e as Nix source without a trailing newline.
func Print(e Expr) string {
	mustExpr("Print", e)
	p := &printer{bol: true}
	p.expr(e)
	return string(p.buf)
}

// File renders a complete .nix file: header as `# …` comment line(s), then
// e, then a trailing newline. An empty header omits the comment.
func File(header string, e Expr) []byte {
	var b strings.Builder
	if header != "" {
		for _, l := range sanitizeComment(header) {
			b.WriteString(commentLine(l))
			b.WriteByte('\n')
		}
	}
	b.WriteString(Print(e))
	b.WriteByte('\n')
	return []byte(b.String())
}

// wrapComment breaks a comment line longer than n columns at spaces, so a
// long sentence reads as a paragraph. A word longer than n stays whole.
func wrapComment(l string, n int) []string {
	if n < 20 {
		n = 20
	}
	var out []string
	for textWidth(l) > n {
		cut := -1
		col := 0
		for i, r := range l {
			if col > n {
				break
			}
			if r == ' ' && i > 0 {
				cut = i
			}
			col++
		}
		if cut <= 0 {
			break
		}
		out = append(out, strings.TrimRight(l[:cut], " "))
		l = strings.TrimLeft(l[cut:], " ")
	}
	return append(out, l)
}

func commentLine(l string) string {
	if l == "" {
		return "#"
	}
	return "# " + l
}

// Precedence classes, from tightest to loosest binding. Only the
// distinctions the printer needs are modelled.
const (
	precTerm   = iota // literals, lists, sets, variables, selections, parens
	precApp           // function application
	precUnary         // negative number literals (unary minus)
	precConcat        // ++
	precLowest        // lambda, let, arbitrary Raw code
)

func prec(e Expr) int {
	switch e := e.(type) {
	case intExpr:
		if e.v < 0 && e.v != math.MinInt64 { // MinInt64 prints parenthesised
			return precUnary
		}
	case floatExpr:
		if math.Signbit(e.v) && !isSubnormal(e.v) { // subnormals print parenthesised
			return precUnary
		}
	case *applyExpr:
		return precApp
	case *concatExpr:
		return precConcat
	case *lambdaExpr, *lambdaIdentExpr, *letExpr:
		return precLowest
	case rawExpr:
		if !isSimpleRaw(e.code) {
			return precLowest
		}
	}
	return precTerm
}

// isSimpleRaw reports whether code is an identifier or dotted selection of
// identifiers (`lib.mkDefault`), which is a term and needs no parentheses.
func isSimpleRaw(code string) bool {
	for _, part := range strings.Split(code, ".") {
		if !isIdent(part) {
			return false
		}
	}
	return true
}

func isSubnormal(f float64) bool {
	return f != 0 && math.Abs(f) < 0x1p-1022
}

func formatInt(v int64) string {
	if v == math.MinInt64 {
		// The lexer reads the digits of -9223372036854775808 as a
		// positive literal before applying unary minus and rejects it as
		// out of range.
		return "(-9223372036854775807 - 1)"
	}
	return strconv.FormatInt(v, 10)
}

// formatFloat renders f so that the Nix lexer reads it as a float equal to
// f. The Nix float regex is
//
//	(([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
//
// so the mantissa must contain a dot. Go's shortest round-trip formatting
// is used, so parsing (strtod) gives back exactly f.
func formatFloat(f float64) string {
	if isSubnormal(f) {
		// Nix rejects literals that parse to subnormals ("invalid
		// float"), so write an exact product of two normal numbers:
		// scaling by a power of two is exact in both directions.
		return "(" + formatFloat(f*0x1p600) + " * " + formatFloat(0x1p-600) + ")"
	}
	a := math.Abs(f)
	var s string
	if a == 0 || (a >= 1e-4 && a < 1e21) {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	} else {
		s = strconv.FormatFloat(f, 'e', -1, 64)
	}
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

// printer writes Nix source. Indentation is written lazily when the first
// text of a line is written, so blank lines carry no trailing whitespace.
type printer struct {
	buf    []byte
	indent int
	col    int  // column (in runes) of the next character
	bol    bool // at the beginning of a line, indentation not yet written
}

func (p *printer) write(s string) {
	if p.bol {
		for i := 0; i < p.indent; i++ {
			p.buf = append(p.buf, ' ')
		}
		p.col = p.indent
		p.bol = false
	}
	p.buf = append(p.buf, s...)
	p.col += utf8.RuneCountInString(s)
}

func (p *printer) newline() {
	p.buf = append(p.buf, '\n')
	p.col = 0
	p.bol = true
}

func (p *printer) column() int {
	if p.bol {
		return p.indent
	}
	return p.col
}

// fits reports whether n more columns fit on the current line.
func (p *printer) fits(n int) bool {
	return p.column()+n <= width
}

func textWidth(s string) int { return utf8.RuneCountInString(s) }

// flat returns the single-line rendering of e, or false if e must be
// printed on several lines no matter the width (non-empty attribute sets,
// indented strings, let, multi-line Raw code, lists that are not lists of
// scalars). The result is independent of position, so it can be measured.
func flat(e Expr) (string, bool) {
	switch e := e.(type) {
	case strExpr:
		return quote(e.s), true
	case intExpr:
		return formatInt(e.v), true
	case floatExpr:
		return formatFloat(e.v), true
	case boolExpr:
		if e.v {
			return "true", true
		}
		return "false", true
	case nullExpr:
		return "null", true
	case pathExpr:
		return e.p, true
	case varExpr:
		return e.name, true
	case interpExpr:
		return e.flat()
	case rawExpr:
		if strings.Contains(e.code, "\n") {
			return "", false
		}
		return e.code, true
	case *listExpr:
		if len(e.items) == 0 {
			return "[ ]", true
		}
		parts := make([]string, len(e.items))
		for i, it := range e.items {
			if !isScalar(it) {
				return "", false
			}
			s, ok := flatTerm(it, precTerm)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return "[ " + strings.Join(parts, " ") + " ]", true
	case *AttrSet:
		if len(e.allEntries()) == 0 {
			return "{ }", true
		}
		return "", false
	case *selectExpr:
		s, ok := flatTerm(e.base, precTerm)
		if !ok {
			return "", false
		}
		return s + "." + attrPath(e.attrs), true
	case *applyExpr:
		parts := make([]string, 0, len(e.args)+1)
		s, ok := flatTerm(e.fn, precApp)
		if !ok {
			return "", false
		}
		parts = append(parts, s)
		for _, a := range e.args {
			s, ok := flatTerm(a, precTerm)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, " "), true
	case *lambdaExpr:
		h, ok := flatPattern(e)
		if !ok {
			return "", false
		}
		b, ok := flat(e.body)
		if !ok {
			return "", false
		}
		return h + " " + b, true
	case *lambdaIdentExpr:
		b, ok := flat(e.body)
		if !ok {
			return "", false
		}
		return e.name + ": " + b, true
	case *concatExpr:
		parts := make([]string, len(e.ops))
		for i, op := range e.ops {
			s, ok := flatTerm(op, precUnary)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return strings.Join(parts, " ++ "), true
	}
	// indStrExpr, *letExpr
	return "", false
}

// flatTerm is flat, parenthesised if e binds looser than maxPrec allows.
func flatTerm(e Expr, maxPrec int) (string, bool) {
	s, ok := flat(e)
	if ok && prec(e) > maxPrec {
		s = "(" + s + ")"
	}
	return s, ok
}

// isScalar reports whether e may share a line with its siblings in a list.
func isScalar(e Expr) bool {
	switch e := e.(type) {
	case strExpr, intExpr, floatExpr, boolExpr, nullExpr, pathExpr, varExpr, interpExpr:
		return true
	case rawExpr:
		return isSimpleRaw(e.code)
	case *selectExpr:
		return isScalar(e.base)
	case *listExpr:
		return len(e.items) == 0
	case *AttrSet:
		return len(e.allEntries()) == 0
	}
	return false
}

// flatPattern renders the `{ a, b, ... }:` header on one line. Like nixfmt,
// patterns with more than two named parameters are always expanded.
func flatPattern(e *lambdaExpr) (string, bool) {
	if len(e.params) > 2 {
		return "", false
	}
	parts := append([]string(nil), e.params...)
	if e.ellipsis {
		parts = append(parts, "...")
	}
	if len(parts) == 0 {
		return "{ }:", true
	}
	return "{ " + strings.Join(parts, ", ") + " }:", true
}

// absorbable reports whether e, when it does not fit on the current line,
// can start at the end of the current line (`foo = {`, `f x [`), i.e. only
// its first and last lines are at the current indentation. This is the
// "absorption" of the standard Nix format.
func (p *printer) absorbable(e Expr) bool {
	switch e := e.(type) {
	case indStrExpr:
		return true
	case *listExpr:
		return len(e.items) > 0
	case *AttrSet:
		return len(e.allEntries()) > 0
	case *applyExpr:
		_, ok := p.absorbedApplyPrefix(e)
		return ok
	case *lambdaIdentExpr:
		return p.absorbableAfter(e.body, textWidth(e.name)+2)
	case *concatExpr:
		_, ok := p.absorbedConcatPrefix(e)
		return ok
	}
	return false
}

// term prints e, parenthesised if it binds looser than maxPrec allows.
func (p *printer) term(e Expr, maxPrec int) {
	if prec(e) <= maxPrec {
		p.expr(e)
		return
	}
	p.parens(e)
}

// parens prints (e). Short content stays on one line, absorbable content
// hugs the parentheses, anything else goes on its own indented lines:
//
//	(
//	  x: ...
//	)
func (p *printer) parens(e Expr) {
	if s, ok := flat(e); ok && p.fits(textWidth(s)+2) {
		p.write("(" + s + ")")
		return
	}
	if p.absorbable(e) {
		p.write("(")
		p.expr(e)
		p.write(")")
		return
	}
	p.write("(")
	p.indent += 2
	p.newline()
	p.expr(e)
	p.indent -= 2
	p.newline()
	p.write(")")
}

// expr prints e at the current position, assuming the context accepts e
// without parentheses.
func (p *printer) expr(e Expr) {
	switch e := e.(type) {
	case indStrExpr:
		p.indString(e.s)
	case rawExpr:
		p.raw(e.code)
	case *listExpr:
		p.list(e)
	case *AttrSet:
		p.attrs(e)
	case *selectExpr:
		p.term(e.base, precTerm)
		p.write("." + attrPath(e.attrs))
	case *applyExpr:
		p.apply(e)
	case *lambdaExpr:
		p.lambda(e)
	case *lambdaIdentExpr:
		p.lambdaIdent(e)
	case *letExpr:
		p.let(e)
	case *concatExpr:
		p.concat(e)
	default:
		s, ok := flat(e)
		if !ok {
			panic("nix: internal error: no layout for expression")
		}
		p.write(s)
	}
}

func (p *printer) indString(s string) {
	lines := strings.Split(escapeIndented(s), "\n")
	p.write("''")
	p.newline()
	p.indent += 2
	for _, l := range lines[:len(lines)-1] {
		if l != "" {
			p.write(l)
		}
		p.newline()
	}
	last := lines[len(lines)-1]
	if last != "" {
		// No trailing newline in s: close on the same line.
		p.write(last)
		p.write("''")
		p.indent -= 2
		return
	}
	p.indent -= 2
	p.write("''")
}

func (p *printer) raw(code string) {
	for i, l := range strings.Split(code, "\n") {
		if i > 0 {
			p.newline()
		}
		if l != "" {
			p.write(l)
		}
	}
}

func (p *printer) list(e *listExpr) {
	if s, ok := flat(e); ok && p.fits(textWidth(s)+1) {
		p.write(s)
		return
	}
	p.write("[")
	p.indent += 2
	for _, it := range e.items {
		p.newline()
		p.term(it, precTerm)
	}
	p.indent -= 2
	p.newline()
	p.write("]")
}

func (p *printer) attrs(a *AttrSet) {
	entries := a.allEntries()
	if len(entries) == 0 {
		p.write("{ }")
		return
	}
	p.write("{")
	p.indent += 2
	p.entries(entries)
	p.indent -= 2
	p.newline()
	p.write("}")
}

// entries prints bindings, each on a new line (shared by sets and let).
func (p *printer) entries(entries []entry) {
	for i, en := range entries {
		switch en.kind {
		case entryComment:
			for j, l := range en.names {
				if l == blankLine {
					// Only between entries: never first, last, or
					// twice in a row.
					first := i == 0 && j == 0
					last := i == len(entries)-1 && j == len(en.names)-1
					if !first && !last && (j == 0 || en.names[j-1] != blankLine) {
						p.newline()
					}
					continue
				}
				for _, w := range wrapComment(l, width-p.indent-2) {
					p.newline()
					p.write(commentLine(w))
				}
			}
		case entryInherit:
			p.newline()
			p.inherit(en)
		case entryBinding:
			p.newline()
			p.write(attrPath(en.path) + " =")
			p.bindingValue(en.value)
			p.write(";")
		}
	}
}

// bindingValue prints the right-hand side of `name = value;` following the
// standard Nix format: on the same line if it fits, absorbed if it is an
// absorbable term, otherwise on the next line with one more indentation
// level. Long strings, paths and similar stay on the same line since
// breaking the line would not make them shorter.
func (p *printer) bindingValue(v Expr) {
	s, isFlat := flat(v)
	switch {
	case isFlat && p.fits(textWidth(s)+2):
		p.write(" " + s)
	case p.absorbableAfter(v, 1):
		p.write(" ")
		p.expr(v)
	case isFlat && isScalar(v):
		p.write(" " + s)
	default:
		p.indent += 2
		p.newline()
		p.expr(v)
		p.indent -= 2
	}
}

// absorbableAfter is absorbable measured as if n more columns had been
// written (the space after `=`).
func (p *printer) absorbableAfter(e Expr, n int) bool {
	col, bol := p.col, p.bol
	p.col, p.bol = p.column()+n, false
	ok := p.absorbable(e)
	p.col, p.bol = col, bol
	return ok
}

func (p *printer) inherit(en entry) {
	head := "inherit"
	if en.from != nil {
		src, ok := flat(en.from)
		if !ok {
			// Rare: print the source expression in full, then the names.
			p.write("inherit (")
			p.expr(en.from)
			p.write(")")
			p.inheritNames(en.names)
			return
		}
		head += " (" + src + ")"
	}
	p.write(head)
	keys := make([]string, len(en.names))
	for i, n := range en.names {
		keys[i] = Key(n)
	}
	line := " " + strings.Join(keys, " ") + ";"
	if p.fits(textWidth(line)) {
		p.write(line)
		return
	}
	p.inheritNames(en.names)
}

// inheritNames prints the names of an inherit one per line, nixfmt style:
//
//	inherit (src)
//	  a
//	  b
//	  ;
func (p *printer) inheritNames(names []string) {
	p.indent += 2
	for _, n := range names {
		p.newline()
		p.write(Key(n))
	}
	p.newline()
	p.write(";")
	p.indent -= 2
}

// absorbedApplyPrefix returns `f a b ` when the application can be printed
// with its last argument absorbed: all but the last argument flat on the
// current line and the last argument absorbable in argument position (a
// set, list, indented string, or a parenthesised expression whose body then
// goes on its own lines).
func (p *printer) absorbedApplyPrefix(e *applyExpr) (string, bool) {
	parts := make([]string, 0, len(e.args))
	s, ok := flatTerm(e.fn, precApp)
	if !ok {
		return "", false
	}
	parts = append(parts, s)
	for _, a := range e.args[:len(e.args)-1] {
		s, ok := flatTerm(a, precTerm)
		if !ok {
			return "", false
		}
		parts = append(parts, s)
	}
	prefix := strings.Join(parts, " ") + " "
	if !p.fits(textWidth(prefix) + 1) {
		return "", false
	}
	last := e.args[len(e.args)-1]
	if prec(last) > precTerm {
		return prefix, true // printed as `(` … `)`
	}
	switch l := last.(type) {
	case indStrExpr:
		return prefix, true
	case *listExpr:
		return prefix, len(l.items) > 0
	case *AttrSet:
		return prefix, len(l.allEntries()) > 0
	}
	return "", false
}

func (p *printer) apply(e *applyExpr) {
	if s, ok := flat(e); ok && p.fits(textWidth(s)+1) {
		p.write(s)
		return
	}
	if prefix, ok := p.absorbedApplyPrefix(e); ok {
		p.write(prefix)
		p.term(e.args[len(e.args)-1], precTerm)
		return
	}
	// Expanded: function on the first line, each argument on its own
	// indented line.
	p.term(e.fn, precApp)
	p.indent += 2
	for _, a := range e.args {
		p.newline()
		p.term(a, precTerm)
	}
	p.indent -= 2
}

func (p *printer) lambda(e *lambdaExpr) {
	if s, ok := flat(e); ok && p.fits(textWidth(s)+1) {
		p.write(s)
		return
	}
	if h, ok := flatPattern(e); ok && p.fits(textWidth(h)) {
		p.write(h)
	} else {
		p.write("{")
		p.indent += 2
		for _, prm := range e.params {
			p.newline()
			p.write(prm + ",")
		}
		if e.ellipsis {
			p.newline()
			p.write("...")
		}
		p.indent -= 2
		p.newline()
		p.write("}:")
	}
	// The body is not indented relative to the header (standard format).
	p.newline()
	p.expr(e.body)
}

func (p *printer) lambdaIdent(e *lambdaIdentExpr) {
	head := e.name + ":"
	if s, ok := flat(e.body); ok && p.fits(textWidth(head)+1+textWidth(s)+1) {
		p.write(head + " " + s)
		return
	}
	if p.absorbableAfter(e.body, textWidth(head)+1) {
		p.write(head + " ")
		p.expr(e.body)
		return
	}
	p.write(head)
	p.newline()
	p.expr(e.body)
}

func (p *printer) let(e *letExpr) {
	p.write("let")
	p.indent += 2
	p.entries(e.bindings.allEntries())
	p.indent -= 2
	p.newline()
	p.write("in")
	p.newline()
	p.expr(e.body)
}

// absorbedConcatPrefix returns `a ++ b ++ ` when all operands but the last
// fit flat on the current line and the last is absorbable.
func (p *printer) absorbedConcatPrefix(e *concatExpr) (string, bool) {
	var b strings.Builder
	for _, op := range e.ops[:len(e.ops)-1] {
		s, ok := flatTerm(op, precUnary)
		if !ok {
			return "", false
		}
		b.WriteString(s + " ++ ")
	}
	prefix := b.String()
	if !p.fits(textWidth(prefix) + 1) {
		return "", false
	}
	last := e.ops[len(e.ops)-1]
	if prec(last) > precUnary || !p.absorbableAfter(last, textWidth(prefix)) {
		return "", false
	}
	return prefix, true
}

func (p *printer) concat(e *concatExpr) {
	if s, ok := flat(e); ok && p.fits(textWidth(s)+1) {
		p.write(s)
		return
	}
	if prefix, ok := p.absorbedConcatPrefix(e); ok {
		p.write(prefix)
		p.expr(e.ops[len(e.ops)-1])
		return
	}
	// One operand per line, each continuation starting with the operator.
	for i, op := range e.ops {
		if i > 0 {
			p.newline()
			p.write("++ ")
		}
		p.term(op, precUnary)
	}
}
