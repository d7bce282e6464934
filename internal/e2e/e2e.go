// Package e2e lists hlcgen's end-to-end cases, for the tests of every
// package that checks rendered output.
//
// A case is a directory, like sqlc's internal/endtoend/testdata/<case>:
//
//	cluster.hcl          the spec
//	hardware/, custom/…  the hand-written files it names (module files,
//	                     secrets), as a repository would hold them
//	generated/, kubernetes/kubenix/, .sops.yaml
//	                     the whole expected output tree, for a valid spec
//	stderr.txt           the diagnostics hlcgen prints for the spec (as
//	                     `hlcgen validate` prints them, without colour),
//	                     when it prints any: the warnings of a valid spec,
//	                     or the errors of one that must fail and so has no
//	                     output tree
//
// The cases are testdata/e2e/<case> at the repository root, and the
// repository itself, named "reference": its cluster.hcl is the reference
// spec and its committed outputs are that case's expected tree, so they are
// kept once. pipeline's TestEndToEnd runs every case through the whole
// pipeline; `go test ./pipeline -update` rewrites the expected trees
// (review the diff before committing it).
package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/validate"
)

// Reference is the name of the case that is the repository itself.
const Reference = "reference"

// Case is one end-to-end case.
type Case struct {
	Name string
	// Dir is the case's directory: the repository root for Reference.
	Dir string
}

// Spec is the path of the case's cluster.hcl.
func (c Case) Spec() string { return filepath.Join(c.Dir, "cluster.hcl") }

// Stderr is the path of the case's expected diagnostics.
func (c Case) Stderr() string { return filepath.Join(c.Dir, "stderr.txt") }

// MustFail reports whether the spec is expected to be invalid: its
// stderr.txt holds an error.
func (c Case) MustFail() bool {
	b, err := os.ReadFile(c.Stderr())
	return err == nil && strings.Contains(string(b), ": error[")
}

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Cases returns every case: the reference first, then testdata/e2e/* by
// name.
func Cases(t testing.TB) []Case {
	t.Helper()
	root := Root()
	out := []Case{{Reference, root}}
	entries, err := os.ReadDir(filepath.Join(root, "testdata", "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, Case{n, filepath.Join(root, "testdata", "e2e", n)})
	}
	return out
}

// Valid returns the cases whose spec must validate.
func Valid(t testing.TB) []Case {
	t.Helper()
	var out []Case
	for _, c := range Cases(t) {
		if !c.MustFail() {
			out = append(out, c)
		}
	}
	return out
}

// Named returns the case called name.
func Named(t testing.TB, name string) Case {
	t.Helper()
	for _, c := range Cases(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no end-to-end case %q", name)
	return Case{}
}

// Source reads the case's spec.
func (c Case) Source(t testing.TB) []byte {
	t.Helper()
	src, err := os.ReadFile(c.Spec())
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// Load validates the case's spec against its directory (module files
// included) and returns the model; errors fail the test, warnings do not.
func (c Case) Load(t testing.TB) *model.Cluster {
	t.Helper()
	_, cl, ds := validate.Load("cluster.hcl", c.Source(t), os.DirFS(c.Dir))
	if ds.HasErrors() {
		t.Fatalf("case %s does not validate: %v", c.Name, ds.Errors())
	}
	return cl
}

// TreeWith returns a temporary copy of the case's directory (its inputs
// and its committed outputs) with files written over it: a generator's
// tests evaluate their freshly rendered files in the tree the other
// generators' committed files complete.
func (c Case) TreeWith(t testing.TB, files []generator.File) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.Dir, p)
		if d.IsDir() {
			// The reference case is the repository: skip what is not
			// the tree (Git, other cases, the code).
			if c.Name == Reference && rel != "." && !slices.Contains(referenceDirs, strings.Split(filepath.ToSlash(rel), "/")[0]) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		if c.Name == Reference && !strings.Contains(filepath.ToSlash(rel), "/") && rel != "cluster.hcl" && rel != ".sops.yaml" && rel != "flake.nix" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	WriteFiles(t, dir, files)
	return dir
}

// WriteFiles writes rendered files under dir, the way the writer lays them
// out, for tests that hand a tree to a consumer.
func WriteFiles(t testing.TB, dir string, files []generator.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// referenceDirs are the repository's directories that belong to the
// reference case's tree.
var referenceDirs = []string{"generated", "kubernetes", "hardware", "custom", "secrets"}
