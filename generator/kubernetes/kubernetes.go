// Package kubernetes generates everything that puts workloads on the
// cluster, from a validated model:
//
//   - generated/modules/k8s-bootstrap.nix, a NixOS module every control-plane
//     node imports. It hands k3s, through its auto-deploy manifest
//     directory, what must exist before GitOps can work: the CNI (Cilium),
//     Flux, Flux's Git source and root Kustomization, the Rook operator, and
//     the age key Flux decrypts with (rendered by sops-nix at activation, so
//     it never enters the Nix store).
//   - kubernetes/kubenix/*.nix, kubenix modules describing the cluster's
//     steady state (namespaces, the Ceph cluster with its pools and storage
//     classes, the user's Helm releases as Flux objects), one module per
//     component. kubenix renders them to YAML that Flux applies from Git.
//   - .sops.yaml, the creation rules that decide who can decrypt which
//     secrets file.
//
// Like every generator, Render is pure: it returns files and never touches
// the disk. It trusts its input: the model comes from validation, which
// alone judges the spec (names Kubernetes accepts, one default storage
// class, Helm release names), so nothing here checks it again.
package kubernetes

import (
	"sort"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// Output paths, relative to the directory holding cluster.hcl.
const (
	// BootstrapModulePath is imported by generated/modules/k8s-control-plane.nix
	// as ./k8s-bootstrap.nix.
	BootstrapModulePath = "generated/modules/k8s-bootstrap.nix"
	// KubenixDir holds the kubenix modules; its default.nix is the module
	// the flake evaluates.
	KubenixDir = "kubernetes/kubenix"
	// SopsConfigPath is sops's configuration; sops looks for it in the
	// current directory and its parents.
	SopsConfigPath = ".sops.yaml"
)

// Render returns the bootstrap module, the kubenix modules and .sops.yaml
// for c, sorted by path, for an output directory that is the spec's
// directory. c must be a validated model.
func Render(c *model.Cluster) []generator.File { return RenderAt(c, generator.Layout{}) }

// RenderAt is Render for the output directory l describes: the cluster sops
// file is named from the bootstrap module and from .sops.yaml through l.
func RenderAt(c *model.Cluster, l generator.Layout) []generator.File {
	files := []generator.File{renderBootstrap(c, l)}
	files = append(files, renderKubenix(c)...)
	files = append(files, renderSopsConfig(c, l))
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files
}

// nixFile renders a generated .nix file with the standard header.
func nixFile(path string, e nix.Expr) generator.File {
	return generator.File{Path: path, Content: nix.File(generator.Header, e)}
}

// module returns the kubenix/NixOS module function `{ <params>, ... }: body`.
func module(body nix.Expr, params ...string) nix.Expr {
	return nix.Lambda(params, true, body)
}

// repoPath returns a path literal. Validation keeps every path from
// cluster.hcl clean, inside the repository and made of characters a path
// literal can hold (HLC054, HLC090), so a path Nix cannot write is a bug.
func repoPath(rel string) nix.Expr {
	e, err := nix.Path(rel)
	if err != nil {
		panic("kubernetes: " + rel + " cannot be written as a Nix path literal: " + err.Error())
	}
	return e
}

// meta returns `{ name = ...; namespace = ...; }`; namespace may be empty
// for cluster-scoped objects.
func meta(name, namespace string) *nix.AttrSet {
	m := nix.NewAttrs().Set("name", nix.String(name))
	if namespace != "" {
		m.Set("namespace", nix.String(namespace))
	}
	return m
}

func strList(items []string) nix.Expr {
	es := make([]nix.Expr, len(items))
	for i, s := range items {
		es[i] = nix.String(s)
	}
	return nix.List(es...)
}
