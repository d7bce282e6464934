package nix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/nix"
)

// hostileFragments are concatenated to build strings that exercise every
// escaping rule of both string syntaxes.
var hostileFragments = []string{
	"$", "{", "}", "'", "''", "'''", `\`, `"`, "\n", "\t", "\r", "\r\n", " ", "  ",
	"${", "$${", `\${`, "''${", "'${", "''$", `''\`, "$'", "${x}", "$$", `$\`, `\$`,
	"a", "Z", "0", "é", "😀", "\u2028", "\x01", "\x1f", "\x7f", "#", "/*", "*/",
	".", "./", "~/", "<nixpkgs>", ":", ";", "=", "let", "or", "in", "inherit", "rec",
}

// fixedHostile are hand-picked strings covering known traps.
var fixedHostile = []string{
	"", "${x}", "$${x}", `\${x}`, "''", "'''", "''''", "'", `\`, `\\`, `"`, `\"`,
	"\n", "\t", "\r", "\r\n", "a\nb", "$", "$$", "${", "}", "'${x}'", "''${x}", "$''",
	"let", "or", "inherit", "rec", "in", "if", "then", "else", "assert", "with",
	"__curPos", "true", "false", "null", "./x", "../x", "<nixpkgs>", "~/x", "/etc/passwd",
	"http://x.y/z", "a.b", "a b", "1", "-1", "1.5", "é", "😀", "\u2028\u2029", "\x01\x02\x1b\x7f",
	`"; evil = true; x = "`, "''; evil = true; x = ''", "${builtins.abort \"pwned\"}",
	"global\n    maxconn 100\n\nfrontend x\n\tbind *:80\n",
	"  leading\n", "x\n  ", "x\n\n", "\n\nx", "\nx\n", "a'\n", "'\n'", "x''\n''y\n",
	"line1\n${x}\n''${y}\n'${z}'\n$${w}\n",
	strings.Repeat("${x}''$\"\\\n", 1000),
}

func randomHostile(r *rand.Rand) string {
	var b strings.Builder
	n := r.Intn(30)
	if r.Intn(20) == 0 {
		n = 2000 // occasionally very long
	}
	for i := 0; i < n; i++ {
		if r.Intn(8) == 0 {
			// Multiline-friendly structure: newlines with indentation.
			b.WriteString("\n" + strings.Repeat(" ", r.Intn(4)))
			continue
		}
		b.WriteString(hostileFragments[r.Intn(len(hostileFragments))])
	}
	return b.String()
}

func hostileStrings(r *rand.Rand, n int) []string {
	out := append([]string(nil), fixedHostile...)
	for len(out) < n {
		out = append(out, randomHostile(r))
	}
	return out
}

// evalJSON evaluates the Nix file src (written into dir) with
// nix-instantiate --eval --strict --json and decodes the result.
func evalJSON(t *testing.T, dir, src string) any {
	t.Helper()
	file := filepath.Join(dir, "test.nix")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := testtool.NixInstantiate(t, "--eval", "--strict", "--json", file)
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding nix output: %v\n%s", err, out)
	}
	return v
}

