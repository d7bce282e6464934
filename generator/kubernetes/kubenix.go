package kubernetes

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// KubenixVersion is the kubenix `kubernetes.version` the modules are
// evaluated against. It must be one of the versions kubenix ships
// (hall/kubenix modules/generated/v<version>.nix); 1.32 is the k3s release
// nixos-25.05 installs by default.
const KubenixVersion = "1.32"

// customType is one entry of kubenix's kubernetes.customTypes. kubenix fails
// with "option does not exist" for any kind that is not declared there
// (hall/kubenix modules/k8s.nix, customResourceOptions).
type customType struct {
	group, version, kind, attrName string
}

func (t customType) apiVersion() string { return t.group + "/" + t.version }

// The custom kinds the kubenix modules use. The Flux API versions are the GA
// ones (Flux >= 2.3), which the pinned Flux chart serves.
var (
	helmRepositoryType = customType{"source.toolkit.fluxcd.io", "v1", "HelmRepository", "helmRepositories"}
	helmReleaseType    = customType{"helm.toolkit.fluxcd.io", "v2", "HelmRelease", "helmReleases"}
	cephClusterType    = customType{"ceph.rook.io", "v1", "CephCluster", "cephClusters"}
	cephBlockPoolType  = customType{"ceph.rook.io", "v1", "CephBlockPool", "cephBlockPools"}
	cephFilesystemType = customType{"ceph.rook.io", "v1", "CephFilesystem", "cephFilesystems"}
)

// Built-in resource attribute names (kubenix's camelCase plurals).
const (
	namespacesAttr     = "namespaces"
	storageClassesAttr = "storageClasses"
)

// Rook names. The operator runs in rookNamespace, which also prefixes the
// CSI driver names and is the clusterID of every StorageClass.
const (
	rookNamespace   = model.RookNamespace
	rookClusterName = "rook-ceph"
	rookChartRepo   = "https://charts.rook.io/release"
	rookChart       = "rook-ceph"
	// Data0Pool is the one data pool of every CephFilesystem; Rook names the
	// Ceph pool "<filesystem>-data0".
	data0Pool = "data0"
)

// kubenixModule is one generated file under kubernetes/kubenix.
type kubenixModule struct {
	file    string
	comment string
	// resources maps a kubenix resource attribute (namespaces,
	// helmReleases, ...) to its objects by name.
	resources map[string]map[string]nix.Expr
	types     []customType
}

func (m *kubenixModule) add(attr, name string, obj nix.Expr) error {
	if m.resources == nil {
		m.resources = map[string]map[string]nix.Expr{}
	}
	if m.resources[attr] == nil {
		m.resources[attr] = map[string]nix.Expr{}
	}
	if _, dup := m.resources[attr][name]; dup {
		return fmt.Errorf("two %s named %q", attr, name)
	}
	m.resources[attr][name] = obj
	return nil
}

