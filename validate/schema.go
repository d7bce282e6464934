package validate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/hashicorp/hcl/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
)

// compiled is the schema, compiled once per process: compiling is the
// expensive part, unifying a spec with it is cheap.
var compiled = sync.OnceValues(func() (cue.Value, error) {
	ctx := cuecontext.New()
	v := ctx.CompileBytes(schema.ClusterCUE, cue.Filename("schema/cluster.cue"))
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("embedded schema does not compile: %w", err)
	}
	def := v.LookupPath(cue.ParsePath("#Cluster"))
	if err := def.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("embedded schema has no #Cluster: %w", err)
	}
	return def, nil
})

// presenceCodes are rules about a setting being there at all: a missing
// field with one of these codes is reported under its own code rather than
// the generic "missing required setting".
var presenceCodes = map[string]bool{
	diag.NodeAgeKey.Code:     true,
	diag.NoAdminAgeKeys.Code: true,
	diag.HelmVersion.Code:    true,
}

// fieldInfo is what the schema says about one field.
type fieldInfo struct {
	value      cue.Value
	required   bool
	code, hint string
}

// schemaMemo remembers what the structure walk asks of the schema, so that
// a spec with a thousand nodes reads #Node's fields once, not a thousand
// times (see BENCHMARKS.md). Schema values are stable keys because the
// schema is compiled once per process; but CUE builds the value of a
// pattern constraint (nodes: [string]: #Node) anew on every lookup, so that
// one is remembered by the struct holding the pattern.
var schemaMemo = struct {
	sync.Mutex
	fields  map[cue.Value]map[string]fieldInfo
	pattern map[cue.Value]cue.Value
}{fields: map[cue.Value]map[string]fieldInfo{}, pattern: map[cue.Value]cue.Value{}}

// schemaFields lists the fields a schema struct declares, by name. The map
// is shared: callers must not modify it.
func schemaFields(s cue.Value) map[string]fieldInfo {
	schemaMemo.Lock()
	out, ok := schemaMemo.fields[s]
	schemaMemo.Unlock()
	if ok {
		return out
	}
	out = readSchemaFields(s)
	schemaMemo.Lock()
	schemaMemo.fields[s] = out
	schemaMemo.Unlock()
	return out
}

// patternValue returns the schema that a pattern constraint of the struct s
// gives its fields ([string]: #Node), if s has one.
func patternValue(s cue.Value) (cue.Value, bool) {
	schemaMemo.Lock()
	v, ok := schemaMemo.pattern[s]
	schemaMemo.Unlock()
	if !ok {
		v = s.LookupPath(cue.MakePath(cue.AnyString))
		schemaMemo.Lock()
		schemaMemo.pattern[s] = v
		schemaMemo.Unlock()
	}
	return v, v.Exists()
}

func readSchemaFields(s cue.Value) map[string]fieldInfo {
	out := map[string]fieldInfo{}
	it, err := s.Fields(cue.Optional(true))
	if err != nil {
		return out
	}
	for it.Next() {
		sel := it.Selector()
		if sel.IsDefinition() || sel.PkgPath() != "" {
			continue
		}
		fi := fieldInfo{value: it.Value(), required: sel.ConstraintType() == cue.RequiredConstraint}
		fi.code, fi.hint = hlcAttr(it.Value())
		out[sel.Unquoted()] = fi
	}
	return out
}

// hlcAttr reads a field's @hlc(CODE, "hint") attribute.
func hlcAttr(v cue.Value) (code, hint string) {
	a := v.Attribute("hlc")
	if a.Err() != nil {
		return "", ""
	}
	code, _ = a.String(0)
	if a.NumArgs() > 1 {
		hint, _ = a.String(1)
	}
	return code, hint
}

