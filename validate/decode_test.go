package validate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
)

// modelCase is a spec whose model the decoding tests compare.
type modelCase struct {
	name string
	src  []byte
	// decodedByCUE: the model holds a value the document cannot give
	// as Decode does, so CUE decodes it.
	decodedByCUE bool
}

// modelCases are the specs of every validate case, every end-to-end case,
// the reference spec, generated specs and a few Helm values that test the
// edges of numbers.
func modelCases(t testing.TB) []modelCase {
	t.Helper()
	var out []modelCase
	for _, dir := range []string{"valid", "invalid"} {
		for _, file := range caseFiles(t, dir) {
			out = append(out, modelCase{name: file, src: readCase(t, file).src})
		}
	}
	specs, err := filepath.Glob("../testdata/e2e/*/cluster.hcl")
	if err != nil || len(specs) == 0 {
		t.Fatalf("no end-to-end cases: %v", err)
	}
	for _, f := range append(specs, "../cluster.hcl") {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, modelCase{name: f, src: src})
	}
	for _, n := range []int{1, 2, 5, 100} {
		out = append(out, modelCase{name: fmt.Sprintf("specgen %d nodes", n), src: specgen.Generate(n)})
	}
	ref, err := os.ReadFile("../cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for i, values := range []struct {
		hcl          string
		decodedByCUE bool
	}{
		{`{ a = 0.1, b = -2.5e-300, c = 1e300, d = 100000000000000000000, e = -0, f = [], g = {}, h = null, i = [1, "x", true, null, { j = 0.5 }] }`, false},
		{`{ max = 9223372036854775807, beyond = 9223372036854775808, nested = { deeper = { list = [[1.5], []] } } }`, false},
		// CUE gives the smallest int64 as a *big.Int.
		{`{ min = -9223372036854775808 }`, true},
	} {
		src := string(ref) + fmt.Sprintf("\nhelm_release \"edge%d\" {\n  namespace = \"edge\"\n  repo      = \"https://example.org/charts\"\n  chart     = \"edge\"\n  version   = \"1.0.0\"\n  values    = %s\n}\n", i, values.hcl)
		out = append(out, modelCase{fmt.Sprintf("Helm values %d", i), []byte(src), values.decodedByCUE})
	}
	// Problems only the pasted secrets check or the structure walk find,
	// inside a node and in Helm values, where the schema takes any string.
	w1 := `  labels           = { "topology.kubernetes.io/zone" = "rack-a" }`
	if !strings.Contains(string(ref), w1) {
		t.Fatalf("the reference spec has no %q", w1)
	}
	for _, v := range []struct{ name, old, new string }{
		{"a token in a node's label", w1, `  labels           = { "topology.kubernetes.io/zone" = "ghp_` + strings.Repeat("aB3", 12) + `" }`},
		{"an unknown setting in a node", w1, w1 + "\n  colour = \"blue\""},
		{"a misspelt setting in a node", "  hardware         = \"hardware/w1.nix\"", "  hardwar          = \"hardware/w1.nix\""},
	} {
		out = append(out, modelCase{name: v.name, src: []byte(strings.Replace(string(ref), v.old, v.new, 1))})
	}
	out = append(out, modelCase{name: "a token in Helm values", src: []byte(string(ref) +
		"\nhelm_release \"tok\" {\n  namespace = \"edge\"\n  repo      = \"https://example.org/charts\"\n  chart     = \"edge\"\n  version   = \"1.0.0\"\n  values    = { token = \"xoxb-1234567890-abcdef\" }\n}\n")})
	return out
}

// unifiedCase is a case loaded, checked and unified with #Cluster as
// Validate does on the whole document; walked holds the diagnostics of the
// pasted secrets check and the structure walk.
func unifiedCase(t *testing.T, mc modelCase) (spec *load.Spec, doc map[string]any, v cue.Value, err error, ok bool) {
	spec, doc, v, err, _, ok = walkedCase(t, mc)
	return spec, doc, v, err, ok
}

