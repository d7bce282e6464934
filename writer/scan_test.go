package writer

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/renameio/v2"

	"github.com/hlcgen/hlcgen/generator"
)

// leaveTemp leaves the temporary file renameio creates for target (relative
// to dir) behind, as a process killed between writing and renaming it does,
// and returns its path relative to dir.
func leaveTemp(t *testing.T, dir, target, content string) string {
	t.Helper()
	abs := filepath.Join(dir, filepath.FromSlash(target))
	pf, err := renameio.NewPendingFile(abs, renameio.WithTempDir(filepath.Dir(abs)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if err := pf.File.Close(); err != nil { // no rename, no cleanup
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, pf.Name())
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(rel)
}

// TestLeftovers: the temporary files a killed render leaves next to the
// files hlcgen writes are listed as RemoveTemp (so the plan is not up to
// date) and deleted by Apply; files that merely look like them are not.
func TestLeftovers(t *testing.T) {
	files := gen("generated/hosts/a/default.nix", "a\n", "generated/modules/m1.nix", "m\n", ".sops.yaml", "rules\n")
	dir := t.TempDir()
	render(t, dir, files, Options{})

	var want []string
	for _, target := range []string{"generated/hosts/a/default.nix", "generated/modules/m1.nix", ".sops.yaml", ManifestName, GitattributesName} {
		want = append(want, leaveTemp(t, dir, target, "half written\n"))
	}
	slices.Sort(want)
	user := map[string]string{
		"generated/hosts/a/.default.nix":                          "no digits",
		"generated/hosts/a/.default.nix.swp":                      "an editor's",
		"generated/hosts/a/.default.nix0123":                      "leading zero: not a number renameio writes",
		"generated/hosts/a/.other.nix123":                         "hlcgen writes no other.nix here",
		"generated/hosts/a/default.nix123":                        "no leading dot",
		"generated/.default.nix123":                               "default.nix is not written in generated/",
		"generated/hosts/a/.default.nix" + "99999999999999999999": "beyond int64",
		".cluster.hcl123":                                         "not an output",
		"generated/modules/.m1.nix12x":                            "not all digits",
	}
	for p, c := range user {
		writeFile(t, dir, p, c)
	}
	symlink(t, "default.nix", filepath.Join(dir, "generated/hosts/a/.default.nix7"))

	p := plan(t, dir, files, Options{})
	var got []string
	for _, c := range p.Changes() {
		if c.Action != RemoveTemp {
			t.Errorf("unexpected change %v", c)
			continue
		}
		if c.Reason != reasonLeftover {
			t.Errorf("%s: reason %q", c.Path, c.Reason)
		}
		got = append(got, c.Path)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("leftovers = %q, want %q", got, want)
	}
	if p.UpToDate() {
		t.Fatal("up to date with leftovers")
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	tree := readTree(t, dir)
	for _, l := range want {
		if _, ok := tree[l]; ok {
			t.Errorf("leftover %s not deleted", l)
		}
	}
	for p, c := range user {
		if tree[p] != c {
			t.Errorf("user file %s: %q, want %q", p, tree[p], c)
		}
	}
	if tree["generated/hosts/a/.default.nix7"] != "symlink:default.nix" {
		t.Error("symlink named like a leftover was touched")
	}
	assertUpToDate(t, dir, files)
}

// TestLeftoverOfAnInterruptedAdd: a render killed while writing a new file
// leaves the file's temporary file in a directory it created. The
// intermediate manifest lists the new file, so the next render recognises
// the leftover even when the spec no longer produces that file, deletes it,
// and removes the directory.
func TestLeftoverOfAnInterruptedAdd(t *testing.T) {
	v1 := gen("generated/a.nix", "a\n")
	v2 := gen("generated/a.nix", "a\n", "generated/hosts/b/default.nix", "b\n")
	dir := t.TempDir()
	render(t, dir, v1, Options{})
	crash := func(p string) error {
		if p == ManifestName {
			return errCrash // right after the intermediate manifest
		}
		return nil
	}
	if err := plan(t, dir, v2, Options{hook: crash}).Apply(); err == nil {
		t.Fatal("no crash")
	}
	if err := os.MkdirAll(filepath.Join(dir, "generated/hosts/b"), 0o755); err != nil {
		t.Fatal(err)
	}
	l := leaveTemp(t, dir, "generated/hosts/b/default.nix", "b")

	p := plan(t, dir, v1, Options{})
	if !slices.Contains(p.Changes(), Change{Path: l, Action: RemoveTemp, Reason: reasonLeftover}) {
		t.Fatalf("changes %v lack the leftover %s", p.Changes(), l)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(dirs(t, dir), "generated/hosts") {
		t.Fatalf("directories %q: the emptied generated/hosts was not removed", dirs(t, dir))
	}
	assertFinal(t, dir, v1, nil)
}

// TestStrays: files under the output directories that hlcgen neither owns
// nor writes are listed, with a reason, and left alone; nothing outside
// those directories is listed.
func TestStrays(t *testing.T) {
	files := gen("generated/hosts/a/default.nix", "a\n", "generated/link/x.nix", "x\n", "kubernetes/kubenix/default.nix", "k\n", "top.nix", "t\n")
	dir := t.TempDir()
	writeFile(t, dir, "generated/real/keep", "")
	symlink(t, "real", filepath.Join(dir, "generated/link"))
	render(t, dir, files, Options{})
	user := map[string]string{
		"generated/hosts/a/notes.txt":        "mine\n",
		"generated/hosts/old/default.nix":    "# " + generator.Header + "\n{ }\n",
		"kubernetes/kubenix/extra.nix":       "{ }\n",
		"kubernetes/manifests/all.yaml":      "not under an output directory\n",
		"README.md":                          "not under an output directory\n",
		"generated/hosts/a/.default.nix.bak": "mine\n",
	}
	for p, c := range user {
		writeFile(t, dir, p, c)
	}
	symlink(t, "../README.md", filepath.Join(dir, "generated/readme"))

	p := plan(t, dir, files, Options{})
	want := []Stray{
		{"generated/hosts/a/.default.nix.bak", reasonStray},
		{"generated/hosts/a/notes.txt", reasonStray},
		{"generated/hosts/old/default.nix", reasonStrayHeader},
		{"generated/readme", reasonStraySym},
		// generated/real/keep was there first; it is the user's too.
		{"generated/real/keep", reasonStray},
		{"kubernetes/kubenix/extra.nix", reasonStray},
	}
	if got := p.Strays(); !slices.Equal(got, want) {
		t.Fatalf("strays:\n%v\nwant:\n%v", got, want)
	}
	if !p.UpToDate() {
		t.Fatalf("strays made the plan out of date: %v", p.Changes())
	}
	before := readTree(t, dir)
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if after := readTree(t, dir); !maps.Equal(before, after) {
		t.Fatal("Apply touched a stray")
	}
}

func TestIsLeftover(t *testing.T) {
	targets := map[string]bool{"default.nix": true, "x1": true, ManifestName: true}
	for name, want := range map[string]bool{
		".default.nix0":                      true,
		".default.nix9223372036854775807":    true,
		".default.nix9223372036854775808":    false,
		".default.nix":                       false,
		".default.nix-1":                     false,
		".x12":                               true, // x1 + 2
		".x1":                                false,
		"." + ManifestName + "42":            true,
		ManifestName + "42":                  false,
		fmt.Sprintf(".default.nix%d", 1<<40): true,
	} {
		if got := isLeftover(name, targets); got != want {
			t.Errorf("isLeftover(%q) = %v, want %v", name, got, want)
		}
	}
}
