package validate

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
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
var compiled = sync.OnceValues(compileSchema)

// compileSchema compiles the schema in a CUE context of its own and returns
// #Cluster. A context is used by one goroutine at a time: compiled's by
// validation, others by goroutines that unify nodes beside it
// (unifyByMember).
func compileSchema() (cue.Value, error) {
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
}

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
	value              cue.Value
	required, optional bool
	code, hint         string
}

// schemaMemo remembers what the structure walk asks of the schema, so that
// a spec with a thousand nodes reads #Node's fields once, not a thousand
// times (see BENCHMARKS.md). Schema values are stable keys because the
// schema is compiled once per process; but CUE builds the value of a
// pattern constraint (nodes: [string]: #Node) anew on every lookup, so that
// one is remembered by the struct holding the pattern.
var schemaMemo = struct {
	sync.Mutex
	fields   map[cue.Value]map[string]fieldInfo
	pattern  map[cue.Value]cue.Value
	defaults map[cue.Value]cue.Value
	closed   map[cue.Value]bool
}{fields: map[cue.Value]map[string]fieldInfo{}, pattern: map[cue.Value]cue.Value{},
	defaults: map[cue.Value]cue.Value{}, closed: map[cue.Value]bool{}}

// schemaDefault is the default of the schema s, or s when it has none. It
// is remembered: each question to a CUE value builds an evaluation
// context, and the structure walk asks it of every node's schema.
func schemaDefault(s cue.Value) cue.Value {
	schemaMemo.Lock()
	d, ok := schemaMemo.defaults[s]
	schemaMemo.Unlock()
	if ok {
		return d
	}
	d = s
	if v, has := s.Default(); has {
		d = v
	}
	schemaMemo.Lock()
	schemaMemo.defaults[s] = d
	schemaMemo.Unlock()
	return d
}

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
		fi := fieldInfo{value: it.Value(), required: sel.ConstraintType() == cue.RequiredConstraint,
			optional: sel.ConstraintType() == cue.OptionalConstraint}
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
	s = schemaDefault(s)
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
	s = schemaDefault(s)
	fields := schemaFields(s)
	clean := make(map[string]any, len(doc))
	keys := model.SortedKeys(doc)
	// A misspelt required setting is one mistake: the typo is reported
	// with its "did you mean", and the setting it means is not also
	// reported missing.
	meant := map[string]bool{}
	for _, name := range model.SortedKeys(fields) {
		if !fields[name].required {
			continue
		}
		if _, ok := doc[name]; ok {
			continue
		}
		for _, k := range keys {
			if _, known := fields[k]; !known && suggestFor(k, fields) == name {
				meant[name] = true
			}
		}
	}
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
				*ds = append(*ds, unknownAttr(spec, p, k, fields, doc))
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
		p := append(append([]string(nil), path...), name)
		if meant[name] || spec.Failed(p...) {
			continue // a typo of it, or written but unreadable: reported there
		}
		*ds = append(*ds, missing(spec, path, name, fi))
	}
	return clean
}

// suggestFor is the field of fields that name is likely a typo of, or "".
func suggestFor(name string, fields map[string]fieldInfo) string {
	var candidates []string
	for n := range fields {
		candidates = append(candidates, n)
	}
	return load.Suggest(name, candidates)
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
	schemaMemo.Lock()
	closed, ok := schemaMemo.closed[v]
	schemaMemo.Unlock()
	if ok {
		return closed
	}
	opaque := v.Attribute("opaque")
	closed = opaque.Err() != nil && isStructSchema(v)
	schemaMemo.Lock()
	schemaMemo.closed[v] = closed
	schemaMemo.Unlock()
	return closed
}