// child returns the schema for field name inside the struct s, following
// pattern constraints such as nodes: [string]: #Node.
func child(s cue.Value, name string) (cue.Value, bool) {
	if d, ok := s.Default(); ok {
		s = d
	}
	// Declared fields and the pattern's schema come from schemaMemo, so
	// that every node gets the same #Node value and its fields are read
	// once. (The schema has at most one pattern per struct, so the
	// pattern's schema does not depend on the name.)
	if fi, ok := schemaFields(s)[name]; ok {
		return fi.value, true
	}
	if s.Allows(cue.Str(name)) {
		if v, ok := patternValue(s); ok {
			return v, true
		}
	}
	if v := s.LookupPath(cue.MakePath(cue.Str(name))); v.Exists() {
		return v, true
	}
	if v := s.LookupPath(cue.MakePath(cue.Str(name).Optional())); v.Exists() {
		return v, true
	}
	return cue.Value{}, false
}

// structure walks the document alongside the schema. It reports unknown
// attributes (with a suggestion) and missing required ones, and returns a copy
// of the document without the unknown fields. Doing this outside CUE's own
// unification matters: CUE reports a closedness error or a conflict instead
// of the required fields it could not get to, so one pass would hide errors.
func structure(spec *load.Spec, s cue.Value, doc map[string]any, path []string, ds *diag.Diagnostics) map[string]any {
	if d, ok := s.Default(); ok {
		s = d
	}
	fields := schemaFields(s)
	clean := make(map[string]any, len(doc))
	keys := model.SortedKeys(doc)
	for _, k := range keys {
		v := doc[k]
		p := append(append([]string(nil), path...), k)
		fi, known := fields[k]
		var sub cue.Value
		if known {
			sub = fi.value
		} else if c, ok := child(s, k); ok {
			sub, known = c, true
		}
		if !known {
			if d, isLabel := labelNameDiagnostic(spec, p); isLabel {
				*ds = append(*ds, d)
			} else {
				*ds = append(*ds, unknownAttr(spec, p, k, fields))
			}
			continue
		}
		if m, ok := v.(map[string]any); ok && isClosedStruct(sub) {
			clean[k] = structure(spec, sub, m, p, ds)
			continue
		}
		clean[k] = v
	}
	names := model.SortedKeys(fields)
	for _, name := range names {
		fi := fields[name]
		if !fi.required {
			continue
		}
		if _, ok := doc[name]; ok {
			continue
		}
		*ds = append(*ds, missing(spec, path, name, fi))
	}
	return clean
}

func isStructSchema(v cue.Value) bool {
	if d, ok := v.Default(); ok {
		v = d
	}
	return v.IncompleteKind()&cue.StructKind != 0
}

// isClosedStruct reports whether the schema lists the fields a struct may
// have. Fields marked @opaque(), such as Helm values, hold the user's own
// data and are not walked.
func isClosedStruct(v cue.Value) bool {
	if a := v.Attribute("opaque"); a.Err() == nil {
		return false
	}
	return isStructSchema(v)
}

func unknownAttr(spec *load.Spec, p []string, name string, fields map[string]fieldInfo) diag.Diagnostic {
	var candidates []string
	for n := range fields {
		candidates = append(candidates, n)
	}
	where := "here"
	if len(p) > 1 {
		where = "in " + describe(p[:len(p)-1])
	}
	detail := fmt.Sprintf("There is no %q setting %s.", name, where)
	if blockKey, isBlock := blockNamed(name); isBlock && len(p) == 1 {
		detail += fmt.Sprintf(" %q is written as a block: %s { ... }.", name, blockKey)
	} else if sug := load.Suggest(name, candidates); sug != "" {
		detail += fmt.Sprintf(" Did you mean %q?", sug)
	} else if len(candidates) > 0 {
		sort.Strings(candidates)
		detail += " Known settings: " + strings.Join(candidates, ", ") + "."
	}
	r := spec.Source.Name(p...)
	return diag.New(diag.UnknownAttr, r, "%s", detail)
}

