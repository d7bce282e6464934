package nix_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/nix"
)

func nan() float64 { return math.NaN() }

func TestFromGo(t *testing.T) {
	type named string
	v := map[string]any{
		"z":      []any{1, int64(-2), 2.0, 2.5, json.Number("3"), json.Number("3.25"), json.Number("1e3"), nil, true},
		"a b":    map[string]any{"${x}": "''", "or": []any{}},
		"named":  named("n"),
		"ints":   []int{1, 2},
		"strmap": map[string]string{"y": "1", "x": "2"},
		"anymap": map[any]any{"k": uint8(7)},
		"f32":    float32(0.1),
		"big":    1e300,
		"minf":   -9223372036854775808.0,
		"ptr":    (*int)(nil),
		"expr":   nix.Var("lib"),
	}
	e, err := nix.FromGo(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "a b" = {
    "\${x}" = "''";
    "or" = [ ];
  };
  anymap = {
    k = 7;
  };
  big = 1.0e+300;
  expr = lib;
  f32 = 0.1;
  ints = [ 1 2 ];
  minf = (-9223372036854775807 - 1);
  named = "n";
  ptr = null;
  strmap = {
    x = "2";
    y = "1";
  };
  z = [ 1 (-2) 2 2.5 3 3.25 1000 null true ];
}`
	if got := nix.Print(e); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFromGoErrors(t *testing.T) {
	for name, v := range map[string]any{
		"nan":         map[string]any{"a": []any{math.NaN()}},
		"inf":         math.Inf(1),
		"uint":        uint64(math.MaxUint64),
		"nul value":   map[string]any{"a": "x\x00"},
		"nul key":     map[string]any{"\x00": 1},
		"int key":     map[int]any{1: 2},
		"bad number":  json.Number("abc"),
		"unsupported": struct{}{},
		"chan":        make(chan int),
	} {
		if _, err := nix.FromGo(v); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, err := nix.FromGo(map[string]any{"a": []any{1, map[string]any{"b": math.Inf(-1)}}})
	if err == nil || !strings.Contains(err.Error(), `."a"[1]."b"`) {
		t.Errorf("error lacks path: %v", err)
	}
}
