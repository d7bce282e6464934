package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/internal/testtool"
)

// newRepo makes a Git work tree in a temporary directory, isolated from
// the user's and the system's Git configuration.
func newRepo(t *testing.T) string {
	t.Helper()
	testtool.Require(t, "git")
	dir := t.TempDir()
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(dir, ".gitconfig-none"))
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	for _, kv := range os.Environ() {
		// go test may run inside a Git hook, which sets GIT_DIR and others.
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "GIT_") && !strings.HasPrefix(k, "GIT_CONFIG_") && k != "GIT_CEILING_DIRECTORIES" {
			t.Setenv(k, "") // restored after the test
			os.Unsetenv(k)
		}
	}
	git(t, dir, "init", "-q")
	return dir
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %q: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, dir, rel string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(rel+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUntracked: files that exist but are not in the index are untracked,
// ignored ones included; tracked, staged and missing files are not; names
// with glob characters name only themselves; paths are relative to the
// directory Open was given, even below the work tree's top.
func TestUntracked(t *testing.T) {
	top := newRepo(t)
	for _, f := range []string{"lab/hardware/cp1.nix", "lab/hardware/cp2.nix", "lab/hardware/a*.nix", "lab/hardware/ab.nix", "lab/secrets/cluster.yaml", "lab/.gitignore", "lab/result.nix"} {
		write(t, top, f)
	}
	if err := os.WriteFile(filepath.Join(top, "lab/.gitignore"), []byte("result.nix\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, top, "add", "lab/hardware/cp1.nix", "lab/.gitignore")
	git(t, top, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one")
	git(t, top, "add", "lab/secrets/cluster.yaml") // staged, not committed: tracked

	r, err := Open(filepath.Join(top, "lab"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Untracked([]string{"hardware/cp1.nix", "hardware/cp2.nix", "hardware/a*.nix", "secrets/cluster.yaml", "result.nix", "hardware/missing.nix"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"hardware/a*.nix", "hardware/cp2.nix", "result.nix"}; !slices.Equal(got, want) {
		t.Fatalf("Untracked = %q, want %q", got, want)
	}
	if got, err := r.Untracked(nil); err != nil || got != nil {
		t.Fatalf("Untracked(nil) = %q, %v", got, err)
	}
}

// TestUntrackedMany: paths are asked in batches; none is lost between them.
func TestUntrackedMany(t *testing.T) {
	dir := newRepo(t)
	var paths, want []string
	for i := range 2500 {
		p := fmt.Sprintf("hardware/node-with-a-rather-long-name-%04d.nix", i)
		paths = append(paths, p)
		if i%500 == 7 {
			write(t, dir, p)
			want = append(want, p)
		}
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Untracked(paths)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Untracked = %q, want %q", got, want)
	}
}

func TestOpenOutsideAWorkTree(t *testing.T) {
	testtool.Require(t, "git")
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	t.Setenv("GIT_DIR", "")
	os.Unsetenv("GIT_DIR")
	if _, err := Open(dir); !errors.Is(err, ErrNotRepository) {
		t.Fatalf("Open = %v, want ErrNotRepository", err)
	}
}
