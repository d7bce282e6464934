package load

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// nonLiteral finds the first part of expr that is not a literal value, as
// the README promises of the language: numbers, strings without
// interpolation, true, false, null, and lists and objects of them. It
// returns that part's range and what it does, in the user's words ("uses
// an operator"). HCL would
// evaluate the rest (8000 + 443, true ? 51 : 52, "home.${"arpa"}"), so a
// spec could otherwise compute values the README says it cannot.
func nonLiteral(expr hclsyntax.Expression, src []byte) (hcl.Range, string, bool) {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return hcl.Range{}, "", false
	case *hclsyntax.UnaryOpExpr:
		// A negative number is written -1: HCL parses it as negation
		// of the literal 1.
		if _, ok := e.Val.(*hclsyntax.LiteralValueExpr); ok && e.Op == hclsyntax.OpNegate {
			return hcl.Range{}, "", false
		}
		return e.Range(), "uses an operator", true
	case *hclsyntax.TemplateExpr:
		// HCL folds "${1}" into a literal part, so the parts alone do
		// not tell "x${1}" from "x1": the source does.
		for _, p := range e.Parts {
			if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok {
				return e.Range(), "uses an interpolation or a template directive", true
			}
		}
		if hasInterpolation(src, e.Range()) {
			return e.Range(), "uses an interpolation or a template directive", true
		}
		return hcl.Range{}, "", false
	case *hclsyntax.TupleConsExpr:
		for _, x := range e.Exprs {
			if r, what, bad := nonLiteral(x, src); bad {
				return r, what, true
			}
		}
		return hcl.Range{}, "", false
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			if k, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok {
				if _, bare := k.Wrapped.(*hclsyntax.ScopeTraversalExpr); !bare || k.ForceNonLiteral {
					if r, what, bad := nonLiteral(k.Wrapped, src); bad {
						return r, what, true
					}
				}
			} else if r, what, bad := nonLiteral(it.KeyExpr, src); bad {
				return r, what, true
			}
			if r, what, bad := nonLiteral(it.ValueExpr, src); bad {
				return r, what, true
			}
		}
		return hcl.Range{}, "", false
	case *hclsyntax.BinaryOpExpr:
		return e.Range(), "uses an operator", true
	case *hclsyntax.ConditionalExpr:
		return e.Range(), "uses a conditional (a ? b : c)", true
	case *hclsyntax.ForExpr:
		return e.Range(), "uses a for expression", true
	case *hclsyntax.TemplateWrapExpr:
		return e.Range(), "uses an interpolation", true
	case *hclsyntax.ParenthesesExpr:
		return e.Range(), "uses parentheses", true
	case *hclsyntax.FunctionCallExpr:
		return e.Range(), "calls a function", true
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.RelativeTraversalExpr:
		return e.Range(), "refers to a variable or another setting", true
	}
	return expr.Range(), "is an expression", true
}

// hasInterpolation reports whether the template at r in src has a ${ or %{
// sequence. HCL's escapes are $${ and %%{ (a doubled sign alone is two
// signs), so "$$${x}" is the literal text "$${x}".
func hasInterpolation(src []byte, r hcl.Range) bool {
	if r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return false
	}
	s := src[r.Start.Byte:r.End.Byte]
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '$' && s[i] != '%' {
			continue
		}
		switch {
		case i+2 < len(s) && s[i+1] == s[i] && s[i+2] == '{':
			i += 2 // an escape
		case s[i+1] == '{':
			return true
		}
	}
	return false
}

// literalText is the value of expr written as a literal, when expr needs
// nothing but itself to evaluate (8000 + 443 is 8443): the fix of a
// non-literal expression. It returns false when expr refers to anything.
func literalText(expr hclsyntax.Expression) (string, bool) {
	v, ds := expr.Value(nil)
	if ds.HasErrors() || !v.IsWhollyKnown() {
		return "", false
	}
	return string(bytes.TrimSpace(hclwrite.TokensForValue(v).Bytes())), true
}
