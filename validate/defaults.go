package validate

import (
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
)

// A structPlan is what the schema says about the settings of one struct:
// for each setting it declares, whether it may be missing and, when it may,
// what the unified value holds in its place. Plans are read from the
// compiled schema once per process (modelPlan) and hold no CUE value, so
// that the model can be built from the document (decode.go) on any
// goroutine, in any CUE context.
type structPlan struct {
	fields map[string]*settingPlan
	// member is the plan of the settings the struct does not declare: its
	// pattern's (nodes: [string]: #Node), or nil when that schema is not
	// a struct (labels: [string]: string) or there is none ({...}).
	member *structPlan
}

// A settingPlan is one declared setting of a struct.
type settingPlan struct {
	// required settings (name!) and optional ones (name?) are not
	// filled: a valid spec writes the former, and CUE leaves the latter
	// out when the spec does not write them.
	required, optional bool
	// fill is how a regular setting missing from the document is filled
	// in the unified value.
	fill fillKind
	// value is the default of fillDefault, as a document value.
	value any
	// sub is the plan of the setting's own schema when it is a struct.
	sub *structPlan
}

type fillKind int

const (
	// fillAsk: the value CUE computed for the spec is read from the
	// unified value (a default that refers to other settings, such as a
	// node's deploy_host, which is its address).
	fillAsk fillKind = iota
	// fillDefault: the schema's default, the same for every spec.
	fillDefault
	// fillStruct: a struct of the defaults of its own settings (deploy,
	// a node's labels).
	fillStruct
)

// opaque reports whether a struct of this plan holds the document as
// written, with no setting filled in: Helm values ({...}).
func (p *structPlan) opaque() bool {
	if p == nil {
		return true
	}
	for _, f := range p.fields {
		if !f.optional {
			return false
		}
	}
	return p.member.opaque()
}

// child is the plan of the schema for key inside a struct of plan p, nil
// when that schema is not a struct or is unknown.
func (p *structPlan) child(key string) *structPlan {
	if p == nil {
		return nil
	}
	if f, ok := p.fields[key]; ok {
		return f.sub
	}
	return p.member
}

// modelPlan is the plan of #Cluster, read once per process from the
// compiled schema; nil when the schema has a shape the plans do not
// describe (then the model is always decoded by CUE).
var modelPlan = sync.OnceValue(func() *structPlan {
	def, err := compiled()
	if err != nil {
		return nil
	}
	p, ok := readPlan(def, 0)
	if !ok {
		return nil
	}
	return p
})

// maxPlanDepth bounds the recursion through the schema: #Cluster nests five
// structs deep (nodes, a node, its kubelet, system_reserved); a schema that
// nests deeper than this is not planned.
const maxPlanDepth = 12

// readPlan reads the plan of the schema s, nil when s is not a struct. ok is
// false when s has a shape a plan cannot describe.
func readPlan(s cue.Value, depth int) (*structPlan, bool) {
	if depth > maxPlanDepth {
		return nil, false
	}
	if d, ok := s.Default(); ok {
		s = d
	}
	switch k := s.IncompleteKind(); {
	case k == cue.TopKind || k&cue.StructKind == 0:
		return nil, true // any value (_), a scalar or a list
	case k != cue.StructKind:
		return nil, false // a struct or something else
	}
	p := &structPlan{fields: map[string]*settingPlan{}}
	for name, fi := range schemaFields(s) {
		f := &settingPlan{required: fi.required, optional: fi.optional}
		sub, ok := readPlan(fi.value, depth+1)
		if !ok {
			return nil, false
		}
		f.sub = sub
		if !f.required && !f.optional {
			f.fill, f.value = fillOf(fi.value)
		}
		p.fields[name] = f
	}
	// The settings the struct does not declare take its pattern's schema:
	// one pattern, in a closed struct, so that every key a valid spec
	// writes there matches it.
	var patterns []cue.Value
	it, err := s.Fields(cue.Patterns(true))
	if err != nil {
		return nil, false
	}
	for it.Next() {
		if it.FieldType()&cue.PatternConstraint != 0 {
			patterns = append(patterns, it.Value())
		}
	}
	switch {
	case len(patterns) > 1:
		return nil, false
	case len(patterns) == 1:
		if open, ok := openStruct(s); !ok || open {
			return nil, false
		}
		sub, ok := readPlan(patterns[0], depth+1)
		if !ok {
			return nil, false
		}
		p.member = sub
	}
	return p, true
}

