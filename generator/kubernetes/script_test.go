package kubernetes

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
)

// TestManifestsScript runs kubernetes/manifests.sh with a stand-in `nix`
// that prints the path of a prebuilt manifests file, and checks that the
// file lands under the Flux path, even one full of shell metacharacters.
func TestManifestsScript(t *testing.T) {
	sh := testtool.Require(t, "sh")
	for _, fluxPath := range []string{"kubernetes/manifests", "clusters/it's a $HOME `x` \"y\""} {
		c := load(t, "../../cluster.hcl")
		c.Flux.Path = fluxPath
		f, err := renderManifestsScript(c)
		if err != nil {
			t.Fatal(err)
		}

		root := t.TempDir()
		bin := t.TempDir()
		built := filepath.Join(t.TempDir(), "result.yaml")
		if err := os.WriteFile(built, []byte("kind: Namespace\n"), 0o444); err != nil {
			t.Fatal(err)
		}
		argsFile := filepath.Join(bin, "args")
		fakeNix := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + shellQuote(argsFile) + "\necho " + shellQuote(built) + "\n"
		if err := os.WriteFile(filepath.Join(bin, "nix"), []byte(fakeNix), 0o755); err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(script, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}

		// Twice: the second run must replace the read-only copy.
		for i := 0; i < 2; i++ {
			cmd := exec.Command(sh, script)
			cmd.Dir = t.TempDir() // the script finds the repository itself
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", fluxPath, err, out)
			}
		}
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(fluxPath), ManifestsFile))
		if err != nil {
			t.Fatalf("%s: manifests not written: %v", fluxPath, err)
		}
		if string(got) != "kind: Namespace\n" {
			t.Errorf("%s: wrote %q", fluxPath, got)
		}
		args, _ := os.ReadFile(argsFile)
		if !strings.Contains(string(args), "build\n") || !strings.Contains(string(args), root+"#manifests\n") {
			t.Errorf("nix called with %q, want a build of %s#manifests", args, root)
		}
	}

	// Without a flux block the manifests go where the flake's app puts them.
	c := &model.Cluster{}
	f, err := renderManifestsScript(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(f.Content), `dest="$root"/'kubernetes/manifests/all.yaml'`) {
		t.Errorf("no-flux destination:\n%s", f.Content)
	}
}
