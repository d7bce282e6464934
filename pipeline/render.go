// Package render is the pipeline from a spec on disk to the files hlcgen
// owns: load, validate, then run every generator on the validated model. It
// never writes; the writer package does.
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

// Spec loads, validates and renders one spec. repo is the directory holding
// it (for module path checks); it may be nil.
func Spec(filename string, src []byte, repo fs.FS) (*Result, error) {
	spec, c, ds := validate.Load(filename, src, repo)
	r := &Result{Spec: spec, Cluster: c, Diags: ds}
	if ds.HasErrors() {
		return r, nil
	}
	files, err := Files(c)
	if err != nil {
		return r, err
	}
	r.Files = files
	return r, nil
}

// generators are run in this order; their outputs must not overlap.
var generators = []struct {
	name string
	run  func(*model.Cluster) ([]generator.File, error)
}{
	{"nixos", nixos.Render},
	{"kubernetes", kubernetes.Render},
}

// Files runs every generator on a valid model and returns all outputs
// sorted by path. An error here is a bug in hlcgen, never in the spec: the
// spec was validated before.
//
// The generators run concurrently: they are pure (package generator) and
// only read the model, and on a large spec each takes about half of the
// render time (BENCHMARKS.md). Their results are collected in the fixed
// order above, so the output and the error reported do not depend on
// scheduling.
func Files(c *model.Cluster) ([]generator.File, error) {
	type result struct {
		files []generator.File
		err   error
	}
	results := make([]result, len(generators))
	var wg sync.WaitGroup
	for i, g := range generators {
		wg.Go(func() {
			files, err := g.run(c)
			results[i] = result{files, err}
		})
	}
	wg.Wait()

	var all []generator.File
	owner := map[string]string{}
	for i, g := range generators {
		files, err := results[i].files, results[i].err
		if err != nil {
			return nil, fmt.Errorf("internal error in the %s generator: %w", g.name, err)
		}
		for _, f := range files {
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
	return all, nil
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