func (m *kubenixModule) expr() nix.Expr {
	body := nix.NewAttrs()
	attrs := make([]string, 0, len(m.resources))
	for a := range m.resources {
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	for _, a := range attrs {
		body.SetPath([]string{"kubernetes", "resources", a}, nix.SortedAttrs(m.resources[a]))
	}
	return module(body)
}

func renderKubenix(c *model.Cluster) ([]generator.File, error) {
	var mods []*kubenixModule
	for _, build := range []func(*model.Cluster) (*kubenixModule, error){
		namespacesModule, rookModule, appsModule,
	} {
		m, err := build(c)
		if err != nil {
			return nil, err
		}
		if m != nil {
			mods = append(mods, m)
		}
	}

	var files []generator.File
	imports := []nix.Expr{nix.Select(nix.Var("kubenix"), "modules", "k8s")}
	var types []customType
	seen := map[customType]bool{}
	for _, m := range mods {
		p, err := nix.Path(m.file)
		if err != nil {
			return nil, err
		}
		imports = append(imports, p)
		for _, t := range m.types {
			if !seen[t] {
				seen[t] = true
				types = append(types, t)
			}
		}
		files = append(files, nixFile(path.Join(KubenixDir, m.file), m.expr()))
	}

	var typeExprs []nix.Expr
	for _, t := range types {
		typeExprs = append(typeExprs, nix.NewAttrs().
			Set("group", nix.String(t.group)).
			Set("version", nix.String(t.version)).
			Set("kind", nix.String(t.kind)).
			Set("attrName", nix.String(t.attrName)))
	}
	top := nix.NewAttrs().
		Comment("One module per component; kubenix.modules.k8s provides kubernetes.resources.").
		Set("imports", nix.List(imports...)).
		Comment("Must be a version kubenix ships; 1.32 matches the k3s of nixos-25.05.").
		SetPath([]string{"kubernetes", "version"}, nix.String(KubenixVersion)).
		Comment("Every custom kind used below. kubenix rejects undeclared kinds with").
		Comment("\"option does not exist\".").
		SetPath([]string{"kubernetes", "customTypes"}, nix.List(typeExprs...))
	files = append(files, nixFile(path.Join(KubenixDir, "default.nix"), module(top, "kubenix")))
	return files, nil
}

// systemNamespaces exist in every cluster (or belong to the bootstrap) and
// are never declared here: Flux prunes what it applied, and pruning one of
// these would take the cluster or Flux itself down.
var systemNamespaces = map[string]bool{
	"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true,
	fluxNamespace: true,
}

// namespacesModule declares every namespace the other modules put objects in.
func namespacesModule(c *model.Cluster) (*kubenixModule, error) {
	set := map[string]bool{}
	if c.Ceph != nil {
		set[rookNamespace] = true
	}
	for _, name := range model.SortedKeys(c.HelmReleases) {
		set[c.HelmReleases[name].Namespace] = true
	}
	m := &kubenixModule{file: "namespaces.nix"}
	for _, ns := range model.SortedKeys(set) {
		if err := checkLabel("namespace", ns); err != nil {
			return nil, err
		}
		if systemNamespaces[ns] {
			continue
		}
		if err := m.add(namespacesAttr, ns, nix.NewAttrs().Set("metadata", meta(ns, ""))); err != nil {
			return nil, err
		}
	}
	if len(m.resources) == 0 {
		return nil, nil
	}
	return m, nil
}

// appsModule turns every helm_release into a Flux HelmRepository and
// HelmRelease in the release's namespace. Flux renders the chart in the
// cluster, so evaluation needs no network and no chart hash
// (CONSUMERS.md, "kubenix").
func appsModule(c *model.Cluster) (*kubenixModule, error) {
	if len(c.HelmReleases) == 0 {
		return nil, nil
	}
	interval := defaultInterval
	if c.Flux != nil && c.Flux.Interval != "" {
		interval = c.Flux.Interval
	}
	m := &kubenixModule{file: "apps.nix", types: []customType{helmRepositoryType, helmReleaseType}}
	for _, name := range model.SortedKeys(c.HelmReleases) {
		r := c.HelmReleases[name]
		// Helm release names are at most 53 characters (helm's own limit).
		if err := checkLabel("helm_release", name); err != nil || len(name) > 53 {
			return nil, fmt.Errorf("helm_release %q: not a valid Helm release name (DNS label, at most 53 characters)", name)
		}
		repo, err := helmRepository(name, r.Namespace, r.Repo, interval)
		if err != nil {
			return nil, fmt.Errorf("helm_release %q: %w", name, err)
		}
		rel, err := helmRelease(name, r, interval)
		if err != nil {
			return nil, fmt.Errorf("helm_release %q: %w", name, err)
		}
		if err := m.add(helmRepositoryType.attrName, name, repo); err != nil {
			return nil, err
		}
		if err := m.add(helmReleaseType.attrName, name, rel); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// defaultInterval is Flux's reconciliation interval when cluster.hcl has no
// flux block (the schema's default for flux.interval).
const defaultInterval = "10m"

// helmRepository returns the spec of a Flux HelmRepository for url: an
// HTTP(S) chart index, or an OCI registry prefix (`type: oci`).
func helmRepository(name, namespace, url, interval string) (nix.Expr, error) {
	spec := nix.NewAttrs().
		Set("interval", nix.String(interval)).
		Set("url", nix.String(url))
	switch {
	case strings.HasPrefix(url, "oci://"):
		spec.Set("type", nix.String("oci"))
	case strings.HasPrefix(url, "https://"), strings.HasPrefix(url, "http://"):
	default:
		return nil, fmt.Errorf("chart repository %q is neither http(s):// nor oci://", url)
	}
	return nix.NewAttrs().
		Set("metadata", meta(name, namespace)).
		Set("spec", spec), nil
}

// helmRelease returns a Flux HelmRelease installing r's chart from the
// HelmRepository of the same name. The values are carried over as they were
// written in cluster.hcl: nix.FromGo keeps objects, lists, numbers and
// booleans typed and escapes every string.
func helmRelease(name string, r model.HelmRelease, interval string) (nix.Expr, error) {
	chart := nix.NewAttrs().
		Set("chart", nix.String(r.Chart)).
		Set("version", nix.String(r.Version)).
		Set("sourceRef", nix.NewAttrs().
			Set("kind", nix.String(helmRepositoryType.kind)).
			Set("name", nix.String(name)).
			Set("namespace", nix.String(r.Namespace)))
	spec := nix.NewAttrs().
		Set("interval", nix.String(interval)).
		SetPath([]string{"chart", "spec"}, chart)
	if len(r.Values) > 0 {
		v, err := nix.FromGo(r.Values)
		if err != nil {
			return nil, fmt.Errorf("values: %w", err)
		}
		spec.Set("values", v)
	}
	return nix.NewAttrs().
		Set("metadata", meta(name, r.Namespace)).
		Set("spec", spec), nil
}