func walkedCase(t *testing.T, mc modelCase) (spec *load.Spec, doc map[string]any, v cue.Value, err error, walked diag.Diagnostics, ok bool) {
	t.Helper()
	spec, _ = load.Parse("cluster.hcl", mc.src)
	if !spec.Parsed || len(spec.Doc) == 0 {
		return nil, nil, cue.Value{}, nil, nil, false
	}
	def, cerr := compiled()
	if cerr != nil {
		t.Fatal(cerr)
	}
	walked = checkPastedSecrets(spec)
	doc = structure(spec, def, withoutNonFinite(spec), nil, &walked)
	v = def.Unify(def.Context().Encode(doc))
	return spec, doc, v, v.Validate(cue.Concrete(true), cue.All()), walked, true
}

// TestModelDecodedAsCUEDoes: for every case that the schema accepts, the
// model validation returns is exactly the one cue.Value.Decode gives, and
// it was decoded from the document and the schema's defaults
// (decodeModel); for every case it refuses, the model is the best-effort
// one of the concrete parts, as before.
func TestModelDecodedAsCUEDoes(t *testing.T) {
	valid := 0
	for _, mc := range modelCases(t) {
		spec, doc, v, err, ok := unifiedCase(t, mc)
		if !ok {
			continue
		}
		var want model.Cluster
		if err != nil {
			// An invalid spec's model comes from its concrete parts.
			raw, _ := json.Marshal(concreteSubset(v))
			_ = json.Unmarshal(raw, &want)
		} else {
			valid++
			if derr := v.Decode(&want); derr != nil {
				t.Errorf("%s: Decode: %v", mc.name, derr)
				continue
			}
			if _, fast := decodeModel(doc, v); fast == mc.decodedByCUE {
				t.Errorf("%s: decoded from the document: %v, want %v", mc.name, fast, !mc.decodedByCUE)
			}
		}
		want.Complete()
		got, _ := unify(spec, mustCompiled(t), doc, true)
		if got == nil {
			t.Errorf("%s: no model", mc.name)
			continue
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s: the model differs from Decode's:\n%s", mc.name, modelDiff(*got, want))
		}
	}
	if valid < 20 {
		t.Errorf("only %d cases are valid: the comparison tests too little", valid)
	}
}

func mustCompiled(t *testing.T) cue.Value {
	t.Helper()
	def, err := compiled()
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// modelDiff names the first fields where two models differ, with the Go
// values (types included) on each side.
func modelDiff(got, want model.Cluster) string {
	var out []string
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		if len(out) > 10 {
			return
		}
		if !a.IsValid() || !b.IsValid() || a.Type() != b.Type() {
			out = append(out, fmt.Sprintf("%s: %T %#v / %T %#v", path, a.Interface(), a, b.Interface(), b))
			return
		}
		switch a.Kind() {
		case reflect.Struct:
			for i := range a.NumField() {
				if a.Type().Field(i).IsExported() {
					walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
				}
			}
			return
		case reflect.Map:
			if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
				break
			}
			for _, k := range a.MapKeys() {
				walk(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), b.MapIndex(k))
			}
			return
		case reflect.Pointer, reflect.Interface:
			if a.IsNil() || b.IsNil() {
				break
			}
			walk(path, a.Elem(), b.Elem())
			return
		}
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			out = append(out, fmt.Sprintf("%s: got %#v, want %#v", path, a.Interface(), b.Interface()))
		}
	}
	walk("Cluster", reflect.ValueOf(got), reflect.ValueOf(want))
	return strings.Join(out, "\n")
}