// toJSONLike converts expected Go values to what encoding/json decodes
// from Nix's output (with UseNumber).
func toJSONLike(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEvalRoundTrip prints hostile strings as attribute names and values
// (double-quoted, indented, via SetPath, Select and FromGo), evaluates
// everything with one nix-instantiate call and checks that every key and
// value comes back identical.
func TestEvalRoundTrip(t *testing.T) {
	testtool.Nix(t)
	r := rand.New(rand.NewSource(20240601))
	strs := hostileStrings(r, 400)

	strList := make([]nix.Expr, len(strs))
	multiList := make([]nix.Expr, len(strs))
	keys := nix.NewAttrs()
	expectedKeys := map[string]any{}
	for i, s := range strs {
		strList[i] = nix.String(s)
		multiList[i] = nix.MultilineString(s)
		if _, dup := expectedKeys[s]; !dup {
			keys.Set(s, nix.Int(int64(i)))
			expectedKeys[s] = i
		}
	}

	// Nested attribute paths: a.b = …, with hostile components. The
	// expected value merges the paths, so skip paths whose first component
	// repeats.
	paths := nix.NewAttrs()
	expectedPaths := map[string]any{}
	for i := 0; i+1 < len(strs); i += 2 {
		a, b := strs[i], strs[i+1]
		if _, dup := expectedPaths[a]; dup {
			continue
		}
		paths.SetPath([]string{a, b}, nix.String(b))
		expectedPaths[a] = map[string]any{b: b}
	}

	// Select: let s = { <keys> }; in [ s.<k> … ]
	var selects []nix.Expr
	var expectedSelects []any
	for _, s := range strs {
		selects = append(selects, nix.Select(nix.Var("s"), s))
		expectedSelects = append(expectedSelects, expectedKeys[s])
	}

	// Interpolate: hostile literal text around a variable (the "$" and
	// "${" traps are at the seams).
	var interps []nix.Expr
	var expectedInterps []any
	for i := 0; i+1 < len(strs); i += 2 {
		interps = append(interps, nix.Interpolate(strs[i], nix.Var("v"), strs[i+1], nix.Var("v")))
		expectedInterps = append(expectedInterps, strs[i]+"V"+strs[i+1]+"V")
	}
	interps = append(interps, nix.Interpolate("$", nix.Var("v"), "$$", nix.Var("v"), "${", nix.Var("v"), "$"))
	expectedInterps = append(expectedInterps, "$V$$V${V$")

	// FromGo on nested JSON-like data.
	goVal := map[string]any{}
	for i := 0; i+2 < len(strs); i += 3 {
		goVal[strs[i]] = map[string]any{
			strs[i+1]: []any{strs[i+2], strs[i], int64(i), true, nil, []any{}, map[string]any{}},
		}
	}
	fromGo, err := nix.FromGo(goVal)
	if err != nil {
		t.Fatal(err)
	}

	// Integers, including the extremes.
	ints := []int64{0, 1, -1, 42, -42, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 1 << 53}
	for i := 0; i < 50; i++ {
		ints = append(ints, r.Int63()-r.Int63())
	}
	intList := make([]nix.Expr, len(ints))
	for i, v := range ints {
		intList[i] = nix.Int(v)
	}

	// Floats: Nix prints floats with 6 significant digits, so compare
	// inside Nix against builtins.fromJSON (exact strtod) instead.
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 1.5, 2, 0.1, 1e-7, 1e21, 1e300, -1e-300,
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022, 0x1p-1023, 123456789.125,
		1.0 / 3, 9007199254740993}
	for i := 0; i < 50; i++ {
		floats = append(floats, math.Float64frombits(r.Uint64()))
	}
	var floatChecks []nix.Expr
	for _, f := range floats {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		js, _ := json.Marshal(f)
		floatChecks = append(floatChecks, nix.Apply(nix.Var("checkFloat"), nix.Float(f), nix.String(string(js))))
	}
	checkFloat := nix.Raw(`f: js: builtins.isFloat f && f == builtins.fromJSON js`)

	// Paths: toString ./rel must give dir/rel.
	relPaths := []string{".", "..", "a", "a/b.nix", "./x-y_z+1.nix", "../b", "../../c/d.e", "a/../b", ".hidden/x"}
	var pathExprs []nix.Expr
	for _, rel := range relPaths {
		p, err := nix.Path(rel)
		if err != nil {
			t.Fatal(err)
		}
		pathExprs = append(pathExprs, nix.Apply(nix.Var("toString"), p))
	}

	top := nix.NewAttrs().
		Comment("hostile comment ${x} ''\n\r# not code\x00").
		Set("strings", nix.List(strList...)).
		Set("multi", nix.List(multiList...)).
		Set("keys", keys).
		Set("paths", paths).
		Set("selects", nix.Let(nix.NewAttrs().Set("s", keys), nix.List(selects...))).
		Set("interps", nix.Let(nix.NewAttrs().Set("v", nix.String("V")), nix.List(interps...))).
		Set("fromGo", fromGo).
		Set("fromGoEqJSON", nix.Apply(nix.Raw("builtins.fromJSON"), nix.String(mustJSON(t, goVal)))).
		Set("ints", nix.List(intList...)).
		Set("floats", nix.Apply(nix.Raw("builtins.all"), nix.LambdaIdent("x", nix.Var("x")),
			nix.Let(nix.NewAttrs().Set("checkFloat", checkFloat), nix.List(floatChecks...)))).
		Set("files", nix.List(pathExprs...))

	dir := filepath.Join(t.TempDir(), "p", "q")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := string(nix.File("round-trip test", top))
	if src != string(nix.File("round-trip test", top)) {
		t.Fatal("output not deterministic")
	}
	got := evalJSON(t, dir, src).(map[string]any)

	var expectedFiles []any
	for _, rel := range relPaths {
		expectedFiles = append(expectedFiles, filepath.Join(dir, rel))
	}
	want := map[string]any{
		"strings":      strs,
		"multi":        strs,
		"keys":         expectedKeys,
		"paths":        expectedPaths,
		"selects":      expectedSelects,
		"interps":      expectedInterps,
		"fromGo":       goVal,
		"fromGoEqJSON": goVal,
		"floats":       true,
		"files":        expectedFiles,
	}
	for k, w := range want {
		w := toJSONLike(t, w)
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: round trip mismatch", k)
			reportDiff(t, k, got[k], w)
		}
	}
	var gotInts []string
	for _, n := range got["ints"].([]any) {
		gotInts = append(gotInts, string(n.(json.Number)))
	}
	for i, v := range ints {
		if gotInts[i] != strconv.FormatInt(v, 10) {
			t.Errorf("int %d: got %s", v, gotInts[i])
		}
	}
	if t.Failed() {
		t.Logf("printed source:\n%s", truncate(src, 20000))
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reportDiff logs the first differing elements of lists/maps.
func reportDiff(t *testing.T, path string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Logf("%s: got %T len %d, want len %d", path, got, len(g), len(w))
			return
		}
		for i := range w {
			if !reflect.DeepEqual(g[i], w[i]) {
				reportDiff(t, fmt.Sprintf("%s[%d]", path, i), g[i], w[i])
				return
			}
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Logf("%s: got %T", path, got)
			return
		}
		var ks []string
		for k := range w {
			ks = append(ks, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Logf("%s: unexpected key %q", path, k)
			}
		}
		sort.Strings(ks)
		for _, k := range ks {
			if !reflect.DeepEqual(g[k], w[k]) {
				reportDiff(t, fmt.Sprintf("%s.%q", path, k), g[k], w[k])
				return
			}
		}
	default:
		t.Logf("%s: got %q, want %q", path, fmt.Sprint(got), fmt.Sprint(want))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "\n…(truncated)"
}

