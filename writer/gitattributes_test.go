package writer

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGitattributesPreservesUserLines(t *testing.T) {
	staleBlock := BlockBegin + "\n/old.nix linguist-generated=true\n" + BlockEnd + "\n"
	files := gen("b.nix", "b\n", "a.nix", "a\n")
	block := gitattributesBlock([]string{"a.nix", "b.nix", ManifestName})
	if want := BlockBegin + "\n/.hlcgen-manifest.json linguist-generated=true\n/a.nix linguist-generated=true\n/b.nix linguist-generated=true\n" + BlockEnd + "\n"; string(block) != want {
		t.Fatalf("block:\n%s\nwant:\n%s", block, want)
	}

	tests := []struct {
		name     string
		existing string
		want     string
	}{
		{
			name:     "user lines around a stale block",
			existing: "*.png binary\r\n# keep me  \n\n" + staleBlock + "*.sh text eol=lf\n# no newline at end",
			want:     "*.png binary\r\n# keep me  \n\n" + string(block) + "*.sh text eol=lf\n# no newline at end",
		},
		{
			name:     "block from another hlcgen version, CRLF markers",
			existing: "a\n# BEGIN hlcgen v0\r\n/x linguist-generated=true\r\n# END hlcgen\r\nb\n",
			want:     "a\n" + string(block) + "b\n",
		},
		{
			name:     "no block, no trailing newline",
			existing: "*.png binary",
			want:     "*.png binary\n" + string(block),
		},
		{
			name:     "no block",
			existing: "*.png binary\n",
			want:     "*.png binary\n" + string(block),
		},
		{
			name:     "empty file",
			existing: "",
			want:     string(block),
		},
		{
			name:     "block at end without newline",
			existing: "x\n" + strings.TrimSuffix(staleBlock, "\n"),
			want:     "x\n" + string(block),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, GitattributesName, tc.existing)
			if err := os.Chmod(filepath.Join(dir, GitattributesName), 0o664); err != nil {
				t.Fatal(err)
			}
			render(t, dir, files, Options{})
			if got := readTree(t, dir)[GitattributesName]; got != tc.want {
				t.Fatalf(".gitattributes:\n%q\nwant:\n%q", got, tc.want)
			}
			fi, err := os.Stat(filepath.Join(dir, GitattributesName))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o664 {
				t.Errorf("user's .gitattributes mode changed to %v", fi.Mode().Perm())
			}
			assertUpToDate(t, dir, files)
		})
	}
}

func TestGitattributesStaleBlockIsReported(t *testing.T) {
	dir := t.TempDir()
	files := gen("a.nix", "a\n", "b.nix", "b\n")
	writeFile(t, dir, GitattributesName, "user line\n")
	render(t, dir, files, Options{})
	good := readTree(t, dir)[GitattributesName]

	// Someone edits the block by hand.
	writeFile(t, dir, GitattributesName, strings.Replace(good, "/b.nix linguist-generated=true\n", "", 1))
	ageTree(t, dir)
	before := mtimes(t, dir)

	p := plan(t, dir, files, Options{})
	want := []Change{{Path: GitattributesName, Action: Update, Reason: "hlcgen block out of date"}}
	if got := p.Changes(); !slices.Equal(got, want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	if p.UpToDate() {
		t.Fatal("UpToDate with a stale block")
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir)[GitattributesName]; got != good {
		t.Fatalf(".gitattributes = %q, want %q", got, good)
	}
	for p, m := range mtimes(t, dir) {
		if changed := !m.Equal(before[p]); changed != (p == GitattributesName) {
			t.Errorf("%s rewritten = %v", p, changed)
		}
	}
}

func TestGitattributesRefused(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		action Action
	}{
		{"BEGIN without END", func(t *testing.T, dir string) {
			writeFile(t, dir, GitattributesName, "x\n"+BlockBegin+"\n/a linguist-generated=true\n")
		}, Foreign},
		{"END before BEGIN", func(t *testing.T, dir string) {
			writeFile(t, dir, GitattributesName, BlockEnd+"\n"+BlockBegin+"\n")
		}, Foreign},
		{"two blocks", func(t *testing.T, dir string) {
			b := BlockBegin + "\n" + BlockEnd + "\n"
			writeFile(t, dir, GitattributesName, b+b)
		}, Foreign},
		{"symlink", func(t *testing.T, dir string) {
			writeFile(t, dir, "attrs", "")
			symlink(t, "attrs", filepath.Join(dir, GitattributesName))
		}, Escape},
		{"directory", func(t *testing.T, dir string) {
			writeFile(t, dir, GitattributesName+"/x", "")
		}, Foreign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			before := readTree(t, dir)
			p := plan(t, dir, gen("a", "a\n"), Options{Force: true})
			c := p.Conflicts()
			if len(c) != 1 || c[0].Path != GitattributesName || c[0].Action != tc.action {
				t.Fatalf("conflicts = %v", c)
			}
			assertConflictError(t, p.Apply(), GitattributesName)
			if after := readTree(t, dir); len(after) != len(before) {
				t.Fatalf("tree modified: %q", after)
			}
		})
	}
}

func TestGitattrPattern(t *testing.T) {
	for path, want := range map[string]string{
		"a.nix":             "/a.nix",
		".sops.yaml":        "/.sops.yaml",
		"dir/sub/x.nix":     "/dir/sub/x.nix",
		"a*b?.nix":          `/a\*b\?.nix`,
		"x[1].nix":          `/x\[1].nix`,
		"with space/a.nix":  `"/with space/a.nix"`,
		"with space/a*.nix": `"/with space/a\\*.nix"`,
		`quote"d`:           `"/quote\"d"`,
		"#hash":             "/#hash",
		"!bang":             "/!bang",
		"ünïcödé/ファイル.nix":  "/ünïcödé/ファイル.nix",
	} {
		if got := gitattrPattern(path); got != want {
			t.Errorf("gitattrPattern(%q) = %s, want %s", path, got, want)
		}
	}
}

// TestGitattributesWithGit asks git itself which files the block marks.
func TestGitattributesWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	files := gen(
		"a.nix", "", "sub/a.nix", "", "x[1].nix", "", "star*.nix", "",
		"with space/q\"uote.nix", "", "#hash", "", "!bang", "", "deep/er/f.yaml", "",
	)
	render(t, dir, files, Options{})
	writeFile(t, dir, "sub/deep/a.nix", "") // same base name as a generated file
	writeFile(t, dir, "x1.nix", "")         // would match an unescaped x[1].nix
	writeFile(t, dir, "starXX.nix", "")     // would match an unescaped star*.nix

	cmd := exec.Command(git, "init", "-q")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	want := map[string]bool{ManifestName: true, "sub/deep/a.nix": false, "x1.nix": false, "starXX.nix": false, "with space/q\"uote.nix": true}
	for _, f := range files {
		want[f.Path] = true
	}
	for path, generated := range want {
		cmd := exec.Command(git, "check-attr", "-z", "linguist-generated", "--", path)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git check-attr %s: %v", path, err)
		}
		fields := strings.Split(string(out), "\x00")
		if len(fields) < 3 {
			t.Fatalf("git check-attr output %q", out)
		}
		if got := fields[2] == "true"; got != generated {
			t.Errorf("%s: linguist-generated=%s, want generated=%v", path, fields[2], generated)
		}
	}
}
