package validate

import (
	"encoding"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"

	"cuelang.org/go/cue"

	"github.com/hlcgen/hlcgen/model"
)

// decode.go builds the model of a valid spec from the document and the
// schema's plans (defaults.go), instead of cue.Value.Decode: Decode reads
// every struct and list of the unified value through CUE, which builds an
// evaluation context and sorts the fields for each, and was a third of
// validation (BENCHMARKS.md). A unified value of a valid spec holds what the
// document holds, plus for each setting it does not write the schema's
// default: the decoder takes the former from the document and the latter
// from the plan, and reads from the unified value only the defaults that
// depend on the spec. It sets every Go value as Decode does (the same
// non-nil empty maps and slices, int64 and float64 in Helm values, text
// unmarshalled addresses), which TestModelDecodedAsCUEDoes checks for every
// case; where it meets anything else it stops with errNotPlanned, and the
// caller decodes with CUE.

// decodeModel is the model of a valid spec: doc is the document unified
// with #Cluster, v the unified value. ok is false when the model must be
// decoded by CUE.
func decodeModel(doc map[string]any, v cue.Value) (*model.Cluster, bool) {
	p := modelPlan()
	if p == nil {
		return nil, false
	}
	var c model.Cluster
	if decodeDoc(reflect.ValueOf(&c).Elem(), p, doc, &unifiedValue{v: v, done: true}) != nil {
		return nil, false
	}
	c.Complete()
	return &c, true
}

// errNotPlanned means the decoder met a document or Go value it does not
// build exactly as cue.Value.Decode would.
var errNotPlanned = errors.New("not planned")

// unifiedValue is the unified value of a struct, looked up from its
// parent's only when a setting is filled from it.
type unifiedValue struct {
	parent *unifiedValue
	key    string
	v      cue.Value
	done   bool
}

func (u *unifiedValue) get() cue.Value {
	if !u.done {
		u.v = u.parent.get().LookupPath(cue.MakePath(cue.Str(u.key)))
		u.done = true
	}
	return u.v
}

// at is the unified value of the setting key of u's struct; nil when u
// is (in a list, where nothing is filled).
func (u *unifiedValue) at(key string) *unifiedValue {
	if u == nil {
		return nil
	}
	return &unifiedValue{parent: u, key: key}
}

// decodeDoc sets x, which must be settable, to what cue.Value.Decode sets
// it to from the value of the schema planned by p unified with doc, a
// document value (map[string]any, []any, string, bool, int64, float64 or
// nil). u is that unified value.
func decodeDoc(x reflect.Value, p *structPlan, doc any, u *unifiedValue) error {
	t := goTypeOf(x.Type())
	switch t.kind {
	case goText:
		s, ok := doc.(string)
		if !ok {
			return errNotPlanned
		}
		m, _ := reflect.TypeAssert[encoding.TextUnmarshaler](x.Addr())
		if m.UnmarshalText([]byte(s)) != nil {
			return errNotPlanned // Decode's error, which CUE words
		}
	case goPointer:
		if doc == nil {
			x.SetZero()
			return nil
		}
		e := reflect.New(x.Type().Elem())
		if err := decodeDoc(e.Elem(), p, doc, u); err != nil {
			return err
		}
		x.Set(e)
	case goStruct:
		m, ok := doc.(map[string]any)
		if !ok {
			return errNotPlanned
		}
		return decodeStruct(x, t, p, m, u)
	case goMap:
		if doc == nil {
			x.SetZero()
			return nil
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return errNotPlanned
		}
		return decodeMap(x, p, m, u)
	case goSlice:
		if doc == nil {
			x.SetZero()
			return nil
		}
		l, ok := doc.([]any)
		if !ok {
			return errNotPlanned
		}
		// Elements are scalars, or text such as addresses: a list of
		// structs would take its elements' defaults.
		if k := goTypeOf(x.Type().Elem()).kind; k == goStruct || k == goMap || k == goSlice || k == goPointer {
			return errNotPlanned
		}
		out := reflect.MakeSlice(x.Type(), len(l), len(l))
		for i, e := range l {
			if err := decodeDoc(out.Index(i), nil, e, nil); err != nil {
				return err
			}
		}
		x.Set(out)
	case goAny:
		if !p.opaque() {
			return errNotPlanned
		}
		v, err := anyValue(doc)
		if err != nil {
			return err
		}
		if v == nil {
			x.SetZero()
		} else {
			x.Set(reflect.ValueOf(v))
		}
	case goString:
		s, ok := doc.(string)
		if !ok {
			return errNotPlanned
		}
		x.SetString(s)
	case goBool:
		b, ok := doc.(bool)
		if !ok {
			return errNotPlanned
		}
		x.SetBool(b)
	case goInt:
		i, ok := doc.(int64)
		if !ok || i == math.MinInt64 || x.OverflowInt(i) {
			return errNotPlanned
		}
		x.SetInt(i)
	default:
		return errNotPlanned
	}
	return nil
}