func unknownAttr(spec *load.Spec, p []string, name string, fields map[string]fieldInfo, doc map[string]any) diag.Diagnostic {
	var candidates []string
	for n := range fields {
		candidates = append(candidates, n)
	}
	where := "here"
	if len(p) > 1 {
		where = "in " + describe(spec, p[:len(p)-1])
	}
	r := spec.Source.Name(p...)
	detail := fmt.Sprintf("There is no %q setting %s.", name, where)
	sug := load.Suggest(name, candidates)
	switch blockKey, isBlock := blockNamed(name); {
	case isBlock && len(p) == 1:
		detail += fmt.Sprintf(" %q is written as a block: `%s { ... }`.", name, blockKey)
	case sug != "":
		_, written := doc[sug]
		if fields[sug].required && !written {
			detail += fmt.Sprintf(" Did you mean %q? It is required, and missing.", sug)
		} else {
			detail += fmt.Sprintf(" Did you mean %q?", sug)
		}
		if !written {
			// Renaming fixes it; with sug already written, it
			// would be a duplicate instead.
			return diag.New(diag.UnknownAttr, r, "%s", detail).WithFix(r, sug)
		}
	case len(candidates) > 0:
		sort.Strings(candidates)
		detail += " Known settings: " + strings.Join(candidates, ", ") + "."
	}
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
	// A whole top-level block missing is reported at the cluster block,
	// or at the file without a line (load's root range); a setting, at
	// the block it belongs in.
	subject := spec.Source.Name(path...)
	if blk, ok := blockNamed(name); ok && isStructSchema(fi.value) {
		detail := fmt.Sprintf("%s has no %s block, which is required", describe(spec, path), blk)
		if inside := requiredNames(fi.value); len(inside) > 0 {
			detail += ", with " + andList(inside) + " in it"
		}
		return diag.New(rule, subject, "%s.", detail)
	}
	detail := fmt.Sprintf("%q is required in %s", name, describe(spec, path))
	if fi.hint != "" {
		detail += ": " + fi.hint
	}
	d := diag.New(rule, subject, "%s.", detail)
	return d
}

