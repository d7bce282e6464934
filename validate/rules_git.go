package validate

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/hashicorp/hcl/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// Tracker tells which files Git tracks; gitrepo.Repo is one.
type Tracker interface {
	// Untracked returns those of paths (relative to the spec's directory)
	// that exist but that Git does not track.
	Untracked(paths []string) ([]string, error)
}

// CheckTracked reports (HLC094, with severity sev) every hand-written file
// the spec names that exists next to cluster.hcl (in repo) but that Git does
// not track: a module (hardware, extra_modules, group modules), the
// cluster's, the nodes' or Tailscale's sops file, or a node's own secrets
// file. It passes every check on this machine, but a fresh clone, CI, and a
// flake (which sees only tracked files) would not have it; pre-commit, which
// stashes unstaged changes but leaves untracked files in place, would not
// notice either.
//
// validate reports it as a warning; `render --check` and `hlcgen check`,
// which guard what is committed, as an error. c is Validate's model; files
// whose paths validation refused are skipped. Asking Git is the caller's
// business: without Git, or outside a work tree, there is nothing to check.
// The error is Git's.
func CheckTracked(spec *load.Spec, c *model.Cluster, repo fs.FS, git Tracker, sev diag.Severity) (diag.Diagnostics, error) {
	if c == nil || repo == nil || git == nil {
		return nil, nil
	}
	rc := &ruleContext{spec: spec, c: c, repo: repo}
	type named struct {
		file   string
		at     hcl.Range
		detail string
	}
	var refs []named
	add := func(file string, at hcl.Range, owner, why string) {
		if !fs.ValidPath(file) {
			return // absolute, or leaves the directory: refused by validation
		}
		if info, err := fs.Stat(repo, file); err != nil || !info.Mode().IsRegular() {
			return // missing (HLC091), or a secrets file not written yet
		}
		refs = append(refs, named{file, at, fmt.Sprintf("%s %q is not tracked by Git: `git add %s`%s.", owner, file, file, why)})
	}

	for _, m := range rc.moduleRefs() {
		if m.file != "" && modulePathProblem(m.file) == "" {
			add(m.file, rc.value(m.path...), m.owner,
				": a fresh clone would not have it, and a flake, which sees only the files Git tracks, cannot import it")
		}
	}
	const secret = " once sops has encrypted it (never commit a secret in plain text): a fresh clone would not have it"
	for _, f := range []struct{ file, attr, what string }{
		{c.Secrets.SopsFile, "sops_file", "the cluster sops file"},
		{c.Secrets.NodesSopsFile, "nodes_sops_file", "the nodes' sops file"},
		{c.Secrets.TailscaleSopsFile, "tailscale_sops_file", "the Tailscale sops file"},
	} {
		if f.file != "" && !hasDotDot(f.file) {
			add(path.Clean(f.file), rc.value("secrets", f.attr), f.what, secret)
		}
	}
	for _, n := range c.NodeNames() {
		add(model.HostSecretsFile(n), rc.name("nodes", n), fmt.Sprintf("node %q's secrets file", n), secret)
	}
	if len(refs) == 0 {
		return nil, nil
	}

	var files []string
	seen := map[string]bool{}
	for _, r := range refs {
		if !seen[r.file] {
			seen[r.file] = true
			files = append(files, r.file)
		}
	}
	untracked, err := git.Untracked(files)
	if err != nil {
		return nil, err
	}
	isUntracked := map[string]bool{}
	for _, f := range untracked {
		isUntracked[f] = true
	}
	var ds diag.Diagnostics
	for _, r := range refs {
		if isUntracked[r.file] {
			d := diag.New(diag.Untracked, r.at, "%s", r.detail)
			d.Severity = sev
			ds = append(ds, d)
		}
	}
	ds.Sort()
	return ds, nil
}