// TestGoldenParse checks that every golden output is syntactically valid
// Nix. `with { };` makes free variables dynamic, so --parse does not reject
// the undefined names the examples use.
func TestGoldenParse(t *testing.T) {
	testtool.Nix(t)
	gs := goldens(t)
	var b strings.Builder
	b.WriteString("with { };\n[\n")
	for _, g := range gs {
		b.WriteString("(\n" + g.want + "\n)\n")
	}
	b.WriteString("]\n")
	file := filepath.Join(t.TempDir(), "golden.nix")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	testtool.NixInstantiate(t, "--parse", file)
}

// TestLexModel validates the Go lexer model used by the fuzz tests against
// the real Nix: random raw literals that the model accepts must evaluate
// to what the model says.
func TestLexModel(t *testing.T) {
	testtool.Nix(t)
	r := rand.New(rand.NewSource(7))
	bodyFrags := []string{"$", "{", "}", "'", `\`, `"`, "\n", "\t", " ", "  ", "a", "é", "n", "r", "t", "''", "${"}
	var srcs []string
	var want []string
	for len(srcs) < 3000 {
		var b strings.Builder
		for n := r.Intn(14); n > 0; n-- {
			b.WriteString(bodyFrags[r.Intn(len(bodyFrags))])
		}
		body := b.String()
		var src string
		switch r.Intn(3) {
		case 0:
			src = `"` + body + `"`
		case 1:
			src = "''" + body + "''"
		default:
			src = "''\n" + body + "''"
		}
		v, err := decodeLiteral(src)
		if err != nil {
			continue
		}
		srcs = append(srcs, src)
		want = append(want, v)
	}
	var b strings.Builder
	b.WriteString("[\n")
	for _, s := range srcs {
		b.WriteString("(" + s + ")\n")
	}
	b.WriteString("]\n")
	got := evalJSON(t, t.TempDir(), b.String()).([]any)
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		if got[i] != want[i] {
			bad++
			if bad <= 10 {
				t.Errorf("literal %q: nix gives %q, model gives %q", srcs[i], got[i], want[i])
			}
		}
	}
}