// decodeStruct decodes the settings of the unified struct into the Go
// struct x: those doc writes, and the regular settings of p it does not.
func decodeStruct(x reflect.Value, t *goType, p *structPlan, doc map[string]any, u *unifiedValue) error {
	set := func(key string, v any, present bool) error {
		i, ok := t.fields[key]
		if !ok {
			for _, n := range t.names {
				if strings.EqualFold(n, key) {
					return errNotPlanned // Decode matches it case-insensitively
				}
			}
			return nil // the model does not hold it
		}
		f := x.Field(i)
		if present {
			return decodeDoc(f, p.child(key), v, u.at(key))
		}
		return fill(f, p.fields[key], key, u)
	}
	for k, v := range doc {
		if err := set(k, v, true); err != nil {
			return err
		}
	}
	if p == nil {
		return nil
	}
	for k, f := range p.fields {
		if _, written := doc[k]; written || f.optional {
			continue
		}
		if err := set(k, nil, false); err != nil {
			return err
		}
	}
	return nil
}

// decodeMap decodes a struct of the unified value into the Go map x, which
// Decode makes even when it is empty.
func decodeMap(x reflect.Value, p *structPlan, doc map[string]any, u *unifiedValue) error {
	mt := x.Type()
	if mt.Key().Kind() != reflect.String {
		return errNotPlanned
	}
	out := reflect.MakeMapWithSize(mt, len(doc))
	put := func(key string, v any, present bool) error {
		e := reflect.New(mt.Elem()).Elem()
		var err error
		if present {
			err = decodeDoc(e, p.child(key), v, u.at(key))
		} else {
			err = fill(e, p.fields[key], key, u)
		}
		if err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(key).Convert(mt.Key()), e)
		return nil
	}
	for k, v := range doc {
		if err := put(k, v, true); err != nil {
			return err
		}
	}
	if p != nil {
		for k, f := range p.fields {
			if _, written := doc[k]; written || f.optional {
				continue
			}
			if err := put(k, nil, false); err != nil {
				return err
			}
		}
	}
	x.Set(out)
	return nil
}

// fill sets x to the value of the regular setting key that the document
// does not write, as the plan f says.
func fill(x reflect.Value, f *settingPlan, key string, u *unifiedValue) error {
	if f.required {
		return errNotPlanned // a valid spec writes it
	}
	switch f.fill {
	case fillDefault:
		return decodeDoc(x, f.sub, f.value, u.at(key))
	case fillStruct:
		return decodeDoc(x, f.sub, map[string]any{}, u.at(key))
	}
	if u == nil {
		return errNotPlanned
	}
	v := u.at(key).get()
	if !v.Exists() {
		return errNotPlanned
	}
	if v.Decode(x.Addr().Interface()) != nil {
		return errNotPlanned
	}
	return nil
}

// anyValue is a document value as Decode sets it into an interface: a
// fresh copy, with the same types.
func anyValue(doc any) (any, error) {
	switch x := doc.(type) {
	case nil, bool, string:
		return x, nil
	case int64:
		if x == math.MinInt64 {
			return nil, errNotPlanned // CUE gives it as a *big.Int
		}
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, errNotPlanned
		}
		return x, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			v, err := anyValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			v, err := anyValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, errNotPlanned
}

// goType is how the decoder treats one Go type.
type goType struct {
	kind goKind
	// fields maps the JSON name of each field of a struct to its index;
	// names are those names.
	fields map[string]int
	names  []string
}

type goKind int

const (
	goUnplanned goKind = iota
	goText             // a type whose pointer is an encoding.TextUnmarshaler (netip.Addr)
	goPointer
	goStruct
	goMap
	goSlice
	goAny // interface{}
	goString
	goBool
	goInt
)

var goTypes sync.Map // reflect.Type → *goType

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	cueUnmarshalerType  = reflect.TypeFor[cue.Unmarshaler]()
)

func goTypeOf(rt reflect.Type) *goType {
	if t, ok := goTypes.Load(rt); ok {
		return t.(*goType)
	}
	t, _ := goTypes.LoadOrStore(rt, readGoType(rt))
	return t.(*goType)
}

func readGoType(rt reflect.Type) *goType {
	pt := reflect.PointerTo(rt)
	switch {
	case pt.Implements(cueUnmarshalerType) || pt.Implements(jsonUnmarshalerType):
		return &goType{}
	case pt.Implements(textUnmarshalerType):
		return &goType{kind: goText}
	}
	switch rt.Kind() {
	case reflect.Pointer:
		if rt.Implements(cueUnmarshalerType) || rt.Implements(jsonUnmarshalerType) || rt.Implements(textUnmarshalerType) {
			return &goType{}
		}
		return &goType{kind: goPointer}
	case reflect.Struct:
		t := &goType{kind: goStruct, fields: map[string]int{}}
		for i := range rt.NumField() {
			sf := rt.Field(i)
			if sf.Anonymous {
				return &goType{}
			}
			if !sf.IsExported() {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if name == "" {
				name = sf.Name
			} else if strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
				return &goType{} // a name json would read by rules of its own
			}
			if _, dup := t.fields[name]; dup {
				return &goType{}
			}
			t.fields[name] = i
			t.names = append(t.names, name)
		}
		return t
	case reflect.Map:
		return &goType{kind: goMap}
	case reflect.Slice:
		if rt.Elem().Kind() == reflect.Uint8 {
			return &goType{} // bytes
		}
		return &goType{kind: goSlice}
	case reflect.Interface:
		if rt.NumMethod() == 0 {
			return &goType{kind: goAny}
		}
	case reflect.String:
		return &goType{kind: goString}
	case reflect.Bool:
		return &goType{kind: goBool}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &goType{kind: goInt}
	}
	return &goType{}
}