// blockNamed reports whether name is a block type of the language.
func blockNamed(name string) (string, bool) {
	for blk, key := range load.BlockKeys() {
		if key == name || blk == name {
			return blk, true
		}
	}
	return "", false
}

func missing(spec *load.Spec, path []string, name string, fi fieldInfo) diag.Diagnostic {
	rule := diag.Missing
	if presenceCodes[fi.code] {
		rule = ruleByCode(fi.code)
	}
	var subject hcl.Range
	if len(path) == 0 {
		// A whole top-level block is missing: point at the file's start.
		subject = hcl.Range{Filename: spec.Filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	} else {
		subject = spec.Source.Name(path...)
	}
	what := fmt.Sprintf("%q", name)
	if isStructSchema(fi.value) {
		if blk, ok := blockNamed(name); ok {
			what = fmt.Sprintf("a %s block", blk)
		}
	}
	detail := fmt.Sprintf("%s is required in %s", what, describe(path))
	if fi.hint != "" {
		detail += ": " + fi.hint
	}
	d := diag.New(rule, subject, "%s.", detail)
	return d
}

// describe names a document path the way the user wrote it.
func describe(path []string) string {
	if len(path) == 0 {
		return "cluster.hcl"
	}
	keys := load.BlockKeys()
	for blk, key := range keys {
		if len(path) >= 2 && path[0] == key && blk != key {
			switch len(path) {
			case 2:
				return fmt.Sprintf("%s %q", blk, path[1])
			}
		}
	}
	if len(path) >= 4 && path[0] == "ceph" {
		for blk, key := range keys {
			if path[1] == key && blk != key {
				return fmt.Sprintf("%s %q", blk, path[2])
			}
		}
	}
	if len(path) == 1 {
		for blk, key := range keys {
			if path[0] == key {
				return "the " + blk + " block"
			}
		}
	}
	return strings.Join(path, ".")
}

func ruleByCode(code string) diag.Rule {
	for _, r := range diag.Catalogue {
		if r.Code == code {
			return r
		}
	}
	return diag.InvalidValue
}

// unify checks the document against #Cluster and returns the defaulted
// model. The model is complete when there are no errors; otherwise it holds
// every value that is still concrete, so the cross-field rules can run on
// the rest of the spec and report everything in one pass.
func unify(spec *load.Spec, def cue.Value, doc map[string]any) (*model.Cluster, diag.Diagnostics) {
	var ds diag.Diagnostics
	data := def.Context().Encode(doc)
	v := def.Unify(data)
	err := v.Validate(cue.Concrete(true), cue.All())
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		path := cuePath(e.Path())
		k := strings.Join(path, "\x00")
		if seen[k] {
			continue
		}
		seen[k] = true
		if d, ok := cueDiagnostic(spec, def, path, e); ok {
			ds = append(ds, d)
		}
	}

	var c model.Cluster
	if err == nil {
		if derr := v.Decode(&c); derr == nil {
			c.Complete()
			return &c, ds
		} else {
			return nil, append(ds, diag.Diagnostic{Severity: diag.Error, Code: diag.InvalidValue.Code,
				Summary: "Internal error: schema and model disagree", Detail: derr.Error()})
		}
	}
	raw, _ := json.Marshal(concreteSubset(v))
	_ = json.Unmarshal(raw, &c) // tolerant: mismatched fields stay zero
	c.Complete()
	return &c, ds
}

// concreteSubset exports every concrete, error-free part of v.
func concreteSubset(v cue.Value) any {
	if d, ok := v.Default(); ok {
		v = d
	}
	// An error anywhere inside a struct or list is also reported by the
	// struct or list itself (CUE propagates errors upwards), so only a
	// scalar's own error may stop the walk: checking v.Err() here for
	// containers would drop the whole model for one bad field.
	kind := v.IncompleteKind()
	if kind == cue.BottomKind {
		kind = containerKind(v)
	}
	switch kind {
	case cue.StructKind:
		out := map[string]any{}
		it, err := v.Fields()
		if err != nil {
			return nil
		}
		for it.Next() {
			if x := concreteSubset(it.Value()); x != nil {
				out[it.Selector().Unquoted()] = x
			}
		}
		return out
	case cue.ListKind:
		var out []any
		it, err := v.List()
		if err != nil {
			return nil
		}
		for it.Next() {
			out = append(out, concreteSubset(it.Value()))
		}
		return out
	}
	if v.Err() != nil || !v.IsConcrete() {
		return nil
	}
	var x any
	if v.Decode(&x) != nil {
		return nil
	}
	return x
}