// TestMembersUnifiedAsWhole: checking and unifying the nodes (and the
// other collections) one by one accepts exactly the cases in which the
// whole document has no pasted secret, no structure problem and no CUE
// error, with the same model; and it leaves the spec as it found it.
func TestMembersUnifiedAsWhole(t *testing.T) {
	for _, mc := range modelCases(t) {
		_, _, v, err, walked, ok := walkedCase(t, mc)
		if !ok {
			continue
		}
		valid := err == nil && len(walked) == 0
		spec, _ := load.Parse("cluster.hcl", mc.src)
		before := fmt.Sprint(spec.Failed(), spec.Dropped("nodes"))
		c, byMember := validateByMember(spec, mustCompiled(t))
		if after := fmt.Sprint(spec.Failed(), spec.Dropped("nodes")); after != before {
			t.Errorf("%s: the spec's failed paths changed", mc.name)
		}
		switch {
		case !valid && byMember:
			t.Errorf("%s: accepted member by member, but the whole document has problems: %v %v", mc.name, err, walked)
		case valid && !byMember && !mc.decodedByCUE:
			t.Errorf("%s: valid, but not validated member by member", mc.name)
		case byMember:
			var want model.Cluster
			if derr := v.Decode(&want); derr != nil {
				t.Fatalf("%s: Decode: %v", mc.name, derr)
			}
			want.Complete()
			if !reflect.DeepEqual(*c, want) {
				t.Errorf("%s: the model differs from Decode's:\n%s", mc.name, modelDiff(*c, want))
			}
		}
	}
}

// TestCollectionsByMember: the collections are unified member by member
// only while their members' schema refers to nothing outside the member,
// and nothing else refers into them.
func TestCollectionsByMember(t *testing.T) {
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"the schema", "", "", []string{"groups", "helm_releases", "nodes"}},
		{"a node refers to the network", "\tnodes: [string]: #Node", "\tnodes: [string]: #Node & {vrrp_priority?: <=network.vrrp_id}", []string{"groups", "helm_releases"}},
		{"a definition a node uses refers to the network", "#Port: int & >=1 & <=65535", "#Port: int & >=1 & <=65535 & #Cluster.network.api_port", []string{"groups", "helm_releases", "nodes"}},
		{"the network refers to the nodes", "api_port: #Port | *8443", "api_port: #Port | *(8000 + len(nodes))", []string{"groups", "helm_releases"}},
		{"a group refers to a node", "\t\tdescription: string | *\"\"", "\t\tdescription: string | *nodes.cp1.role", []string{"helm_releases"}},
		{"nodes declared twice", "\tnodes: [string]: #Node", "\tnodes: [string]: #Node\n\tnodes: [string]: {}", []string{"groups", "helm_releases"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := string(schema.ClusterCUE)
			if tc.old != "" {
				if !strings.Contains(src, tc.old) {
					t.Fatalf("the schema has no %q", tc.old)
				}
				src = strings.Replace(src, tc.old, tc.new, 1)
			}
			v := cuecontext.New().CompileString(src, cue.Filename("schema/cluster.cue"))
			if err := v.Err(); err != nil {
				t.Fatal(err)
			}
			got := collectionsByMember(v.LookupPath(cue.ParsePath("#Cluster")))
			if !reflect.DeepEqual(model.SortedKeys(got), tc.want) {
				t.Errorf("unified member by member: %v, want %v", model.SortedKeys(got), tc.want)
			}
		})
	}
}

// FuzzFastAsBefore: Validate gives the diagnostics and the model it gave
// before it did its work member by member on every CPU, decoded the model
// itself and ran the rules on every CPU: validate without fast. Seeded with
// every case of TestModelDecodedAsCUEDoes.
func FuzzFastAsBefore(f *testing.F) {
	for _, mc := range modelCases(f) {
		f.Add(mc.src)
	}
	repo := fstest.MapFS{"hardware/cp1.nix": &fstest.MapFile{Data: []byte("{ }")}}
	f.Fuzz(func(t *testing.T, src []byte) {
		spec, pds := load.Parse("cluster.hcl", src)
		if !spec.Parsed {
			return
		}
		got, gotDiags := validate(spec, repo, true)
		before, _ := load.Parse("cluster.hcl", src)
		want, wantDiags := validate(before, repo, false)
		_ = pds
		if !reflect.DeepEqual(gotDiags, wantDiags) {
			t.Fatalf("the diagnostics differ:\n%v\nbefore:\n%v", gotDiags, wantDiags)
		}
		switch {
		case (got == nil) != (want == nil):
			t.Fatalf("model %v, before %v", got != nil, want != nil)
		case got != nil && !reflect.DeepEqual(*got, *want):
			t.Fatalf("the model differs:\n%s", modelDiff(*got, *want))
		}
	})
}
