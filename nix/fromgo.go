package nix

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
)

// FromGo converts a JSON-like Go value (as produced by encoding/json or a
// YAML decoder, e.g. Helm values) into a Nix expression:
//
//   - nil → null; bool → bool; string → string
//   - integers, and floats/[json.Number]s with an integral value that fits
//     in int64 → Int; other numbers → Float
//   - map[string]any (or any map whose keys are strings) → attribute set
//     with keys in sorted order
//   - []any (or any slice/array) → list
//   - an Expr is passed through unchanged
//
// Errors (with the path to the offending value) are returned for NaN and
// infinities, integers beyond int64, NUL bytes in strings or keys, non-string
// map keys and unsupported types.
func FromGo(v any) (Expr, error) {
	return fromGo(v, "")
}

func fromGo(v any, at string) (Expr, error) {
	where := func() string {
		if at == "" {
			return "value"
		}
		return at
	}
	switch v := v.(type) {
	case nil:
		return Null(), nil
	case Expr:
		return v, nil
	case string:
		if err := CheckString(v); err != nil {
			return nil, fmt.Errorf("%s: %w", where(), err)
		}
		return String(v), nil
	case bool:
		return Bool(v), nil
	case int:
		return Int(int64(v)), nil
	case int64:
		return Int(v), nil
	case int32:
		return Int(int64(v)), nil
	case float64:
		return fromFloat(v, where)
	case float32:
		// Use the shortest decimal of the float32 (0.1, not
		// 0.10000000149011612), which is what the user wrote.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
		return fromFloat(f, where)
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return Int(i), nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid number %q", where(), string(v))
		}
		return fromFloat(f, where)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		return fromMap(keys, func(k string) any { return v[k] }, at)
	case []any:
		items := make([]Expr, len(v))
		for i, it := range v {
			e, err := fromGo(it, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			items[i] = e
		}
		return List(items...), nil
	}
	return fromReflect(reflect.ValueOf(v), at, where)
}

func fromFloat(f float64, where func() string) (Expr, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%s: %v cannot be represented in Nix", where(), f)
	}
	// 2^63 is exactly representable; the int64 range is [-2^63, 2^63).
	if f == math.Trunc(f) && f >= -0x1p63 && f < 0x1p63 {
		return Int(int64(f)), nil
	}
	return Float(f), nil
}

func fromMap(keys []string, get func(string) any, at string) (Expr, error) {
	sort.Strings(keys)
	a := NewAttrs()
	for _, k := range keys {
		p := at + "." + strconv.Quote(k)
		if err := CheckString(k); err != nil {
			return nil, fmt.Errorf("%s: key: %w", p, err)
		}
		e, err := fromGo(get(k), p)
		if err != nil {
			return nil, err
		}
		a.Set(k, e)
	}
	return a, nil
}

// fromReflect handles named and less common types: other integer widths,
// named string/bool/number types, typed maps and slices, pointers.
func fromReflect(rv reflect.Value, at string, where func() string) (Expr, error) {
	switch rv.Kind() {
	case reflect.Invalid:
		return Null(), nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return Null(), nil
		}
		return fromGo(rv.Elem().Interface(), at)
	case reflect.String:
		return fromGo(rv.String(), at)
	case reflect.Bool:
		return Bool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("%s: integer %d overflows Nix's 64-bit signed integers", where(), u)
		}
		return Int(int64(u)), nil
	case reflect.Float32:
		return fromGo(float32(rv.Float()), at)
	case reflect.Float64:
		return fromFloat(rv.Float(), where)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return List(), nil
		}
		items := make([]Expr, rv.Len())
		for i := range items {
			e, err := fromGo(rv.Index(i).Interface(), fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			items[i] = e
		}
		return List(items...), nil
	case reflect.Map:
		vals := make(map[string]reflect.Value, rv.Len())
		keys := make([]string, 0, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key()
			for k.Kind() == reflect.Interface && !k.IsNil() {
				k = k.Elem()
			}
			if k.Kind() != reflect.String {
				return nil, fmt.Errorf("%s: map key %v is not a string", where(), it.Key())
			}
			ks := k.String()
			if _, dup := vals[ks]; dup {
				return nil, fmt.Errorf("%s: duplicate map key %q", where(), ks)
			}
			vals[ks] = it.Value()
			keys = append(keys, ks)
		}
		return fromMap(keys, func(k string) any { return vals[k].Interface() }, at)
	}
	return nil, fmt.Errorf("%s: unsupported type %s", where(), rv.Type())
}
