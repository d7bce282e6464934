package load

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/hlcgen/hlcgen/internal/specgen"
)

// TestChunksLoadAsWhole: a spec parsed and loaded in parts, cut at every
// block of its top level, is the spec parsed and loaded whole (document,
// source map, failed and dropped paths, diagnostics), for every validate
// and end-to-end case and generated specs; or the parts refuse to merge and
// the file is parsed whole.
func TestChunksLoadAsWhole(t *testing.T) {
	specs := chunkSpecs(t)
	merged := 0
	for _, sf := range specs {
		for _, workers := range []int{2, 3} {
			if sameAsWhole(t, sf.name, sf.src, workers) {
				merged++
			}
		}
	}
	if merged < len(specs) {
		t.Errorf("only %d of %d parses in parts were merged: the comparison tests too little", merged, 2*len(specs))
	}
}

// FuzzChunksLoadAsWhole is TestChunksLoadAsWhole's comparison on whatever
// the fuzzer makes of its specs.
func FuzzChunksLoadAsWhole(f *testing.F) {
	for _, sf := range chunkSpecs(f) {
		f.Add(sf.src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		sameAsWhole(t, "input", src, 2)
	})
}

type specFile struct {
	name string
	src  []byte
}

// chunkSpecs are the specs of every validate and end-to-end case, the
// reference spec and generated specs.
func chunkSpecs(t testing.TB) []specFile {
	t.Helper()
	var specs []specFile
	cases, err := filepath.Glob("../validate/testdata/*/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no validate cases: %v", err)
	}
	for _, f := range cases {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range a.Files {
			if af.Name == "cluster.hcl" {
				specs = append(specs, specFile{f, af.Data})
			}
		}
	}
	e2e, _ := filepath.Glob("../testdata/e2e/*/cluster.hcl")
	for _, f := range append(e2e, "../cluster.hcl") {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, specFile{f, src})
	}
	for _, n := range []int{1, 5, 100} {
		specs = append(specs, specFile{fmt.Sprintf("specgen %d", n), specgen.Generate(n)})
	}
	return specs
}

// sameAsWhole cuts src at every block of its top level and, when the parts
// merge, compares the spec with the one parsed and loaded whole; it
// reports whether they merged.
func sameAsWhole(t *testing.T, name string, src []byte, workers int) bool {
	t.Helper()
	got, gotDiags, ok := parseParts("cluster.hcl", src, 1, workers)
	if !ok {
		return false
	}
	want, wantDiags := parseWhole("cluster.hcl", src)
	switch {
	case !reflect.DeepEqual(got.Doc, want.Doc):
		t.Errorf("%s: the document differs", name)
	case !reflect.DeepEqual(got.Source.entries, want.Source.entries):
		for k, e := range want.Source.entries {
			if !reflect.DeepEqual(got.Source.entries[k], e) {
				t.Errorf("%s: the range of %q differs: %v, want %v", name, k, got.Source.entries[k], e)
				break
			}
		}
		t.Errorf("%s: the source map differs (%d entries, want %d)", name, len(got.Source.entries), len(want.Source.entries))
	case !reflect.DeepEqual(got.failed, want.failed) || !reflect.DeepEqual(got.dropped, want.dropped):
		t.Errorf("%s: the failed or dropped paths differ: %v %v, want %v %v", name, got.failed, got.dropped, want.failed, want.dropped)
	case !reflect.DeepEqual(gotDiags, wantDiags):
		t.Errorf("%s: the diagnostics differ:\n%v\nwant\n%v", name, gotDiags, wantDiags)
	case got.Parsed != want.Parsed:
		t.Errorf("%s: parsed %v, want %v", name, got.Parsed, want.Parsed)
	}
	return true
}
