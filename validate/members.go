package validate

import (
	"reflect"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// members.go checks and unifies a spec with #Cluster member by member: the
// nodes (and the Helm releases and groups), in batches, against their
// collection's schema ([string]: #Node), on every CPU, and the rest of the
// document against #Cluster. At a thousand nodes this is most of
// validation, and one unification of the whole document is a single
// goroutine's work.
//
// It is the same unification when a member's schema is closed over the
// member: #Node refers to nothing outside the node but definitions, and
// nothing outside nodes refers into it. memberCollections checks that in
// the schema's source once per process; the day #Node refers to, say, the
// network, the nodes are unified with the whole document again.
//
// It is used for specs without a problem only: when any part has one, the
// whole document is checked and unified as before, so that every
// diagnostic is the one of the whole document, as it always was.

// memberCollections are the settings of #Cluster whose members are unified
// one by one, by name: those declared as `name: [string]: X`, with X closed
// over the member and nothing else in #Cluster referring into them.
var memberCollections = sync.OnceValue(func() map[string]bool {
	def, err := compiled()
	if err != nil {
		return nil
	}
	return collectionsByMember(def)
})

// collectionsByMember reads memberCollections from the schema #Cluster.
func collectionsByMember(def cue.Value) map[string]bool {
	root, ok := def.Source().(*ast.Field)
	if !ok {
		return nil
	}
	body, ok := root.Value.(*ast.StructLit)
	if !ok || !plainStruct(body, map[ast.Node]bool{}) {
		return nil
	}
	declared := map[string]int{}
	for _, d := range body.Elts {
		if f, ok := d.(*ast.Field); ok {
			if name, _, err := ast.LabelName(f.Label); err == nil {
				declared[name]++
			}
		}
	}
	out := map[string]bool{}
	for _, d := range body.Elts {
		f, ok := d.(*ast.Field)
		if !ok || f.Constraint != token.ILLEGAL {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil || declared[name] != 1 {
			continue
		}
		member, ok := stringPattern(f.Value)
		if !ok || !closedOver(member, member, map[ast.Node]bool{}) || referredInto(body, f) {
			continue
		}
		out[name] = true
	}
	return out
}

// stringPattern is X of a struct `{[string]: X}` with nothing else in it.
func stringPattern(x ast.Expr) (ast.Expr, bool) {
	s, ok := x.(*ast.StructLit)
	if !ok || len(s.Elts) != 1 {
		return nil, false
	}
	f, ok := s.Elts[0].(*ast.Field)
	if !ok || f.Alias != nil {
		return nil, false
	}
	l, ok := f.Label.(*ast.ListLit)
	if !ok || len(l.Elts) != 1 {
		return nil, false
	}
	id, ok := l.Elts[0].(*ast.Ident)
	if !ok || id.Name != "string" || id.Node != nil {
		return nil, false
	}
	return f.Value, true
}

// closedOver reports whether the schema expression x refers only to what
// is inside within, to predeclared identifiers and packages, and to
// definitions of the file that are themselves closed over their own body.
func closedOver(x, within ast.Node, seen map[ast.Node]bool) bool {
	closed := true
	ast.Walk(x, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || !closed {
			return closed
		}
		switch target := id.Node.(type) {
		case nil, *ast.ImportSpec:
		default:
			if isFileDefinition(id) {
				if !seen[target] {
					seen[target] = true
					closed = closedOver(target, target, seen)
				}
				break
			}
			closed = inside(target, within)
		}
		return closed
	}, nil)
	return closed
}

// referredInto reports whether anything in the struct body outside the
// field f refers to f or to something inside it.
func referredInto(body *ast.StructLit, f *ast.Field) bool {
	found := false
	for _, d := range body.Elts {
		if d == ast.Decl(f) {
			continue
		}
		ast.Walk(d, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Node != nil && inside(id.Node, f) {
				found = true
			}
			return !found
		}, nil)
	}
	return found
}

// inside reports whether the source of n lies within that of outer.
func inside(n, outer ast.Node) bool {
	p, e, op, oe := n.Pos(), n.End(), outer.Pos(), outer.End()
	if !p.IsValid() || !e.IsValid() || !op.IsValid() || !oe.IsValid() {
		return false
	}
	return p.Filename() == op.Filename() && op.Offset() <= p.Offset() && e.Offset() <= oe.Offset()
}

// memberThreshold is the number of members from which the unification is
// shared with other CPUs, each compiling the schema in a context of its own
// (about 4 ms): below it one CPU does it all.
const memberThreshold = 64