// requiredNames lists the required fields of a struct schema, sorted.
func requiredNames(s cue.Value) []string {
	if d, ok := s.Default(); ok {
		s = d
	}
	var out []string
	for name, fi := range schemaFields(s) {
		if fi.required {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// andList renders words as "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// describe names a document path the way the user wrote it; the empty
// path is the file, by the name it was given.
func describe(spec *load.Spec, path []string) string {
	if len(path) == 0 {
		return spec.Filename
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
//
// With fast, a valid spec's model is decoded from the document and the
// schema's defaults (decodeModel); without, by CUE.
func unify(spec *load.Spec, def cue.Value, doc map[string]any, fast bool) (*model.Cluster, diag.Diagnostics) {
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
		// A list refused as a whole (a disjunction with its default,
		// such as [...#K3sFlag] | *[]) is one mistake in some of its
		// elements: report those, each at its own range, and not the
		// list too.
		if els := elementDiagnostics(spec, def, path); len(els) > 0 {
			ds = append(ds, els...)
			spec.MarkFailed(path...)
			continue
		}
		if d, ok := cueDiagnostic(spec, def, path, e); ok {
			ds = append(ds, d)
			if len(path) > 0 {
				// The rules must not judge what the schema refused.
				spec.MarkFailed(path...)
			}
		}
	}

	var c model.Cluster
	if err == nil {
		if fast {
			if m, ok := decodeModel(doc, v); ok {
				return m, ds
			}
		}
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
// The message is hlcgen's own, from what the user wrote and what the schema
// expects: CUE's wording (its types, bounds, builtins and disjunctions)
// never reaches the user.
func cueDiagnostic(spec *load.Spec, def cue.Value, path []string, e cueerrors.Error) (diag.Diagnostic, bool) {
	format, args := e.Msg()
	msg := fmt.Sprintf(format, args...)
	// Missing required fields were reported by the structure walk; a
	// value refused before unification (a pasted secret) was reported
	// there.
	if strings.Contains(msg, "required but not present") || strings.Contains(msg, "incomplete value") || spec.Failed(path...) {
		return diag.Diagnostic{}, false
	}
	code, hint := "", ""
	s := def
	var infos []fieldInfo
	for _, k := range path {
		c, ok := schemaChild(s, k)
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
	written, _ := writtenAt(spec.Doc, path)
	name := settingName(path)
	var d diag.Diagnostic
	switch {
	case len(infos) == len(path) && !kindAccepts(s, written):
		// A value of the wrong type is the language's error, whatever
		// the setting: its rule's summary ("vrrp_id out of range")
		// would not describe it.
		d = typeMismatch(diag.InvalidValue, spec, r, name, s, written, hint)
	case rule == diag.IPv4:
		d = notIPv4(spec, r, name, written, hint)
	default:
		detail := fmt.Sprintf("%s: %s.", name, refusal(written, sourceText(spec, r), msg))
		if hint != "" {
			detail += " Fix: " + hint + "."
		}
		d = diag.New(rule, r, "%s", detail)
	}
	return d, true
}

// elementDiagnostics checks each element of the list written at path
// against the list's element schema, and returns a diagnostic per element
// that fails; none when the value is not a list, or when every element
// passes (the list is then wrong as a whole, such as too long).
func elementDiagnostics(spec *load.Spec, def cue.Value, path []string) diag.Diagnostics {
	written, ok := writtenAt(spec.Doc, path)
	list, isList := written.([]any)
	if !ok || !isList || len(list) == 0 {
		return nil
	}
	s := def
	for _, k := range path {
		c, ok := schemaChild(s, k)
		if !ok {
			return nil
		}
		s = c
	}
	// The list's own schema, not its default: the disjunct that is a list
	// with an element type.
	var elem cue.Value
	_, vals := s.Expr()
	candidates := append([]cue.Value{s}, vals...)
	for _, v := range candidates {
		if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
			elem = e
			break
		}
	}
	if !elem.Exists() {
		return nil
	}
	var ds diag.Diagnostics
	for i, x := range list {
		err := elem.Unify(elem.Context().Encode(x)).Validate(cue.Concrete(true))
		for _, e := range cueerrors.Errors(err) {
			p := append(slices.Clone(path), strconv.Itoa(i))
			if d, ok := cueDiagnostic(spec, def, p, e); ok {
				ds = append(ds, d)
				spec.MarkFailed(p...)
				break // one diagnostic per element
			}
		}
	}
	return ds
}

// schemaChild is child, and also a list's element schema for an index.
func schemaChild(s cue.Value, k string) (cue.Value, bool) {
	if _, err := strconv.Atoi(k); err == nil {
		if s.IncompleteKind()&cue.ListKind != 0 {
			if e := s.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
				return e, true
			}
		}
	}
	return child(s, k)
}

// writtenAt is the value at path in the document, as the user wrote it.
func writtenAt(doc map[string]any, path []string) (any, bool) {
	var v any = doc
	for _, k := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// settingName names the setting at path as it is written: vrrp_id, or
// admin_age_keys[0] for a list element.
func settingName(path []string) string {
	name := ""
	for _, k := range path {
		if _, err := strconv.Atoi(k); err == nil && name != "" {
			name += "[" + k + "]"
		} else {
			name = k
		}
	}
	return name
}

// kindOf is the CUE kind of a document value.
func kindOf(v any) cue.Kind {
	switch v.(type) {
	case string:
		return cue.StringKind
	case bool:
		return cue.BoolKind
	case int64:
		return cue.IntKind
	case float64:
		return cue.FloatKind
	case []any:
		return cue.ListKind
	case map[string]any:
		return cue.StructKind
	case nil:
		return cue.NullKind
	}
	return cue.BottomKind
}

// kindAccepts reports whether the schema s takes a value of v's type.
func kindAccepts(s cue.Value, v any) bool {
	want := s.IncompleteKind()
	if d, ok := s.Default(); ok {
		want |= d.IncompleteKind()
	}
	if want == cue.BottomKind {
		return true // nothing to compare with: let the message say it
	}
	return want&kindOf(v) != 0
}

// kindNoun names a set of kinds the way a spec writer thinks of them.
func kindNoun(k cue.Kind) string {
	var nouns []string
	switch {
	case k&cue.NumberKind == cue.IntKind:
		nouns = append(nouns, "a whole number")
	case k&cue.NumberKind != 0:
		nouns = append(nouns, "a number")
	}
	if k&cue.StringKind != 0 {
		nouns = append(nouns, "a string")
	}
	if k&cue.BoolKind != 0 {
		nouns = append(nouns, "true or false")
	}
	if k&cue.ListKind != 0 {
		nouns = append(nouns, "a list")
	}
	if k&cue.StructKind != 0 {
		nouns = append(nouns, "an object ({ key = value })")
	}
	if len(nouns) == 0 {
		return "another kind of value"
	}
	return strings.Join(nouns, " or ")
}

// typeMismatch reports a value of the wrong type, with the value converted
// to the right one as the fix when the conversion is certain: "51" for a
// number is 51, a lone address for a list is a list of it.
func typeMismatch(rule diag.Rule, spec *load.Spec, r hcl.Range, name string, s cue.Value, written any, hint string) diag.Diagnostic {
	want := s.IncompleteKind()
	if d, ok := s.Default(); ok {
		want |= d.IncompleteKind()
	}
	got := kindNoun(kindOf(written))
	if written == nil {
		got = "null"
	}
	detail := fmt.Sprintf("%s: expected %s, got %s.", name, kindNoun(want), got)
	text := sourceText(spec, r)
	fix := ""
	switch x := written.(type) {
	case string:
		switch {
		case want&cue.IntKind != 0 && isInt(x):
			fix = strings.TrimSpace(x)
		case want&cue.FloatKind != 0 && isNumber(x):
			fix = strings.TrimSpace(x)
		case want&cue.BoolKind != 0 && (x == "true" || x == "false"):
			fix = x
		case want&cue.ListKind != 0 && text != "":
			fix = "[" + text + "]"
		}
	case int64, float64, bool:
		if want&cue.StringKind != 0 && text != "" {
			fix = strconv.Quote(text)
		} else if want&cue.ListKind != 0 && text != "" {
			fix = "[" + text + "]"
		}
	}
	if fix != "" {
		detail += fmt.Sprintf(" Write `%s = %s`", lastName(name), fix)
		if x, isString := written.(string); isString && want&cue.StringKind == 0 && want&cue.ListKind == 0 {
			detail += fmt.Sprintf(", without quotes: %q is a string", x)
		}
		detail += "."
		return diag.New(rule, r, "%s", detail).WithFix(r, fix)
	}
	if want&cue.BoolKind != 0 && want&^cue.BoolKind&^cue.NullKind == 0 {
		detail += fmt.Sprintf(" Write `%s = true` or `%s = false`, without quotes.", lastName(name), lastName(name))
	} else if hint != "" {
		detail += " Fix: " + hint + "."
	}
	return diag.New(rule, r, "%s", detail)
}

// lastName is the attribute of a setting name: admin_age_keys for
// admin_age_keys[0].
func lastName(name string) string {
	n, _, _ := strings.Cut(name, "[")
	return n
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return err == nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil && !strings.ContainsAny(s, "xXnN_")
}

// notIPv4 reports a value where an IPv4 address belongs. An address with
// a prefix length (10.10.10.11/24) is the usual mistake: the prefix is
// network.subnet's, and dropping it is the fix.
func notIPv4(spec *load.Spec, r hcl.Range, name string, written any, hint string) diag.Diagnostic {
	s, _ := written.(string)
	if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil && p.Addr().Is4() {
		addr := strconv.Quote(p.Addr().String())
		return diag.New(diag.IPv4, r, "%s: %q has a prefix length (/%d); an address is written without one, and the LAN's prefix is network.subnet's. Write `%s = %s`.",
			name, s, p.Bits(), lastName(name), addr).WithFix(r, addr)
	}
	why := "is not an IPv4 address"
	switch {
	case strings.TrimSpace(s) == "":
		why = "is empty"
	case strings.Contains(s, ":"):
		why = "is not an IPv4 address (IPv6 and ports are not supported here)"
	}
	detail := fmt.Sprintf("%s: %q %s, four numbers from 0 to 255 separated by dots.", name, s, why)
	if hint != "" {
		detail += " Fix: " + hint + "."
	}
	return diag.New(diag.IPv4, r, "%s", detail)
}

// refusal says why a value of the right type was refused, in the user's
// words: out of range for a number, not allowed for one outside a list of
// choices, not valid otherwise. msg is CUE's message, consulted only to
// tell these apart.
func refusal(written any, text, msg string) string {
	if text == "" {
		text = "this value"
	}
	switch x := written.(type) {
	case int64, float64:
		if strings.Contains(msg, "out of bound") || strings.Contains(msg, "invalid value") || strings.Contains(msg, "empty disjunction") {
			return text + " is out of range"
		}
	case string:
		switch {
		case x == "":
			return "it is empty"
		case strings.TrimSpace(x) == "":
			return "it is blank"
		}
	}
	if strings.Contains(msg, "empty disjunction") || strings.Contains(msg, "field not allowed") || strings.Contains(msg, "conflicting values") {
		return text + " is not one of the values allowed here"
	}
	return text + " is not valid here"
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
