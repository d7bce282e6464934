package writer

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
)

func TestFreshRender(t *testing.T) {
	// An unfriendly umask must not change the modes of what hlcgen writes.
	defer syscall.Umask(syscall.Umask(0o077))

	dir := filepath.Join(t.TempDir(), "out") // does not exist yet
	files := gen(
		"generated/hosts/alpha.nix", "{ alpha }\n",
		"kubernetes/apps/web.nix", "{ web }\n",
		".sops.yaml", "creation_rules: []\n",
	)
	p := plan(t, dir, files, Options{})
	want := "" +
		"add .gitattributes: created with the hlcgen block\n" +
		"add .hlcgen-manifest.json: manifest created\n" +
		"add .sops.yaml: added\n" +
		"add generated/hosts/alpha.nix: added\n" +
		"add kubernetes/apps/web.nix: added\n"
	if got := changesString(p.Changes()); got != want {
		t.Errorf("changes:\n%s\nwant:\n%s", got, want)
	}
	if p.UpToDate() || len(p.Conflicts()) != 0 {
		t.Fatalf("UpToDate=%v conflicts=%v", p.UpToDate(), p.Conflicts())
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}

	wantTree := asMap(files)
	wantTree[ManifestName] = fmt.Sprintf(`{
  "version": 1,
  "files": [
    {
      "path": ".sops.yaml",
      "sha256": "%s"
    },
    {
      "path": "generated/hosts/alpha.nix",
      "sha256": "%s"
    },
    {
      "path": "kubernetes/apps/web.nix",
      "sha256": "%s"
    }
  ]
}
`, hashBytes([]byte("creation_rules: []\n")), hashBytes([]byte("{ alpha }\n")), hashBytes([]byte("{ web }\n")))
	wantTree[GitattributesName] = BlockBegin + "\n" +
		"/.hlcgen-manifest.json linguist-generated=true\n" +
		"/.sops.yaml linguist-generated=true\n" +
		"/generated/hosts/alpha.nix linguist-generated=true\n" +
		"/kubernetes/apps/web.nix linguist-generated=true\n" +
		BlockEnd + "\n"
	if got := readTree(t, dir); !maps.Equal(got, wantTree) {
		t.Fatalf("tree:\n%q\nwant:\n%q", got, wantTree)
	}

	for p := range wantTree {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", p, fi.Mode().Perm())
		}
	}
	for _, d := range dirs(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o755 {
			t.Errorf("%s/: mode %v, want 0755", d, fi.Mode().Perm())
		}
	}
	assertUpToDate(t, dir, files)
}

func TestRerenderTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	files := gen("a/one.nix", "1\n", "a/two.nix", "2\n", "b/three.nix", "3\n")
	render(t, dir, files, Options{})
	ageTree(t, dir)
	before := mtimes(t, dir)

	p := plan(t, dir, files, Options{})
	if !p.UpToDate() {
		t.Fatalf("not up to date: %v", p.Changes())
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if after := mtimes(t, dir); !maps.Equal(before, after) {
		t.Fatalf("mtimes changed:\n%v\n%v", before, after)
	}

	// Changing one file rewrites that file and the manifest, nothing else
	// (the set of paths is the same, so .gitattributes stays too).
	files[1].Content = []byte("2 changed\n")
	render(t, dir, files, Options{})
	after := mtimes(t, dir)
	for p, m := range after {
		changed := !m.Equal(before[p])
		want := p == "a/two.nix" || p == ManifestName
		if changed != want {
			t.Errorf("%s: rewritten=%v, want %v", p, changed, want)
		}
	}
	assertUpToDate(t, dir, files)
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	v1 := gen(
		"gen/a/deep/x.nix", "x\n",
		"gen/b/y.nix", "y\n",
		"gen/c/z.nix", "z\n",
		"top.nix", "top\n",
	)
	render(t, dir, v1, Options{})
	writeFile(t, dir, "gen/b/user.txt", "mine\n") // the user's file keeps gen/b alive

	v2 := gen("gen/c/z.nix", "z\n", "top.nix", "top\n")
	p := plan(t, dir, v2, Options{})
	want := "" +
		"update .gitattributes: hlcgen block out of date\n" +
		"update .hlcgen-manifest.json: manifest updated\n" +
		"prune gen/a/deep/x.nix: pruned: no longer generated\n" +
		"prune gen/b/y.nix: pruned: no longer generated\n"
	if got := changesString(p.Changes()); got != want {
		t.Errorf("changes:\n%s\nwant:\n%s", got, want)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if got, want := dirs(t, dir), []string{"gen", "gen/b", "gen/c"}; !slices.Equal(got, want) {
		t.Errorf("dirs = %q, want %q", got, want)
	}
	tree := readTree(t, dir)
	if tree["gen/b/user.txt"] != "mine\n" {
		t.Errorf("user file lost")
	}
	if _, ok := tree["gen/b/y.nix"]; ok {
		t.Errorf("gen/b/y.nix not pruned")
	}
	if m := readManifestEntries(t, dir); !slices.Equal(slices.Sorted(maps.Keys(m)), []string{"gen/c/z.nix", "top.nix"}) {
		t.Errorf("manifest = %v", m)
	}
	assertUpToDate(t, dir, v2)

	// Pruning everything leaves the output directory itself in place.
	render(t, dir, nil, Options{})
	if got, want := dirs(t, dir), []string{"gen", "gen/b"}; !slices.Equal(got, want) {
		t.Errorf("dirs = %q, want %q", got, want)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir)[GitattributesName]; got != BlockBegin+"\n/.hlcgen-manifest.json linguist-generated=true\n"+BlockEnd+"\n" {
		t.Errorf(".gitattributes = %q", got)
	}
	assertUpToDate(t, dir, nil)
}

func TestPruneEmptiesTheOutputDir(t *testing.T) {
	dir := t.TempDir()
	render(t, dir, gen("only/file.nix", "x\n"), Options{})
	render(t, dir, nil, Options{})
	if got := dirs(t, dir); len(got) != 0 {
		t.Errorf("dirs left: %q", got)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("output directory removed: %v", err)
	}
}

func TestHandEdited(t *testing.T) {
	const path = "gen/host.nix"
	tests := []struct {
		name       string
		v2         []generator.File
		wantAction Action
		wantAfter  *string // content after forced apply; nil = deleted
	}{
		{"update", gen(path, "new\n", "other.nix", "o\n"), Update, ptr("new\n")},
		{"same content regenerated", gen(path, "old\n", "other.nix", "o\n"), Update, ptr("old\n")},
		{"prune", gen("other.nix", "o\n"), Prune, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			render(t, dir, gen(path, "old\n", "other.nix", "o\n"), Options{})
			writeFile(t, dir, path, "old\nhand edit\n")
			manifestBefore := readTree(t, dir)[ManifestName]

			p := plan(t, dir, tc.v2, Options{})
			want := []Change{{Path: path, Action: Edited, Reason: reasonEdited}}
			if got := p.Conflicts(); !slices.Equal(got, want) {
				t.Fatalf("conflicts = %v, want %v", got, want)
			}
			assertConflictError(t, p.Apply(), path)
			tree := readTree(t, dir)
			if tree[path] != "old\nhand edit\n" || tree[ManifestName] != manifestBefore {
				t.Fatalf("refused Apply modified the tree: %q", tree)
			}

			p = plan(t, dir, tc.v2, Options{Force: true})
			if len(p.Conflicts()) != 0 {
				t.Fatalf("conflicts with Force: %v", p.Conflicts())
			}
			var got *Change
			for _, c := range p.Changes() {
				if c.Path == path {
					got = &c
				}
			}
			if got == nil || got.Action != tc.wantAction || !strings.HasPrefix(got.Reason, reasonEdited) {
				t.Fatalf("forced change = %+v", got)
			}
			if err := p.Apply(); err != nil {
				t.Fatal(err)
			}
			content, ok := readTree(t, dir)[path]
			switch {
			case tc.wantAfter == nil && ok:
				t.Errorf("%s not pruned", path)
			case tc.wantAfter != nil && content != *tc.wantAfter:
				t.Errorf("%s = %q, want %q", path, content, *tc.wantAfter)
			}
			assertUpToDate(t, dir, tc.v2)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestMissingOwnedFileIsReadded(t *testing.T) {
	dir := t.TempDir()
	files := gen("a/b.nix", "b\n", "c.nix", "c\n")
	render(t, dir, files, Options{})
	if err := os.RemoveAll(filepath.Join(dir, "a")); err != nil {
		t.Fatal(err)
	}
	p := plan(t, dir, files, Options{})
	want := []Change{{Path: "a/b.nix", Action: Add, Reason: reasonReadded}}
	if got := p.Changes(); !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if readTree(t, dir)["a/b.nix"] != "b\n" {
		t.Fatal("not re-added")
	}
	assertUpToDate(t, dir, files)
}

func TestForeign(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		files  []generator.File
		reason string
	}{
		{
			name:   "different content",
			setup:  func(t *testing.T, dir string) { writeFile(t, dir, "a/x.nix", "user's\n") },
			files:  gen("a/x.nix", "generated\n"),
			reason: reasonForeign,
		},
		{
			name:   "directory in the way",
			setup:  func(t *testing.T, dir string) { writeFile(t, dir, "a/x.nix/inner", "user's\n") },
			files:  gen("a/x.nix", "generated\n"),
			reason: "exists and is a directory",
		},
		{
			name:   "parent is a file",
			setup:  func(t *testing.T, dir string) { writeFile(t, dir, "a", "user's\n") },
			files:  gen("a/x.nix", "generated\n"),
			reason: `parent "a" exists and is not a directory`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			before := readTree(t, dir)
			for _, force := range []bool{false, true} {
				p := plan(t, dir, tc.files, Options{Force: force})
				want := []Change{{Path: "a/x.nix", Action: Foreign, Reason: tc.reason}}
				if got := p.Conflicts(); !slices.Equal(got, want) {
					t.Fatalf("force=%v: conflicts = %v, want %v", force, got, want)
				}
				assertConflictError(t, p.Apply(), "a/x.nix")
				if after := readTree(t, dir); !maps.Equal(before, after) {
					t.Fatalf("force=%v: tree modified: %q", force, after)
				}
			}
		})
	}
}

func TestLexicalEscapes(t *testing.T) {
	for _, bad := range []string{
		"../x", "/abs", "/etc/passwd", "a/../../x", "a/../b", `a\b`, `..\x`, "a//b", "a/", "",
		"./a", "a/./b", ".", "..", "a\nb", "a\x00b", "\xff",
	} {
		t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			writeFile(t, dir, "keep", "user\n")
			files := gen("ok.nix", "ok\n", bad, "evil\n")
			for _, force := range []bool{false, true} {
				p := plan(t, dir, files, Options{Force: force})
				c := p.Conflicts()
				if len(c) != 1 || c[0].Path != bad || c[0].Action != Escape {
					t.Fatalf("conflicts = %v, want one Escape for %q", c, bad)
				}
				assertConflictError(t, p.Apply(), bad)
			}
			// Nothing written, inside or outside.
			want := map[string]string{"out/keep": "user\n"}
			if got := readTree(t, parent); !maps.Equal(got, want) {
				t.Fatalf("tree = %q", got)
			}
		})
	}
}