// validateByMember is the first part of Validate for a spec with no error
// in it, done member by member on every CPU: the pasted secrets check, the
// structure walk and the unification with #Cluster, each of the rest of
// the document and of each member, and the model. ok is false when any
// part finds a problem (or the model is not planned): the caller then
// validates the whole document as before, for its diagnostics. Nothing in
// spec is changed, so that it can.
//
// A member's walk is the one the walk of the whole document makes under
// its collection: a collection declared `[string]: X` knows every key, and
// declares no setting that could be missing or misspelt.
func validateByMember(spec *load.Spec, def cue.Value) (*model.Cluster, bool) {
	p := modelPlan()
	collections := memberCollections()
	if p == nil || len(collections) == 0 {
		return nil, false
	}
	doc := withoutNonFinite(spec)
	rest := make(map[string]any, len(doc))
	var members []member
	for k, v := range doc {
		m, isMap := v.(map[string]any)
		if !collections[k] || !isMap {
			rest[k] = v
			continue
		}
		for _, name := range model.SortedKeys(m) {
			members = append(members, member{collection: k, name: name, doc: m[name]})
		}
	}
	sort.SliceStable(members, func(i, j int) bool { return members[i].collection < members[j].collection })
	todo := batches(members)

	workers := 1
	if len(members) >= memberThreshold {
		workers = min(runtime.GOMAXPROCS(0), 1+len(members)/memberThreshold)
	}
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	var once sync.Once
	var failure any
	for range workers - 1 {
		wg.Go(func() {
			// A panic is raised again on the caller's goroutine:
			// unifying the whole document would have met the same
			// member.
			defer func() {
				if p := recover(); p != nil {
					once.Do(func() { failure = p })
					failed.Store(true)
				}
			}()
			def, err := compileSchema()
			if err != nil {
				failed.Store(true)
				return
			}
			validateMembers(spec, def, p, members, todo, &next, &failed)
		})
	}

	var c model.Cluster
	x := reflect.ValueOf(&c).Elem()
	var ds diag.Diagnostics
	if holdsPastedSecret(rest) {
		failed.Store(true)
	} else if clean := structure(spec, def, rest, nil, &ds); len(ds) > 0 {
		failed.Store(true)
	} else {
		v := def.Unify(def.Context().Encode(clean))
		if v.Validate(cue.Concrete(true), cue.All()) != nil ||
			decodeDoc(x, p, clean, &unifiedValue{v: v, done: true}) != nil {
			failed.Store(true)
		}
	}
	validateMembers(spec, def, p, members, todo, &next, &failed)
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
	if failed.Load() {
		return nil, false
	}

	t := goTypeOf(x.Type())
	for _, m := range members {
		if !m.decoded.IsValid() {
			continue // the model does not hold the collection
		}
		into := x.Field(t.fields[m.collection])
		if into.IsNil() {
			return nil, false // not made by the rest's decoding, as Decode would
		}
		into.SetMapIndex(reflect.ValueOf(m.name), m.decoded)
	}
	c.Complete()
	return &c, true
}

// member is one member of a collection: a node.
type member struct {
	collection, name string
	// doc is the member as written, clean as the structure walk leaves it.
	doc, clean any
	// decoded is the member as the model holds it, once unified.
	decoded reflect.Value
}

// batchSize is the most members unified together, in one struct of the
// collection's schema ({[string]: #Node} & {cp1: ..., cp2: ...}). It is the
// same unification (the members do not refer to each other), and CUE
// builds one evaluation context for the batch instead of one per member:
// batches of 32 nodes allocate half as much as single ones, and take 15 %
// less time.
const batchSize = 32

// batches cuts members, sorted by collection, into batches of one
// collection each, as index ranges.
func batches(members []member) [][2]int {
	var out [][2]int
	for i := 0; i < len(members); {
		j := i + 1
		for j < len(members) && j-i < batchSize && members[j].collection == members[i].collection {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// validateMembers takes the batches one after the other, by next, until
// they are all done or one fails.
func validateMembers(spec *load.Spec, def cue.Value, p *structPlan, members []member, todo [][2]int, next *atomic.Int64, failed *atomic.Bool) {
	ctx := def.Context()
	schemas := map[string][2]cue.Value{} // a collection's schema, and its members'
	clusterType := reflect.TypeFor[model.Cluster]()
	fields := goTypeOf(clusterType).fields
	for !failed.Load() {
		i := int(next.Add(1) - 1)
		if i >= len(todo) {
			return
		}
		batch := members[todo[i][0]:todo[i][1]]
		collection := batch[0].collection
		s, ok := schemas[collection]
		if !ok {
			c, found := child(def, collection)
			var m cue.Value
			if found {
				m, found = patternValue(c)
			}
			if !found {
				failed.Store(true)
				return
			}
			s = [2]cue.Value{c, m}
			schemas[collection] = s
		}
		docs := make(map[string]any, len(batch))
		for j := range batch {
			m := &batch[j]
			if holdsPastedSecret(m.doc) {
				failed.Store(true)
				return
			}
			m.clean = m.doc
			if d, isMap := m.doc.(map[string]any); isMap && isClosedStruct(s[1]) {
				var ds diag.Diagnostics
				if m.clean = structure(spec, s[1], d, []string{collection, m.name}, &ds); len(ds) > 0 {
					failed.Store(true)
					return
				}
			}
			docs[m.name] = m.clean
		}
		v := s[0].Unify(ctx.Encode(docs))
		if v.Validate(cue.Concrete(true), cue.All()) != nil {
			failed.Store(true)
			return
		}
		fi, held := fields[collection]
		if !held {
			continue
		}
		mt := clusterType.Field(fi).Type
		if mt.Kind() != reflect.Map {
			failed.Store(true)
			return
		}
		unified := &unifiedValue{v: v, done: true}
		for j := range batch {
			m := &batch[j]
			e := reflect.New(mt.Elem()).Elem()
			if decodeDoc(e, p.child(collection).child(m.name), m.clean, unified.at(m.name)) != nil {
				failed.Store(true)
				return
			}
			m.decoded = e
		}
	}
}
