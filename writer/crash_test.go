package writer

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
)

var errCrash = errors.New("simulated crash")

// TestCrashConsistency interrupts Apply after each of its mutations in turn
// and checks, at every interruption point, that the output directory is
// consistent with its manifest, and that rendering again completes.
func TestCrashConsistency(t *testing.T) {
	v1 := gen(
		"a/keep.nix", "keep\n",
		"a/upd.nix", "upd v1\n",
		"b/gone/x.nix", "gone\n",
		"c/gone2.nix", "gone2\n",
		"top.nix", "top v1\n",
	)
	v2 := gen(
		"a/keep.nix", "keep\n",
		"a/upd.nix", "upd v2\n",
		"new/deep/f.nix", "new\n",
		"top.nix", "top v2\n",
		"zz.nix", "zz\n",
	)
	user := map[string]string{"b/user.txt": "the user's\n"}

	tests := []struct {
		name  string
		edits map[string]string // hand edits made after rendering v1
		force bool
	}{
		{name: "plain"},
		{
			// Forced overwrite and forced prune of hand-edited files: the
			// rerun after the crash must not need Force again.
			name:  "forced",
			edits: map[string]string{"a/upd.nix": "upd v1 + hand edit\n", "c/gone2.nix": "gone2 + hand edit\n"},
			force: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k := 0; ; k++ {
				dir := t.TempDir()
				render(t, dir, v1, Options{})
				for p, c := range user {
					writeFile(t, dir, p, c)
				}
				for p, c := range tc.edits {
					writeFile(t, dir, p, c)
				}
				old := readTree(t, dir)

				calls := 0
				hook := func(path string) error {
					if calls == k {
						return fmt.Errorf("%w after %s", errCrash, path)
					}
					calls++
					return nil
				}
				p := plan(t, dir, v2, Options{Force: tc.force, hook: hook})
				err := p.Apply()
				if err == nil {
					if k < 5 {
						t.Fatalf("Apply made only %d mutations", k)
					}
					assertFinal(t, dir, v2, user)
					return // every interruption point has been covered
				}
				if !errors.Is(err, errCrash) {
					t.Fatalf("k=%d: Apply = %v", k, err)
				}
				assertConsistent(t, fmt.Sprintf("crash after mutation %d (%v)", k, err), dir, old, v2, user)

				// Rerun with the same input, without Force.
				p = plan(t, dir, v2, Options{})
				if c := p.Conflicts(); len(c) != 0 {
					t.Fatalf("k=%d: rerun after crash has conflicts: %v", k, c)
				}
				if err := p.Apply(); err != nil {
					t.Fatalf("k=%d: rerun: %v", k, err)
				}
				assertFinal(t, dir, v2, user)
			}
		})
	}
}

// assertConsistent checks the invariant of the crash-safety protocol: the
// manifest is valid; every path it lists is absent or has an accepted hash;
// every file in the tree is entirely its old or entirely its new content;
// every file with new content is listed; nothing else (such as temporary
// files) exists.
func assertConsistent(t *testing.T, when, dir string, old map[string]string, files []generator.File, user map[string]string) {
	t.Helper()
	newTree := asMap(files)
	manifest := readManifestEntries(t, dir)
	tree := readTree(t, dir)

	for p, e := range manifest {
		content, ok := tree[p]
		if ok && !e.accepts(hashBytes([]byte(content))) {
			t.Errorf("%s: %s has hash not accepted by manifest entry %+v", when, p, e)
		}
	}
	for p, content := range tree {
		if p == ManifestName || p == GitattributesName {
			continue
		}
		if c, ok := user[p]; ok {
			if content != c {
				t.Errorf("%s: user file %s modified", when, p)
			}
			continue
		}
		oldC, wasOld := old[p]
		newC, isNew := newTree[p]
		switch {
		case wasOld && content == oldC:
		case isNew && content == newC:
			if _, listed := manifest[p]; !listed {
				t.Errorf("%s: %s written but not in the manifest", when, p)
			}
		default:
			t.Errorf("%s: %s is neither old nor new: %q", when, p, content)
		}
	}
	if t.Failed() {
		raw, _ := os.ReadFile(filepath.Join(dir, ManifestName))
		t.Fatalf("tree: %q\nmanifest:\n%s", tree, raw)
	}
}

// assertFinal checks the state after a completed render: exactly the new
// files, the user's files, a clean manifest, and an up-to-date plan.
func assertFinal(t *testing.T, dir string, files []generator.File, user map[string]string) {
	t.Helper()
	tree := readTree(t, dir)
	manifest, gitattributes := tree[ManifestName], tree[GitattributesName]
	delete(tree, ManifestName)
	delete(tree, GitattributesName)
	want := asMap(files)
	maps.Copy(want, user)
	if !maps.Equal(tree, want) {
		t.Fatalf("final tree:\n%q\nwant:\n%q", tree, want)
	}

	// Byte-identical to what a clean render into an empty directory gives.
	clean := t.TempDir()
	render(t, clean, files, Options{})
	cleanTree := readTree(t, clean)
	if manifest != cleanTree[ManifestName] {
		t.Fatalf("manifest after recovery:\n%s\nclean:\n%s", manifest, cleanTree[ManifestName])
	}
	if gitattributes != cleanTree[GitattributesName] {
		t.Fatalf(".gitattributes after recovery:\n%s\nclean:\n%s", gitattributes, cleanTree[GitattributesName])
	}
	if _, err := os.Stat(filepath.Join(dir, "c")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("emptied directory c not removed: %v", err)
	}
	assertUpToDate(t, dir, files)
}
