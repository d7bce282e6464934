// Package pipeline is the in-memory pipeline from a spec to the files hlcgen
// owns: load, validate, run every generator on the validated model, then
// check the data the files hand their consumers against the consumers'
// schemas. It never writes; the writer package does.
package pipeline

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/generator/kubernetes"
	"github.com/hlcgen/hlcgen/generator/nixos"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
	"github.com/hlcgen/hlcgen/validate"
)

// Result is a rendered spec.
type Result struct {
	Spec    *load.Spec
	Cluster *model.Cluster
	Diags   diag.Diagnostics
	// Files is nil when Diags has errors: an invalid spec renders nothing.
	Files []generator.File
}

// Spec loads, validates and renders one spec, for an output directory that
// is the spec's directory. repo is the directory holding it (for module path
// checks); it may be nil.
func Spec(filename string, src []byte, repo fs.FS) (*Result, error) {
	return SpecAt(filename, src, repo, generator.Layout{})
}

// SpecAt is Spec for the output directory l describes (generator.Layout).
func SpecAt(filename string, src []byte, repo fs.FS, l generator.Layout) (*Result, error) {
	spec, c, ds := validate.Load(filename, src, repo)
	r := &Result{Spec: spec, Cluster: c, Diags: ds}
	if ds.HasErrors() {
		return r, nil
	}
	files, err := FilesAt(c, l)
	if err != nil {
		return r, err
	}
	r.Files = files
	return r, nil
}

// generators are run in this order; their outputs must not overlap.
var generators = []struct {
	name string
	run  func(*model.Cluster, generator.Layout) []generator.File
}{
	{"nixos", nixos.RenderAt},
	{"kubernetes", kubernetes.RenderAt},
}

// Files is FilesAt for an output directory that is the spec's directory.
func Files(c *model.Cluster) ([]generator.File, error) { return FilesAt(c, generator.Layout{}) }

// FilesAt runs every generator on a valid model, checks their consumer data
// (Check), and returns all outputs sorted by path. An error here is a bug in
// hlcgen, never in the spec: the spec was validated before, and a generator
// that panics on a model validation accepted is reported as such.
//
// The generators run concurrently: they are pure (package generator) and
// only read the model, and on a large spec each takes about half of the
// render time (BENCHMARKS.md). Their results are collected in the fixed
// order above, so the output and the error reported do not depend on
// scheduling.
func FilesAt(c *model.Cluster, l generator.Layout) ([]generator.File, error) {
	results := make([][]generator.File, len(generators))
	panics := make([]any, len(generators))
	var wg sync.WaitGroup
	for i, g := range generators {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			results[i] = g.run(c, l)
		})
	}
	wg.Wait()

	var all []generator.File
	owner := map[string]string{}
	for i, g := range generators {
		if panics[i] != nil {
			return nil, fmt.Errorf("internal error in the %s generator: %v", g.name, panics[i])
		}
		for _, f := range results[i] {
			if prev, dup := owner[f.Path]; dup {
				return nil, fmt.Errorf("internal error: %s is produced by both the %s and the %s generator", f.Path, prev, g.name)
			}
			owner[f.Path] = g.name
			if !bytes.Contains(firstLine(f.Content), []byte(generator.Header)) {
				return nil, fmt.Errorf("internal error: %s (from the %s generator) does not start with the generated-file header", f.Path, g.name)
			}
			all = append(all, f)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	if err := Check(all); err != nil {
		return nil, err
	}
	return all, nil
}

// Check validates the data every file hands its consumer against that
// consumer's schema (generator.Check). A failure is a bug in hlcgen: the
// spec was valid, but the output would be refused or misread.
func Check(files []generator.File) error {
	for _, f := range files {
		for _, ch := range f.Checks {
			if err := schema.CheckJSON(ch.Schema, ch.JSON); err != nil {
				return fmt.Errorf("internal error: %s in %s does not match %s: %v", ch.What, f.Path, ch.Schema, err)
			}
		}
	}
	return nil
}

// firstLine returns the line that must carry the header: the first, or the
// second after a script's #! line.
func firstLine(b []byte) []byte {
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	if bytes.HasPrefix(line, []byte("#!")) {
		line, _, _ = bytes.Cut(rest, []byte("\n"))
	}
	return line
}
