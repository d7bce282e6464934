package writer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hlcgen/hlcgen/generator"
)

// gen builds a []generator.File from alternating path, content arguments.
func gen(kv ...string) []generator.File {
	var out []generator.File
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, generator.File{Path: kv[i], Content: []byte(kv[i+1])})
	}
	return out
}

// asMap turns files into path -> content.
func asMap(files []generator.File) map[string]string {
	m := map[string]string{}
	for _, f := range files {
		m[f.Path] = string(f.Content)
	}
	return m
}

// render plans and applies, failing the test on any error or conflict.
func render(t *testing.T, dir string, files []generator.File, opts Options) *Plan {
	t.Helper()
	p, err := NewPlan(dir, files, opts)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	if err := p.Apply(); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p
}

// plan is NewPlan that fails the test on error.
func plan(t *testing.T, dir string, files []generator.File, opts Options) *Plan {
	t.Helper()
	p, err := NewPlan(dir, files, opts)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	return p
}

// assertUpToDate checks that a fresh plan for files reports nothing to do.
func assertUpToDate(t *testing.T, dir string, files []generator.File) {
	t.Helper()
	p := plan(t, dir, files, Options{})
	if !p.UpToDate() {
		t.Fatalf("plan not up to date; changes: %v", p.Changes())
	}
}

// readTree returns every regular file under dir (relative slash path ->
// content). Symlinks are reported as "symlink:" + target and directories are
// not listed.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			tree[rel] = "symlink:" + target
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			tree[rel] = string(b)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return tree
}

// dirs returns every directory under dir (relative, slash-separated),
// excluding dir itself.
func dirs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

var past = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// ageTree sets the mtime of every file and directory under dir to past, so
// that any later write is visible as an mtime change.
func ageTree(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		return os.Chtimes(p, past, past)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mtimes returns the mtime of every regular file under dir.
func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for p := range readTree(t, dir) {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = fi.ModTime()
	}
	return out
}

// readManifestEntries parses the manifest in dir, failing on any problem.
func readManifestEntries(t *testing.T, dir string) map[string]manifestEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeManifest(raw)
	if err != nil {
		t.Fatalf("manifest invalid: %v\n%s", err, raw)
	}
	return m
}

// writeFile writes a file under dir for test setup, creating parents.
func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func changesString(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.String() + "\n")
	}
	return b.String()
}

func assertConflictError(t *testing.T, err error, paths ...string) {
	t.Helper()
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("Apply error = %v, want *ConflictError", err)
	}
	var got []string
	for _, c := range ce.Conflicts {
		got = append(got, c.Path)
	}
	if !slices.Equal(got, paths) {
		t.Fatalf("conflicts = %q, want %q (%v)", got, paths, err)
	}
}
