package pipeline_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/writer"
)

var update = flag.Bool("update", false, "rewrite the expected trees and stderr.txt of the end-to-end cases (testdata/e2e and the repository itself)")

// TestEndToEnd runs every case of package e2e through the whole pipeline:
// the diagnostics must be the case's stderr.txt, and a valid spec must
// render to exactly the case's output tree, no file more or less. For the
// reference case, the repository itself, `hlcgen render --check` must also
// pass: its manifest and .gitattributes block are current.
//
// With -update the expected files are rewritten first (for the reference,
// with the writer, as `hlcgen render --force` would), and then compared as
// always, so an update can never hide a failure.
func TestEndToEnd(t *testing.T) {
	for _, c := range e2e.Cases(t) {
		t.Run(c.Name, func(t *testing.T) {
			res, err := pipeline.Spec("cluster.hcl", c.Source(t), os.DirFS(c.Dir))
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			if err := diag.WriteText(&stderr, res.Diags, map[string][]byte{"cluster.hcl": res.Spec.Src}, diag.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if *update {
				updateCase(t, c, stderr.Bytes(), res.Files)
			}
			want, err := os.ReadFile(c.Stderr())
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if !bytes.Equal(want, stderr.Bytes()) {
				t.Errorf("diagnostics differ from %s (run with -update if intended):\n%s", c.Stderr(), textDiff(t, "stderr.txt", want, stderr.Bytes()))
			}
			if res.Diags.HasErrors() != c.MustFail() {
				t.Errorf("the spec has errors: %v; stderr.txt expects errors: %v", res.Diags.HasErrors(), c.MustFail())
			}
			matchTree(t, c.Dir, res.Files)
			if c.Name == e2e.Reference && !res.Diags.HasErrors() {
				plan, err := writer.NewPlan(c.Dir, res.Files, writer.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range plan.Changes() {
					t.Errorf("hlcgen render would change the repository: %s", ch)
				}
			}
		})
	}
}

// outputTree reads every file under the case's output roots.
func outputTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	for _, root := range generator.OutputDirs {
		err := filepath.WalkDir(filepath.Join(dir, filepath.FromSlash(root)), func(p string, d fs.DirEntry, err error) error {
			if os.IsNotExist(err) {
				return nil
			}
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			tree[filepath.ToSlash(rel)] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range generator.OutputFiles {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
			tree[f] = b
		}
	}
	return tree
}

// matchTree compares the rendered files with the case's output tree.
func matchTree(t *testing.T, dir string, files []generator.File) {
	t.Helper()
	tree := outputTree(t, dir)
	for _, f := range files {
		want, ok := tree[f.Path]
		delete(tree, f.Path)
		switch {
		case !ok:
			t.Errorf("%s is rendered but not in the case (run with -update if intended)", f.Path)
		case !bytes.Equal(want, f.Content):
			t.Errorf("%s differs (run with -update if intended):\n%s", f.Path, textDiff(t, f.Path, want, f.Content))
		}
	}
	for p := range tree {
		t.Errorf("%s is in the case but no longer rendered (run with -update if intended)", p)
	}
}

func textDiff(t *testing.T, path string, want, got []byte) string {
	var b strings.Builder
	if err := writer.UnifiedDiff(&b, path, want, got); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// updateCase rewrites a case's expected files from a render.
func updateCase(t *testing.T, c e2e.Case, stderr []byte, files []generator.File) {
	t.Helper()
	if len(stderr) == 0 {
		if err := os.Remove(c.Stderr()); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	} else if err := os.WriteFile(c.Stderr(), stderr, 0o644); err != nil {
		t.Fatal(err)
	}
	if c.Name == e2e.Reference {
		if files == nil {
			return // the repository's outputs stay as they are
		}
		plan, err := writer.NewPlan(c.Dir, files, writer.Options{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := plan.Apply(); err != nil {
			t.Fatal(err)
		}
		return
	}
	for p := range outputTree(t, c.Dir) {
		if err := os.Remove(filepath.Join(c.Dir, filepath.FromSlash(p))); err != nil {
			t.Fatal(err)
		}
	}
	for _, root := range generator.OutputDirs {
		removeEmptyDirs(filepath.Join(c.Dir, filepath.FromSlash(root)))
	}
	e2e.WriteFiles(t, c.Dir, files)
}

// removeEmptyDirs removes dir and the directories under it that hold no
// file.
func removeEmptyDirs(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeEmptyDirs(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir) // fails, as intended, when something is left
}