func TestSymlinkEscapes(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, outside string)
		files []generator.File
		want  []string // paths expected as Escape conflicts
	}{
		{
			name: "dir symlink pointing outside",
			setup: func(t *testing.T, dir, outside string) {
				symlink(t, "../outside", filepath.Join(dir, "link"))
			},
			files: gen("link/x.nix", "x\n", "link/y/z.nix", "z\n"),
			want:  []string{"link"}, // one conflict for both
		},
		{
			name: "nested dir symlink pointing outside",
			setup: func(t *testing.T, dir, outside string) {
				writeFile(t, dir, "a/keep", "")
				symlink(t, "../../outside", filepath.Join(dir, "a", "link"))
			},
			files: gen("a/link/b/x.nix", "x\n"),
			want:  []string{"a/link"},
		},
		{
			name: "absolute dir symlink",
			setup: func(t *testing.T, dir, outside string) {
				symlink(t, outside, filepath.Join(dir, "link"))
			},
			files: gen("link/x.nix", "x\n"),
			want:  []string{"link"},
		},
		{
			name: "absolute symlink back inside",
			setup: func(t *testing.T, dir, outside string) {
				writeFile(t, dir, "real/keep", "")
				symlink(t, filepath.Join(dir, "real"), filepath.Join(dir, "link"))
			},
			files: gen("link/x.nix", "x\n"),
			want:  []string{"link"},
		},
		{
			name: "dangling dir symlink",
			setup: func(t *testing.T, dir, outside string) {
				symlink(t, "nowhere", filepath.Join(dir, "link"))
			},
			files: gen("link/x.nix", "x\n"),
			want:  []string{"link"},
		},
		{
			name: "target is a symlink to a file outside",
			setup: func(t *testing.T, dir, outside string) {
				symlink(t, "../outside/secret", filepath.Join(dir, "x.nix"))
			},
			files: gen("x.nix", "x\n"),
			want:  []string{"x.nix"},
		},
		{
			name: "target is a symlink to a file inside",
			setup: func(t *testing.T, dir, outside string) {
				writeFile(t, dir, "real.nix", "user\n")
				symlink(t, "real.nix", filepath.Join(dir, "x.nix"))
			},
			files: gen("x.nix", "x\n"),
			want:  []string{"x.nix"},
		},
		{
			name: "two paths naming one file",
			setup: func(t *testing.T, dir, outside string) {
				symlink(t, ".", filepath.Join(dir, "self"))
			},
			files: gen("x.nix", "x\n", "self/x.nix", "y\n"),
			want:  []string{"self/x.nix", "x.nix"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir, outside := filepath.Join(parent, "out"), filepath.Join(parent, "outside")
			writeFile(t, outside, "secret", "secret\n")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, dir, outside)
			before := readTree(t, parent)
			for _, force := range []bool{false, true} {
				p := plan(t, dir, tc.files, Options{Force: force})
				var got []string
				for _, c := range p.Conflicts() {
					if c.Action != Escape {
						t.Errorf("conflict %v, want Escape", c)
					}
					got = append(got, c.Path)
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("escape conflicts = %q, want %q (%v)", got, tc.want, p.Conflicts())
				}
				assertConflictError(t, p.Apply(), tc.want...)
			}
			if after := readTree(t, parent); !maps.Equal(before, after) {
				t.Fatalf("tree modified:\n%q\n%q", before, after)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinkInsideIsFollowed(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "real/keep", "user\n")
	symlink(t, "real", filepath.Join(dir, "link"))
	files := gen("link/x.nix", "x\n", "link/new/y.nix", "y\n")
	render(t, dir, files, Options{})
	tree := readTree(t, dir)
	if tree["real/x.nix"] != "x\n" || tree["real/new/y.nix"] != "y\n" {
		t.Fatalf("tree = %q", tree)
	}
	assertUpToDate(t, dir, files)

	// Pruning through the symlink removes the file and the directory it
	// emptied, but never the symlink itself.
	render(t, dir, gen("link/x.nix", "x\n"), Options{})
	if got := readTree(t, dir)["link"]; got != "symlink:real" {
		t.Fatalf("symlink gone: %q", got)
	}
	if got := dirs(t, dir); !slices.Equal(got, []string{"real"}) {
		t.Fatalf("dirs = %q", got)
	}
}

func TestPruneNeverFollowsSymlinkOutside(t *testing.T) {
	parent := t.TempDir()
	dir, outside := filepath.Join(parent, "out"), filepath.Join(parent, "outside")
	render(t, dir, gen("d/x.nix", "x\n", "keep.nix", "k\n"), Options{})

	// The user replaces d with a symlink to a directory outside that holds a
	// file with the very same name and content.
	writeFile(t, outside, "x.nix", "x\n")
	if err := os.RemoveAll(filepath.Join(dir, "d")); err != nil {
		t.Fatal(err)
	}
	symlink(t, "../outside", filepath.Join(dir, "d"))

	v2 := gen("keep.nix", "k\n")
	p := plan(t, dir, v2, Options{Force: true})
	want := []Change{{Path: "d/x.nix", Action: Prune, Reason: reasonRelinquish}}
	var got []Change
	for _, c := range p.Changes() {
		if c.Path == "d/x.nix" {
			got = append(got, c)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if readTree(t, outside)["x.nix"] != "x\n" {
		t.Fatal("file outside the output directory was deleted")
	}
	if _, ok := readManifestEntries(t, dir)["d/x.nix"]; ok {
		t.Fatal("relinquished path still owned")
	}
	assertUpToDate(t, dir, v2)
}

func TestInvalidRenders(t *testing.T) {
	tests := []struct {
		name  string
		files []generator.File
	}{
		{"duplicate path", gen("a.nix", "1", "a.nix", "2")},
		{"duplicate invalid path", gen("../a", "1", "../a", "2")},
		{"manifest produced", gen(ManifestName, "{}")},
		{"under manifest", gen(ManifestName+"/x", "{}")},
		{"gitattributes produced", gen(GitattributesName, "* text")},
		{"file and directory", gen("a", "1", "a/b", "2")},
		{"file and deep directory", gen("a/b/c/d", "2", "a/b", "1")},
		{"case collision", gen("Host.nix", "1", "host.nix", "2")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := NewPlan(dir, tc.files, Options{}); err == nil {
				t.Fatal("NewPlan succeeded")
			}
		})
	}

	if _, err := NewPlan("", nil, Options{}); err == nil {
		t.Error("empty outDir accepted")
	}
	dir := t.TempDir()
	writeFile(t, dir, "file", "")
	if _, err := NewPlan(filepath.Join(dir, "file"), nil, Options{}); err == nil {
		t.Error("outDir that is a file accepted")
	}
	// Nested reserved names are ordinary files.
	render(t, dir, gen("sub/"+GitattributesName, "x", "sub/"+ManifestName, "y"), Options{})
}

// TestCorruptManifest: a manifest that does not decode says nothing reliable
// about ownership, so it is treated as lost: the plan owns nothing, says why
// (ManifestProblem), and Apply replaces it.
func TestCorruptManifest(t *testing.T) {
	h := hashBytes([]byte("x"))
	for name, content := range map[string]string{
		"empty":           "",
		"truncated":       `{"version": 1, "files": [`,
		"merge conflict":  "<<<<<<< HEAD\n{\"version\": 1, \"files\": []}\n=======\n",
		"no version":      `{"files": []}`,
		"unknown field":   `{"version": 1, "files": [], "extra": true}`,
		"escaping path":   `{"version": 1, "files": [{"path": "../x", "sha256": "` + h + `"}]}`,
		"absolute path":   `{"version": 1, "files": [{"path": "/etc/passwd", "sha256": "` + h + `"}]}`,
		"lists itself":    `{"version": 1, "files": [{"path": "` + ManifestName + `", "sha256": "` + h + `"}]}`,
		"bad hash":        `{"version": 1, "files": [{"path": "x", "sha256": "abc"}]}`,
		"uppercase hash":  `{"version": 1, "files": [{"path": "x", "sha256": "` + strings.ToUpper(h) + `"}]}`,
		"no hash":         `{"version": 1, "files": [{"path": "x"}]}`,
		"duplicate entry": `{"version": 1, "files": [{"path": "x", "sha256": "` + h + `"}, {"path": "x", "sha256": "` + h + `"}]}`,
		"trailing data":   `{"version": 1, "files": []} {}`,
		"array":           `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, ManifestName, content)
			writeFile(t, dir, "y", "the user's\n") // listed in no valid manifest
			p := plan(t, dir, gen("x", "x"), Options{})
			if p.ManifestProblem() == "" {
				t.Fatal("no manifest problem reported")
			}
			want := Change{ManifestName, Update, "replaces a corrupt manifest (" + p.ManifestProblem() + ")"}
			if !slices.Contains(p.Changes(), want) {
				t.Fatalf("changes %v lack %v", p.Changes(), want)
			}
			if err := p.Apply(); err != nil {
				t.Fatal(err)
			}
			if got := readManifestEntries(t, dir); len(got) != 1 || got["x"].SHA256 != h {
				t.Fatalf("manifest after Apply: %v", got)
			}
			if readTree(t, dir)["y"] != "the user's\n" {
				t.Fatal("a file the corrupt manifest may have listed was touched")
			}
			assertUpToDate(t, dir, gen("x", "x"))
		})
	}

	t.Run("future version", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, ManifestName, `{"version": 2, "files": []}`)
		_, err := NewPlan(dir, gen("x", "x"), Options{Force: true})
		if err == nil || !strings.Contains(err.Error(), "unsupported version 2") {
			t.Fatalf("err = %v, want a refusal of version 2", err)
		}
	})

	t.Run("symlink", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "elsewhere.json", `{"version": 1, "files": []}`)
		symlink(t, "elsewhere.json", filepath.Join(dir, ManifestName))
		if _, err := NewPlan(dir, nil, Options{}); err == nil {
			t.Fatal("symlinked manifest accepted")
		}
	})
}

func TestChangesListing(t *testing.T) {
	dir := t.TempDir()
	render(t, dir, gen("keep", "k\n", "upd", "u1\n", "gone", "g\n", "edited", "e1\n"), Options{})
	writeFile(t, dir, "edited", "e1 by hand\n")

	p := plan(t, dir, gen("keep", "k\n", "upd", "u2\n", "new", "n\n", "edited", "e2\n"), Options{})
	want := []Change{
		{GitattributesName, Update, "hlcgen block out of date"},
		{ManifestName, Update, "manifest updated"},
		{"edited", Edited, "edited by hand since last render (hash differs from .hlcgen-manifest.json)"},
		{"gone", Prune, "pruned: no longer generated"},
		{"new", Add, "added"},
		{"upd", Update, "changed"},
	}
	if got := p.Changes(); !slices.Equal(got, want) {
		t.Errorf("changes:\n%s\nwant:\n%s", changesString(got), changesString(want))
	}
	if got := p.Conflicts(); !slices.Equal(got, want[2:3]) {
		t.Errorf("conflicts = %v", got)
	}
	if p.UpToDate() {
		t.Error("UpToDate with changes")
	}
	err := p.Apply()
	assertConflictError(t, err, "edited")
	if !strings.Contains(err.Error(), "edited: edited by hand") {
		t.Errorf("error does not list the conflict: %v", err)
	}
}

func TestStalePlan(t *testing.T) {
	dir := t.TempDir()
	render(t, dir, gen("a", "1\n"), Options{})

	p := plan(t, dir, gen("a", "2\n"), Options{})
	writeFile(t, dir, "a", "edited after planning\n")
	if err := p.Apply(); !errors.Is(err, ErrStale) {
		t.Fatalf("Apply = %v, want ErrStale", err)
	}
	if readTree(t, dir)["a"] != "edited after planning\n" {
		t.Fatal("stale Apply wrote")
	}

	p = plan(t, dir, gen("a", "1\n", "b", "1\n"), Options{Force: true})
	writeFile(t, dir, "b", "foreign, created after planning\n")
	if err := p.Apply(); !errors.Is(err, ErrStale) {
		t.Fatalf("Apply = %v, want ErrStale", err)
	}

	// Mutating the generated content after planning is caught too.
	files := gen("a", "3\n")
	p = plan(t, dir, files, Options{Force: true})
	files[0].Content[0] = '4'
	if err := p.Apply(); !errors.Is(err, ErrStale) {
		t.Fatalf("Apply = %v, want ErrStale", err)
	}

	p = plan(t, dir, gen("a", "5\n"), Options{Force: true})
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); err == nil {
		t.Fatal("second Apply of the same plan succeeded")
	}
}

// TestManifestDeterministic renders the same files, in different orders, into
// two directories and into the same one twice.
func TestManifestDeterministic(t *testing.T) {
	files := gen("z/last.nix", "z\n", "a/first.nix", "a\n", "m.nix", "m\n", "a b/[weird]*.nix", "w\n")
	reversed := slices.Clone(files)
	slices.Reverse(reversed)

	d1, d2 := t.TempDir(), t.TempDir()
	render(t, d1, files, Options{})
	render(t, d2, reversed, Options{})
	t1, t2 := readTree(t, d1), readTree(t, d2)
	if !maps.Equal(t1, t2) {
		t.Fatalf("renders differ:\n%q\n%q", t1, t2)
	}

	// A second run leaves the manifest byte-identical (and untouched).
	p := plan(t, d1, reversed, Options{})
	if !p.UpToDate() {
		t.Fatalf("changes: %v", p.Changes())
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, d1)[ManifestName]; got != t1[ManifestName] {
		t.Fatalf("manifest changed:\n%s\n%s", t1[ManifestName], got)
	}
	m := t1[ManifestName]
	if !strings.HasSuffix(m, "}\n") || !strings.Contains(m, "\n  \"files\": [\n    {\n      \"path\": \"a b/[weird]*.nix\",") {
		t.Fatalf("manifest format:\n%s", m)
	}
}

// TestLostManifest: after the manifest is deleted, files that hold exactly
// the generated content are adopted without Force; files that start with
// hlcgen's header but differ are Unrecorded conflicts that Force overrides;
// files without the header stay Foreign, even with Force.
func TestLostManifest(t *testing.T) {
	h := "# " + generator.Header + "\n"
	v1 := gen("a.nix", h+"a\n", "b.nix", h+"b v1\n", "c.nix", h+"c\n", "gone.nix", h+"gone\n")
	v2 := gen("a.nix", h+"a\n", "b.nix", h+"b v2\n", "c.nix", h+"c\n", "d.nix", h+"d\n")
	dir := t.TempDir()
	render(t, dir, v1, Options{})
	if err := os.Remove(filepath.Join(dir, ManifestName)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "c.nix", "the user's, without the header\n")

	p := plan(t, dir, v2, Options{})
	want := []Change{
		{GitattributesName, Update, "hlcgen block out of date"},
		{ManifestName, Add, "manifest created"},
		{"a.nix", Adopt, reasonAdopted},
		{"b.nix", Unrecorded, reasonUnrecorded},
		{"c.nix", Foreign, reasonForeign},
		{"d.nix", Add, reasonAdded},
	}
	if got := p.Changes(); !slices.Equal(got, want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", changesString(got), changesString(want))
	}
	assertConflictError(t, p.Apply(), "b.nix", "c.nix")

	// gone.nix is no longer generated and no manifest lists it: a stray
	// under an output directory would be reported; here it is simply left.
	p = plan(t, dir, v2, Options{Force: true})
	if got := p.Conflicts(); !slices.Equal(got, []Change{{"c.nix", Foreign, reasonForeign}}) {
		t.Fatalf("with Force, conflicts = %v, want only the foreign c.nix", got)
	}
	writeFile(t, dir, "c.nix", h+"c\n") // the user moves theirs away
	p = plan(t, dir, v2, Options{Force: true})
	if c := p.Conflicts(); len(c) != 0 {
		t.Fatalf("conflicts: %v", c)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	tree := readTree(t, dir)
	if tree["b.nix"] != h+"b v2\n" || tree["gone.nix"] != h+"gone\n" {
		t.Fatalf("tree: %q", tree)
	}
	if m := readManifestEntries(t, dir); len(m) != 4 {
		t.Fatalf("manifest lists %d files, want the 4 generated ones: %v", len(m), m)
	}
	assertUpToDate(t, dir, v2)
}

// TestAdoptWritesNothing: adopting is bookkeeping only: the adopted files
// keep their modification times, and the manifest is what a clean render
// writes.
func TestAdoptWritesNothing(t *testing.T) {
	files := gen("a.nix", "a\n", "b.nix", "b\n")
	dir := t.TempDir()
	render(t, dir, files, Options{})
	if err := os.Remove(filepath.Join(dir, ManifestName)); err != nil {
		t.Fatal(err)
	}
	mtimesBefore := mtimes(t, dir)
	p := plan(t, dir, files, Options{})
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.nix", "b.nix"} {
		if !mtimes(t, dir)[f].Equal(mtimesBefore[f]) {
			t.Errorf("adopted %s was rewritten", f)
		}
	}
	assertFinal(t, dir, files, nil)
}