// openStruct reports whether the struct schema s allows settings it does
// not declare or match by a pattern ({...}); ok is false when its source
// does not tell.
func openStruct(s cue.Value) (open, ok bool) {
	var x ast.Node = s.Source()
	if f, isField := x.(*ast.Field); isField {
		x = f.Value
	}
	lits, ok := structLits(x, map[ast.Node]bool{})
	for _, l := range lits {
		for _, d := range l.Elts {
			if _, isEllipsis := d.(*ast.Ellipsis); isEllipsis {
				open = true
			}
		}
	}
	return open, ok
}

// fillOf says how a regular setting of schema v that the spec does not
// write is filled: the schema's default when it is the same for every spec,
// a struct of defaults, or else from the unified value.
func fillOf(v cue.Value) (fillKind, any) {
	src, ok := v.Source().(*ast.Field)
	if !ok {
		// The setting is declared more than once, or not by a field
		// (an embedding): its value may come from anywhere.
		return fillAsk, nil
	}
	if v.IncompleteKind() == cue.StructKind {
		if _, hasDefault := v.Default(); !hasDefault && plainStruct(src.Value, map[ast.Node]bool{}) {
			return fillStruct, nil
		}
		return fillAsk, nil
	}
	if refersToSettings(src.Value, map[ast.Node]bool{}) {
		return fillAsk, nil
	}
	// A disjunction of one value ("k3s" | *"k3s") is that value, without
	// a default.
	d, ok := v.Default()
	if !ok {
		d = v
	}
	if d.Validate(cue.Concrete(true)) != nil {
		return fillAsk, nil
	}
	var x any
	if err := d.Decode(&x); err != nil {
		return fillAsk, nil
	}
	return fillDefault, x
}

// refersToSettings reports whether the schema expression x may take a
// different value in different specs: it refers to a setting (as
// deploy_host's default refers to address) or to a let or alias, or holds
// a comprehension, directly or through a definition it refers to. The
// language's predeclared identifiers (string, int), imported packages
// (net, strings) and definitions that refer to no setting (#IPv4) are the
// same for every spec. seen guards against definitions that refer to
// themselves, which count as referring to settings.
func refersToSettings(x ast.Node, seen map[ast.Node]bool) bool {
	refers := false
	ast.Walk(x, func(n ast.Node) bool {
		if refers {
			return false
		}
		switch n := n.(type) {
		case *ast.Comprehension, *ast.LetClause, *ast.Alias:
			refers = true
		case *ast.Field:
			if n.Alias != nil {
				refers = true
			}
		case *ast.Ident:
			switch target := n.Node.(type) {
			case nil, *ast.ImportSpec:
				// predeclared, a package member, or a package
			default:
				if !isFileDefinition(n) || seen[target] {
					refers = true
					break
				}
				seen[target] = true
				refers = refersToSettings(target, seen)
			}
		}
		return !refers
	}, nil)
	return refers
}

// plainStruct reports whether the schema expression x is a struct whose
// settings are each declared by a field of its own, so that its plan
// describes it: a struct literal without embeddings, comprehensions, lets or
// aliases, or a definition that is one, or the conjunction of such. The
// fields' own values are planned setting by setting (fillOf).
func plainStruct(x ast.Node, seen map[ast.Node]bool) bool {
	lits, ok := structLits(x, seen)
	if !ok {
		return false
	}
	for _, l := range lits {
		for _, d := range l.Elts {
			switch d := d.(type) {
			case *ast.Field:
				if d.Alias != nil {
					return false
				}
			case *ast.Ellipsis, *ast.Attribute:
			default:
				return false
			}
		}
	}
	return true
}

// structLits are the struct literals the schema expression x is made of:
// x itself, the definitions it names, or both sides of a conjunction. ok
// is false when x is anything else.
func structLits(x ast.Node, seen map[ast.Node]bool) (lits []*ast.StructLit, ok bool) {
	switch x := x.(type) {
	case *ast.StructLit:
		return []*ast.StructLit{x}, true
	case *ast.Ident:
		target, isExpr := x.Node.(ast.Expr)
		if !isExpr || !isFileDefinition(x) || seen[target] {
			return nil, false
		}
		seen[target] = true
		return structLits(target, seen)
	case *ast.BinaryExpr:
		if x.Op.String() != "&" {
			return nil, false
		}
		l, okX := structLits(x.X, seen)
		r, okY := structLits(x.Y, seen)
		return append(l, r...), okX && okY
	}
	return nil, false
}

// isFileDefinition reports whether the identifier refers to a definition
// declared at the top of the schema file (#IPv4, #Node).
func isFileDefinition(id *ast.Ident) bool {
	_, atTop := id.Scope.(*ast.File)
	return atTop && strings.HasPrefix(id.Name, "#")
}
