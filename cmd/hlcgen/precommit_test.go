package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/writer"
)

// shippedHooks reads the repository's .pre-commit-hooks.yaml, the hook
// definitions users get from `repo: https://github.com/hlcgen/hlcgen`.
func shippedHooks(t *testing.T) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []map[string]any
	if err := yaml.Unmarshal(raw, &hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	return hooks
}

func hookByID(t *testing.T, hooks []map[string]any, id string) map[string]any {
	t.Helper()
	for _, h := range hooks {
		if h["id"] == id {
			return h
		}
	}
	t.Fatalf(".pre-commit-hooks.yaml has no hook %q", id)
	return nil
}

// TestPreCommitHookDefinitions: the shipped hooks are the four documented
// ones, built by pre-commit from this repository (language golang, so the
// entry is the hlcgen binary), run once per commit on the whole repository.
func TestPreCommitHookDefinitions(t *testing.T) {
	hooks := shippedHooks(t)
	want := map[string]string{
		"hlcgen-check":        "hlcgen check",
		"hlcgen-validate":     "hlcgen validate",
		"hlcgen-render-check": "hlcgen render --check",
		"hlcgen-fmt-check":    "hlcgen fmt --check",
	}
	if len(hooks) != len(want) {
		t.Errorf("%d hooks, want %d", len(hooks), len(want))
	}
	for id, entry := range want {
		h := hookByID(t, hooks, id)
		if h["entry"] != entry || h["language"] != "golang" || h["pass_filenames"] != false {
			t.Errorf("hook %s = %v, want entry %q, language golang, pass_filenames false", id, h, entry)
		}
		if _, err := regexp.Compile(h["files"].(string)); err != nil {
			t.Errorf("hook %s: files: %v", id, err)
		}
	}
}

