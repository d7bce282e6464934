// Package nixos renders the NixOS half of the repository from a validated
// cluster model:
//
//	generated/config/default.nix         cluster data (no functions, no secrets)
//	generated/modules/common.nix         users, SSH, sops-nix: every node
//	generated/modules/k8s-common.nix     k3s, kernel and firewall: every k3s node
//	generated/modules/k8s-control-plane.nix  k3s server, HAProxy, Keepalived
//	generated/modules/k8s-worker.nix     k3s agent
//	generated/hosts/<node>/default.nix   one module per node: imports and
//	                                     everything that differs per node
//	generated/default.nix                nixosConfigurations and deploy-rs
//	                                     nodes, a function of the flake inputs
//
// generated/modules/k8s-bootstrap.nix, imported by the control-plane module,
// is written by generator/kubernetes.
//
// Every file is built from printer expressions (package nix), so every value
// from cluster.hcl is escaped on its way into Nix.
//
// Render trusts its input: the model comes from validation, which alone
// judges the spec. A value validation should have refused is a bug that the
// fuzzer's "a valid spec renders" property (pipeline.FuzzRender) exists to
// find; the generator does not check it a second time.
package nixos

import (
	"path"
	"sort"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// Output paths, relative to the repository root.
const (
	configFile   = "generated/config/default.nix"
	flakeFile    = "generated/default.nix"
	modulesDir   = "generated/modules"
	hostsDir     = "generated/hosts"
	commonModule = "common.nix"
	k8sModule    = "k8s-common.nix"
	serverModule = "k8s-control-plane.nix"
	agentModule  = "k8s-worker.nix"
	vrrpInstance = "k8s-api"
)

// Render returns the NixOS files for c, sorted by path, for an output
// directory that is the spec's directory. c must be a valid, fully defaulted
// model.
func Render(c *model.Cluster) []generator.File { return RenderAt(c, generator.Layout{}) }

// RenderAt is Render for the output directory l describes: the paths that
// name hand-written files (hardware, modules, sops files) lead from each
// generated file to the spec's directory.
func RenderAt(c *model.Cluster, l generator.Layout) []generator.File {
	p := newPlan(c)
	p.layout = l
	files := []generator.File{
		nixFile(configFile, p.config()),
		nixFile(path.Join(modulesDir, commonModule), p.commonModule()),
	}
	if len(c.KubernetesNodes()) > 0 {
		files = append(files,
			nixFile(path.Join(modulesDir, k8sModule), p.k8sModule()),
			nixFile(path.Join(modulesDir, serverModule), p.serverModule()),
			nixFile(path.Join(modulesDir, agentModule), p.agentModule()),
		)
	}
	for _, name := range c.NodeNames() {
		files = append(files, nixFile(hostPath(name), p.hostModule(name)))
	}
	files = append(files, p.flakeFile())
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files
}

func nixFile(file string, e nix.Expr) generator.File {
	return generator.File{Path: file, Content: nix.File(generator.Header, e)}
}

func hostPath(node string) string { return path.Join(hostsDir, node, "default.nix") }

// plan is what Render works from: the model, and nothing derived a second
// time.
type plan struct {
	c      *model.Cluster
	layout generator.Layout // where hand-written files are (RenderAt)
}

func newPlan(c *model.Cluster) *plan { return &plan{c: c} }

// repoPath returns a path literal, relative to the generated file at from,
// for the repository file target (both relative to the repository root).
// Validation guarantees every path from cluster.hcl is clean, inside the
// repository and made of path-literal characters (HLC090, HLC054), so a
// path Nix cannot write is a bug, and panics.
func repoPath(from, target string) nix.Expr {
	e, err := nix.Path(relFrom(path.Dir(from), path.Clean(target)))
	if err != nil {
		panic("nixos: " + target + " cannot be written as a Nix path literal: " + err.Error())
	}
	return e
}

// relFrom returns the repository path target relative to the repository
// directory dir (both clean, slash-separated, inside the repository).
func relFrom(dir, target string) string {
	from := strings.Split(dir, "/")
	to := strings.Split(target, "/")
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	return strings.Repeat("../", len(from)-common) + strings.Join(to[common:], "/")
}

func strList(items []string) nix.Expr {
	es := make([]nix.Expr, len(items))
	for i, s := range items {
		es[i] = nix.String(s)
	}
	return nix.List(es...)
}

func intList(items []int) nix.Expr {
	es := make([]nix.Expr, len(items))
	for i, v := range items {
		es[i] = nix.Int(int64(v))
	}
	return nix.List(es...)
}

func dedupe(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// sopsSecret declares the sops-nix secret key, read from the sops file
// file (as cluster.hcl names it), in the module m written at from. sops-nix
// reads YAML by default and JSON when told.
func (p *plan) sopsSecret(m *nix.AttrSet, from, key, file string, restartUnits ...string) {
	s := nix.NewAttrs().Set("sopsFile", repoPath(from, p.layout.SpecFile(file)))
	if strings.HasSuffix(file, ".json") {
		s.Set("format", nix.String("json"))
	}
	if len(restartUnits) > 0 {
		s.Set("restartUnits", strList(restartUnits))
	}
	m.SetPath([]string{"sops", "secrets", key}, s)
}

// secretPath is the path of a decrypted sops-nix secret, as a string: a
// path literal would copy the file into the store.
func secretPath(key string) nix.Expr {
	return nix.Select(nix.Var("config"), "sops", "secrets", key, "path")
}

func uniqueInts(items []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, v := range items {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// joinAnd joins items as "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
