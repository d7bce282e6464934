package scaffold_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"filippo.io/age"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"

	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/scaffold"
	"github.com/hlcgen/hlcgen/validate"
)

const testRev = "v1.2.3"

func starter(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var paths []string
	for _, f := range scaffold.Files(testRev) {
		if _, dup := out[f.Path]; dup {
			t.Fatalf("%s scaffolded twice", f.Path)
		}
		out[f.Path] = f.Content
		paths = append(paths, f.Path)
	}
	if !slices.IsSorted(paths) {
		t.Errorf("Files is not sorted by path: %q", paths)
	}
	return out
}

// TestStarterValidates: the starter cluster.hcl is valid as written, without
// a single warning, its module files exist among the scaffolded ones, and it
// renders.
func TestStarterValidates(t *testing.T) {
	files := starter(t)
	repo := fstest.MapFS{}
	for p, b := range files {
		repo[p] = &fstest.MapFile{Data: b}
	}
	spec, c, ds := validate.Load("cluster.hcl", files["cluster.hcl"], repo)
	for _, d := range ds {
		t.Errorf("cluster.hcl:%d: %s[%s] %s: %s", d.Subject.Start.Line, d.Severity, d.Code, d.Summary, d.Detail)
	}
	if t.Failed() {
		return
	}
	if got := c.NodeNames(); !slices.Equal(got, scaffold.StarterNodes) {
		t.Errorf("nodes %q, want scaffold.StarterNodes %q", got, scaffold.StarterNodes)
	}
	if got := c.ControlPlaneNodes(); len(got) != 3 {
		t.Errorf("control-plane nodes %q, want three", got)
	}
	res, err := pipeline.Spec("cluster.hcl", spec.Src, repo)
	if err != nil || res.Diags.HasErrors() {
		t.Fatalf("render: %v %v", err, res.Diags)
	}
	for _, f := range res.Files {
		if _, clash := files[f.Path]; clash {
			t.Errorf("%s is both scaffolded (the user's) and generated (hlcgen's)", f.Path)
		}
	}
}

// TestStarterFormatted: `hlcgen fmt --check` (a pre-commit hook) passes on
// the starter.
func TestStarterFormatted(t *testing.T) {
	src := starter(t)["cluster.hcl"]
	if got := hclwrite.Format(src); !bytes.Equal(got, src) {
		t.Errorf("the starter cluster.hcl is not in canonical format; run hlcgen fmt on templates/init/cluster.hcl")
	}
}

// TestPlaceholders: every key in the starter parses with the library its
// consumer uses, and is marked PLACEHOLDER on its line or in the comment
// just above, so that nobody mistakes it for their own.
func TestPlaceholders(t *testing.T) {
	src := string(starter(t)["cluster.hcl"])
	lines := strings.Split(src, "\n")
	marked := func(i int) bool {
		for j := i; j >= 0 && j >= i-3; j-- {
			if strings.Contains(lines[j], "PLACEHOLDER") {
				return true
			}
			if j < i && !strings.HasPrefix(strings.TrimSpace(lines[j]), "#") {
				return false
			}
		}
		return false
	}
	ageKey := regexp.MustCompile(`age1[0-9a-z]{58}`)
	sshKey := regexp.MustCompile(`"(ssh-ed25519 [^"]+)"`)
	var ages, sshs int
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, k := range ageKey.FindAllString(line, -1) {
			ages++
			if _, err := age.ParseX25519Recipient(k); err != nil {
				t.Errorf("line %d: age recipient %s: %v", i+1, k, err)
			}
			if !marked(i) {
				t.Errorf("line %d: age recipient %s is not marked PLACEHOLDER", i+1, k)
			}
		}
		for _, m := range sshKey.FindAllStringSubmatch(line, -1) {
			sshs++
			if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(m[1])); err != nil {
				t.Errorf("line %d: SSH key: %v", i+1, err)
			}
			if !marked(i) {
				t.Errorf("line %d: SSH key is not marked PLACEHOLDER", i+1)
			}
		}
	}
	// Three nodes and one admin; one admin SSH key.
	if ages != 4 || sshs != 1 {
		t.Errorf("found %d age recipients and %d SSH keys, want 4 and 1", ages, sshs)
	}
}

// TestHardwareModules: one placeholder module per starter node, naming it,
// with every marker substituted.
func TestHardwareModules(t *testing.T) {
	files := starter(t)
	var hw []string
	for p, b := range files {
		if strings.Contains(string(b), "@NODE@") || strings.Contains(string(b), "@VERSION@") {
			t.Errorf("%s still holds a template marker", p)
		}
		if strings.HasPrefix(p, "hardware/") {
			hw = append(hw, p)
		}
	}
	slices.Sort(hw)
	var want []string
	for _, n := range scaffold.StarterNodes {
		p := "hardware/" + n + ".nix"
		want = append(want, p)
		if !strings.Contains(string(files[p]), "run on "+n) {
			t.Errorf("%s does not name its node", p)
		}
	}
	if !slices.Equal(hw, want) {
		t.Errorf("hardware modules %q, want %q", hw, want)
	}
}

// TestReferenceCopies: flake.nix and Makefile are the repository's own,
// which the repository's tests exercise. After changing those, run
// `go generate ./scaffold`.
func TestReferenceCopies(t *testing.T) {
	files := starter(t)
	for _, name := range []string{"flake.nix", "Makefile"} {
		ref, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(files[name], ref) {
			t.Errorf("templates/init/%s differs from the repository's %s: run `go generate ./scaffold`", name, name)
		}
	}
}

// TestNixParses: every scaffolded Nix file is syntactically valid Nix.
func TestNixParses(t *testing.T) {
	testtool.Nix(t)
	dir := t.TempDir()
	for p, b := range starter(t) {
		if !strings.HasSuffix(p, ".nix") {
			continue
		}
		file := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		testtool.NixInstantiate(t, "--parse", file)
	}
}

// TestPreCommitConfig: the scaffolded config uses hlcgen-check, one of the
// hooks this repository ships, at the given revision.
func TestPreCommitConfig(t *testing.T) {
	var cfg struct {
		Repos []struct {
			Repo  string `yaml:"repo"`
			Rev   string `yaml:"rev"`
			Hooks []struct {
				ID string `yaml:"id"`
			} `yaml:"hooks"`
		} `yaml:"repos"`
	}
	if err := yaml.Unmarshal(starter(t)[".pre-commit-config.yaml"], &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Repos) != 1 || cfg.Repos[0].Repo != "https://github.com/hlcgen/hlcgen" || cfg.Repos[0].Rev != testRev {
		t.Fatalf("repos = %+v, want the hlcgen repository at %s", cfg.Repos, testRev)
	}
	var ids []string
	for _, h := range cfg.Repos[0].Hooks {
		ids = append(ids, h.ID)
	}

	raw, err := os.ReadFile("../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var shipped []struct {
		ID string `yaml:"id"`
	}
	if err := yaml.Unmarshal(raw, &shipped); err != nil {
		t.Fatal(err)
	}
	var shippedIDs []string
	for _, h := range shipped {
		shippedIDs = append(shippedIDs, h.ID)
	}
	if !slices.Equal(ids, []string{"hlcgen-check"}) || !slices.Contains(shippedIDs, "hlcgen-check") {
		t.Errorf("scaffolded hooks %q, want hlcgen-check alone, one of the shipped %q", ids, shippedIDs)
	}
}