// TestPreCommitHookFiles: each hook runs when a commit touches what it
// checks, and only then. pre-commit matches `files` with Python's
// re.search; these patterns mean the same in Go's regexp.
func TestPreCommitHookFiles(t *testing.T) {
	hooks := shippedHooks(t)
	files := func(id string) *regexp.Regexp {
		return regexp.MustCompile(hookByID(t, hooks, id)["files"].(string))
	}
	all, validate, check, fmtCheck := files("hlcgen-check"), files("hlcgen-validate"), files("hlcgen-render-check"), files("hlcgen-fmt-check")

	// Every file a render of the reference spec writes, and the
	// bookkeeping the writer keeps, triggers the render check: a hand
	// edit to any of them must be caught.
	src, err := os.ReadFile("../../cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Spec("cluster.hcl", src, nil)
	if err != nil || res.Diags.HasErrors() {
		t.Fatalf("render: %v %v", err, res.Diags)
	}
	outputs := []string{writer.ManifestName, writer.GitattributesName}
	for _, f := range res.Files {
		outputs = append(outputs, f.Path)
	}
	for _, p := range outputs {
		if !check.MatchString(p) || !all.MatchString(p) {
			t.Errorf("hlcgen-render-check and hlcgen-check must both run when %s changes", p)
		}
	}

	inputs := []string{"cluster.hcl", "infra/cluster.hcl", "hardware/cp1.nix", "custom/rack-b-power.nix", "modules/x.nix"}
	for _, p := range inputs {
		if !validate.MatchString(p) || !check.MatchString(p) || !all.MatchString(p) {
			t.Errorf("hlcgen-validate, hlcgen-render-check and hlcgen-check must all run when %s changes", p)
		}
	}
	if !fmtCheck.MatchString("cluster.hcl") || !fmtCheck.MatchString("infra/cluster.hcl") {
		t.Errorf("hlcgen-fmt-check does not run when cluster.hcl changes")
	}

	unrelated := []string{"README.md", "docs/cluster.hcl.md", "mycluster.hcl", "secrets/cluster.yaml", "Makefile", ".pre-commit-config.yaml", "notes/generated.txt"}
	for _, p := range unrelated {
		for id, re := range map[string]*regexp.Regexp{"hlcgen-check": all, "hlcgen-validate": validate, "hlcgen-render-check": check, "hlcgen-fmt-check": fmtCheck} {
			if re.MatchString(p) {
				t.Errorf("%s runs when %s changes", id, p)
			}
		}
	}
	if fmtCheck.MatchString("hardware/cp1.nix") {
		t.Errorf("hlcgen-fmt-check runs when a Nix module changes")
	}
}

// preCommitRepo is a temporary Git repository holding the reference
// homelab, with real pre-commit installed. pre-commit cannot fetch this
// repository here (no network), so the hooks are installed as a local
// repository generated from .pre-commit-hooks.yaml: same ids, entries,
// files patterns and pass_filenames, with language system running an
// hlcgen built from this tree instead of language golang building one.
type preCommitRepo struct {
	t   *testing.T
	dir string
	env []string
}

// newPreCommitRepo sets up the repository with the shipped hooks ids.
func newPreCommitRepo(t *testing.T, ids ...string) *preCommitRepo {
	testtool.Require(t, "pre-commit")
	testtool.Require(t, "git")
	goTool := testtool.Require(t, "go")

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	build := exec.Command(goTool, "build", "-o", filepath.Join(bin, "hlcgen"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// A clean environment: no Git or pre-commit state from the caller (go
	// test may itself run inside a Git hook), a throwaway home and cache.
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "PRE_COMMIT") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "PATH=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+filepath.Join(tmp, "home"),
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit-cache"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=hlcgen", "GIT_AUTHOR_EMAIL=hlcgen@example.com",
		"GIT_COMMITTER_NAME=hlcgen", "GIT_COMMITTER_EMAIL=hlcgen@example.com",
		"NO_COLOR=1",
	)
	r := &preCommitRepo{t: t, dir: filepath.Join(tmp, "repo"), env: env}

	// The reference homelab.
	copyTree(t, "../../cluster.hcl", filepath.Join(r.dir, "cluster.hcl"))
	copyTree(t, "../../hardware", filepath.Join(r.dir, "hardware"))
	copyTree(t, "../../custom", filepath.Join(r.dir, "custom"))
	writeFile(t, filepath.Join(r.dir, ".pre-commit-config.yaml"), localHookConfig(t, ids...))
	writeFile(t, filepath.Join(r.dir, "README.md"), []byte("A homelab.\n"))

	r.must("git", "init", "-q")
	if out := r.must("pre-commit", "install"); !strings.Contains(out, "pre-commit installed") {
		t.Fatalf("pre-commit install: %s", out)
	}
	return r
}

// run runs a command in the repository and returns its combined output.
func (r *preCommitRepo) run(name string, args ...string) (string, error) {
	c := exec.Command(name, args...)
	c.Dir, c.Env = r.dir, r.env
	out, err := c.CombinedOutput()
	return string(out), err
}

// must is run, failing the test when the command fails.
func (r *preCommitRepo) must(name string, args ...string) string {
	r.t.Helper()
	out, err := r.run(name, args...)
	if err != nil {
		r.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (r *preCommitRepo) commits() string {
	return strings.TrimSpace(r.must("git", "rev-list", "--count", "HEAD"))
}

// TestPreCommit runs real pre-commit with the three separate hooks
// (hlcgen-validate, hlcgen-render-check, hlcgen-fmt-check).
func TestPreCommit(t *testing.T) {
	r := newPreCommitRepo(t, "hlcgen-validate", "hlcgen-render-check", "hlcgen-fmt-check")
	cmd, must, commits, repo := r.run, r.must, r.commits, r.dir

	// Rendered and committed together: every hook passes. (fmt first:
	// the format check is one of the hooks, and the reference spec's
	// layout is not what this test is about.)
	must("hlcgen", "fmt")
	must("hlcgen", "render")
	must("git", "add", "-A")
	out := must("git", "commit", "-m", "homelab")
	for _, name := range []string{"hlcgen validate", "hlcgen render --check", "hlcgen fmt --check"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\.+Passed$`).MatchString(out) {
			t.Errorf("first commit: hook %q did not pass:\n%s", name, out)
		}
	}

	// cluster.hcl changed without rendering: the render check rejects the
	// commit and says what to run.
	spec := filepath.Join(repo, "cluster.hcl")
	replaceInFile(t, spec, `address          = "10.10.10.11"`, `address          = "10.10.10.19"`)
	must("git", "add", "cluster.hcl")
	out, err := cmd("git", "commit", "-m", "move cp1")
	if err == nil {
		t.Fatalf("commit of an unrendered spec change passed:\n%s", out)
	}
	for _, want := range []string{"hlcgen render --check", "Failed", "update generated/hosts/cp1/default.nix: changed", "run `hlcgen render` and commit the result"} {
		if !strings.Contains(out, want) {
			t.Errorf("rejected commit: output lacks %q:\n%s", want, out)
		}
	}
	if n := commits(); n != "1" {
		t.Fatalf("%s commits after a rejected commit, want 1", n)
	}

	// Rendered: the commit passes.
	must("hlcgen", "render")
	must("git", "add", "-A")
	out = must("git", "commit", "-m", "move cp1")
	if !regexp.MustCompile(`(?m)^hlcgen render --check\.+Passed$`).MatchString(out) {
		t.Errorf("rendered commit: render check did not pass:\n%s", out)
	}

	// A hand edit to a generated file is rejected too.
	hostFile := filepath.Join(repo, "generated", "hosts", "cp2", "default.nix")
	replaceInFile(t, hostFile, "useDHCP = false;", "useDHCP = true;")
	must("git", "add", "-A")
	out, err = cmd("git", "commit", "-m", "tweak cp2")
	if err == nil || !strings.Contains(out, "edited generated/hosts/cp2/default.nix") {
		t.Errorf("commit of a hand-edited generated file: err %v, output:\n%s", err, out)
	}
	must("git", "reset", "-q", "--hard")

	// An unformatted spec is rejected by the format check alone.
	replaceInFile(t, spec, `domain        = "home.arpa"`, `domain = "home.arpa"`)
	must("git", "add", "-A")
	out, err = cmd("git", "commit", "-m", "unformatted")
	if err == nil || !regexp.MustCompile(`(?m)^hlcgen fmt --check\.+Failed$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^hlcgen validate\.+Passed$`).MatchString(out) {
		t.Errorf("commit of an unformatted spec: err %v, output:\n%s", err, out)
	}
	must("git", "reset", "-q", "--hard")

	// A commit touching nothing the hooks check skips them.
	writeFile(t, filepath.Join(repo, "README.md"), []byte("A homelab, documented.\n"))
	must("git", "add", "-A")
	out = must("git", "commit", "-m", "docs")
	if n := strings.Count(out, "(no files to check)Skipped"); n != 3 {
		t.Errorf("documentation commit: %d hooks skipped, want 3:\n%s", n, out)
	}
	if n := commits(); n != "3" {
		t.Errorf("%s commits, want 3", n)
	}
}

// TestPreCommitCheck runs real pre-commit with hlcgen-check alone, the hook
// `hlcgen init` configures: one run, one hook line, and a module file the
// spec names but that is not added is caught, which pre-commit, leaving
// untracked files in place, would otherwise let through.
func TestPreCommitCheck(t *testing.T) {
	r := newPreCommitRepo(t, "hlcgen-check")
	passed := regexp.MustCompile(`(?m)^hlcgen check\.+Passed$`)
	failed := regexp.MustCompile(`(?m)^hlcgen check\.+Failed$`)

	r.must("hlcgen", "fmt")
	r.must("hlcgen", "render")
	r.must("git", "add", "-A")
	out := r.must("git", "commit", "-m", "homelab")
	if !passed.MatchString(out) || strings.Count(out, "Passed") != 1 {
		t.Errorf("first commit: want hlcgen check, alone, passing:\n%s", out)
	}

	// A new node whose hardware module is written but not added.
	spec := filepath.Join(r.dir, "cluster.hcl")
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, spec, append(b, []byte(`
node "w3" {
  role      = "worker"
  address   = "10.10.10.23"
  interface = "eno1"
  age_key   = "age1s7c8rs6mw4wjxvcrcjn2fhsm5dhgu7ekx9q3gj0f435q4mvg75rsw4uay3"
  hardware  = "hardware/w3.nix"
}
`)...))
	writeFile(t, filepath.Join(r.dir, "hardware", "w3.nix"), []byte("{ ... }: { }\n"))
	r.must("hlcgen", "fmt")
	r.must("hlcgen", "render")
	r.must("git", "add", "cluster.hcl", "generated", ".sops.yaml", ".hlcgen-manifest.json", ".gitattributes")
	out, err = r.run("git", "commit", "-m", "w3")
	if err == nil || !failed.MatchString(out) {
		t.Fatalf("commit without hardware/w3.nix: err %v, want hlcgen check to fail:\n%s", err, out)
	}
	for _, want := range []string{"error[HLC094]: Module or secrets file not tracked by Git", "`git add hardware/w3.nix`: a fresh clone would not have it"} {
		if !strings.Contains(out, want) {
			t.Errorf("rejected commit: output lacks %q:\n%s", want, out)
		}
	}
	if n := r.commits(); n != "1" {
		t.Fatalf("%s commits after a rejected commit, want 1", n)
	}

	// Added: the commit passes.
	r.must("git", "add", "hardware/w3.nix")
	out = r.must("git", "commit", "-m", "w3")
	if !passed.MatchString(out) {
		t.Errorf("commit with hardware/w3.nix: hlcgen check did not pass:\n%s", out)
	}

	// The same run rejects an unrendered change and an unformatted spec,
	// and says what to do about each.
	replaceInFile(t, spec, `address          = "10.10.10.11"`, `address = "10.10.10.19"`)
	r.must("git", "add", "cluster.hcl")
	out, err = r.run("git", "commit", "-m", "move cp1")
	for _, want := range []string{"update generated/hosts/cp1/default.nix: changed", "run `hlcgen render` and commit the result", "cluster.hcl is not formatted: run `hlcgen fmt --file cluster.hcl`"} {
		if err == nil || !failed.MatchString(out) || !strings.Contains(out, want) {
			t.Errorf("commit of an unrendered, unformatted change: err %v, output lacks %q:\n%s", err, want, out)
		}
	}
	if n := r.commits(); n != "2" {
		t.Errorf("%s commits, want 2", n)
	}
}

// localHookConfig turns the shipped hook definitions with the given ids into
// a .pre-commit-config.yaml with a local repository: every field kept, only
// the language changed to system (run hlcgen from PATH).
func localHookConfig(t *testing.T, ids ...string) []byte {
	t.Helper()
	var hooks []map[string]any
	for _, id := range ids {
		hooks = append(hooks, hookByID(t, shippedHooks(t), id))
	}
	for _, h := range hooks {
		entry, _ := h["entry"].(string)
		if h["language"] != "golang" || !strings.HasPrefix(entry, "hlcgen ") {
			t.Fatalf("hook %v: want language golang and an hlcgen entry", h)
		}
		h["language"] = "system"
	}
	out, err := yaml.Marshal(map[string]any{"repos": []any{map[string]any{"repo": "local", "hooks": hooks}}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyTree copies a file or a directory of files.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeFile(t, dst, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func replaceInFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	writeFile(t, path, bytes.Replace(b, []byte(old), []byte(new), 1))
}