// containerKind tells whether a value with an error is a struct or a list:
// CUE reports the kind of every value with an error anywhere inside it as
// bottom, so IncompleteKind alone cannot tell.
func containerKind(v cue.Value) cue.Kind {
	if _, err := v.Fields(); err == nil {
		return cue.StructKind
	}
	if _, err := v.List(); err == nil {
		return cue.ListKind
	}
	return cue.BottomKind
}

// cuePath turns CUE's error path into document keys.
func cuePath(p []string) []string {
	out := make([]string, 0, len(p))
	for _, s := range p {
		if strings.HasPrefix(s, "#") {
			continue
		}
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
		out = append(out, s)
	}
	return out
}

// cueDiagnostic maps one CUE error to a diagnostic at the attribute's range,
// with the code and hint of the nearest schema field that declares them.
func cueDiagnostic(spec *load.Spec, def cue.Value, path []string, e cueerrors.Error) (diag.Diagnostic, bool) {
	format, args := e.Msg()
	msg := fmt.Sprintf(format, args...)
	// Missing required fields were reported by the structure walk.
	if strings.Contains(msg, "required but not present") || strings.Contains(msg, "incomplete value") {
		return diag.Diagnostic{}, false
	}
	code, hint := "", ""
	s := def
	var infos []fieldInfo
	for _, k := range path {
		c, ok := child(s, k)
		if !ok {
			break
		}
		fc, fh := hlcAttr(c)
		infos = append(infos, fieldInfo{code: fc, hint: fh})
		s = c
	}
	for i := len(infos) - 1; i >= 0; i-- {
		if infos[i].code != "" {
			code, hint = infos[i].code, infos[i].hint
			break
		}
	}
	rule := diag.InvalidValue
	if code != "" {
		rule = ruleByCode(code)
	}
	r := spec.Source.Value(path...)
	detail := fmt.Sprintf("%s: %s.", path[len(path)-1], friendly(msg, sourceText(spec, r)))
	if hint != "" {
		detail += " Fix: " + hint + "."
	}
	return diag.New(rule, r, "%s", detail), true
}

var outOfBound = regexp.MustCompile(` \(out of bound .*\)$`)

// friendly rewrites CUE's messages where they talk about CUE internals
// rather than about the value the user wrote.
func friendly(msg, written string) string {
	switch {
	case strings.Contains(msg, "empty disjunction"), strings.Contains(msg, "field not allowed"):
		if written == "" {
			return "this value is not allowed here"
		}
		return fmt.Sprintf("%s is not allowed here", written)
	case strings.Contains(msg, "mismatched types"):
		if written != "" {
			return fmt.Sprintf("%s has the wrong type (%s)", written, msg[strings.Index(msg, "mismatched types")+len("mismatched "):strings.LastIndex(msg, ")")])
		}
	}
	msg = outOfBound.ReplaceAllString(msg, "")
	return strings.ReplaceAll(msg, "#Cluster.", "")
}

// sourceText returns what the user wrote at r, shortened for a message.
func sourceText(spec *load.Spec, r hcl.Range) string {
	if r.Filename == "" || r.End.Byte > len(spec.Src) || r.Start.Byte >= r.End.Byte {
		return ""
	}
	s := string(spec.Src[r.Start.Byte:r.End.Byte])
	if len(s) > 60 || strings.Contains(s, "\n") {
		return ""
	}
	return s
}
