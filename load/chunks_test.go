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
	type specFile struct {
		name string
		src  []byte
	}
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
	merged := 0
	for _, sf := range specs {
		for _, workers := range []int{2, 3} {
			got, gotDiags, ok := parseParts("cluster.hcl", sf.src, 1, workers)
			if !ok {
				continue
			}
			merged++
			want, wantDiags := parseWhole("cluster.hcl", sf.src)
			switch {
			case !reflect.DeepEqual(got.Doc, want.Doc):
				t.Errorf("%s: the document differs", sf.name)
			case !reflect.DeepEqual(got.Source.entries, want.Source.entries):
				for k, e := range want.Source.entries {
					if !reflect.DeepEqual(got.Source.entries[k], e) {
						t.Errorf("%s: the range of %q differs: %v, want %v", sf.name, k, got.Source.entries[k], e)
						break
					}
				}
				t.Errorf("%s: the source map differs (%d entries, want %d)", sf.name, len(got.Source.entries), len(want.Source.entries))
			case !reflect.DeepEqual(got.failed, want.failed) || !reflect.DeepEqual(got.dropped, want.dropped):
				t.Errorf("%s: the failed or dropped paths differ: %v %v, want %v %v", sf.name, got.failed, got.dropped, want.failed, want.dropped)
			case !reflect.DeepEqual(gotDiags, wantDiags):
				t.Errorf("%s: the diagnostics differ:\n%v\nwant\n%v", sf.name, gotDiags, wantDiags)
			case got.Parsed != want.Parsed:
				t.Errorf("%s: parsed %v, want %v", sf.name, got.Parsed, want.Parsed)
			}
		}
	}
	if merged < len(specs) {
		t.Logf("%d of %d parses merged", merged, 2*len(specs))
	}
	if merged < len(specs) {
		t.Errorf("only %d of %d parses in parts were merged: the comparison tests too little", merged, 2*len(specs))
	}
}
