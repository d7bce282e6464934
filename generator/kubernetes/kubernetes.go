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
// the disk.
package kubernetes

import (
	"fmt"
	"regexp"
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

// Render returns the bootstrap module, the kubenix modules, the manifests
// script and .sops.yaml for c, sorted by path. c must be a validated model;
// an error means hlcgen itself is at fault (or a rule is missing from
// package validate) and is reported as an internal error.
func Render(c *model.Cluster) ([]generator.File, error) {
	var files []generator.File

	boot, err := renderBootstrap(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", BootstrapModulePath, err)
	}
	files = append(files, boot)

	kube, err := renderKubenix(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KubenixDir, err)
	}
	files = append(files, kube...)

	sops, err := renderSopsConfig(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SopsConfigPath, err)
	}
	files = append(files, sops)

	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// nixFile renders a generated .nix file with the standard header.
func nixFile(path string, e nix.Expr) generator.File {
	return generator.File{Path: path, Content: nix.File(generator.Header, e)}
}

// module returns the kubenix/NixOS module function `{ <params>, ... }: body`.
func module(body nix.Expr, params ...string) nix.Expr {
	return nix.Lambda(params, true, body)
}

// Names Kubernetes accepts (k8s.io/apimachinery validation): a DNS-1123
// label for namespaces and Helm releases, a DNS-1123 subdomain for other
// object names.
var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

func checkLabel(what, name string) error {
	if !dnsLabel.MatchString(name) {
		return fmt.Errorf("%s %q is not a valid Kubernetes name (lowercase letters, digits and '-', at most 63 characters)", what, name)
	}
	return nil
}

func checkSubdomain(what, name string) error {
	if len(name) > 253 || !dnsSubdomain.MatchString(name) {
		return fmt.Errorf("%s %q is not a valid Kubernetes name (lowercase DNS subdomain)", what, name)
	}
	return nil
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
