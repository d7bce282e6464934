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
	helmRepositoryType  = customType{"source.toolkit.fluxcd.io", "v1", "HelmRepository", "helmRepositories"}
	helmReleaseType     = customType{"helm.toolkit.fluxcd.io", "v2", "HelmRelease", "helmReleases"}
	cephClusterType     = customType{"ceph.rook.io", "v1", "CephCluster", "cephClusters"}
	cephBlockPoolType   = customType{"ceph.rook.io", "v1", "CephBlockPool", "cephBlockPools"}
	cephFilesystemType  = customType{"ceph.rook.io", "v1", "CephFilesystem", "cephFilesystems"}
	cephObjectStoreType = customType{"ceph.rook.io", "v1", "CephObjectStore", "cephObjectStores"}
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
	data0Pool       = model.CephFSDataPool
)

// kubenixModule is one generated file under kubernetes/kubenix.
type kubenixModule struct {
	file string
	// resources maps a kubenix resource attribute (namespaces,
	// helmReleases, ...) to its objects by name.
	resources map[string]map[string]nix.Expr
	types     []customType
}

// add puts an object into the module. Names are unique because
// validation says so (HLC004, HLC045, HLC049): a duplicate is a bug.
func (m *kubenixModule) add(attr, name string, obj nix.Expr) {
	if m.resources == nil {
		m.resources = map[string]map[string]nix.Expr{}
	}
	if m.resources[attr] == nil {
		m.resources[attr] = map[string]nix.Expr{}
	}
	if _, dup := m.resources[attr][name]; dup {
		panic(fmt.Sprintf("kubernetes: two %s named %q", attr, name))
	}
	m.resources[attr][name] = obj
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

func renderKubenix(c *model.Cluster) []generator.File {
	var mods []*kubenixModule
	for _, build := range []func(*model.Cluster) *kubenixModule{
		namespacesModule, rookModule, appsModule,
	} {
		if m := build(c); m != nil {
			mods = append(mods, m)
		}
	}

	var files []generator.File
	imports := []nix.Expr{nix.Select(nix.Var("kubenix"), "modules", "k8s")}
	var types []customType
	seen := map[customType]bool{}
	for _, m := range mods {
		imports = append(imports, repoPath(m.file))
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
		Comment("The Kubernetes release of the cluster's k3s (kubernetes.version), whose API definitions kubenix checks the objects against.").
		SetPath([]string{"kubernetes", "version"}, nix.String(c.Kubernetes.Version)).
		Comment("Every custom kind used below. kubenix rejects undeclared kinds with \"option does not exist\".").
		SetPath([]string{"kubernetes", "customTypes"}, nix.List(typeExprs...))
	files = append(files, nixFile(path.Join(KubenixDir, "default.nix"), module(top, "kubenix")))
	return files
}

// systemNamespaces exist in every cluster (or belong to the bootstrap) and
// are never declared here: Flux prunes what it applied, and pruning one of
// these would take the cluster or Flux itself down.
var systemNamespaces = map[string]bool{
	"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true,
	fluxNamespace: true,
}

// namespacesModule declares every namespace the other modules put objects in.
func namespacesModule(c *model.Cluster) *kubenixModule {
	set := map[string]bool{}
	if c.Ceph != nil {
		set[rookNamespace] = true
	}
	for _, name := range model.SortedKeys(c.HelmReleases) {
		set[c.HelmReleases[name].Namespace] = true
	}
	m := &kubenixModule{file: "namespaces.nix"}
	for _, ns := range model.SortedKeys(set) {
		if systemNamespaces[ns] {
			continue
		}
		m.add(namespacesAttr, ns, nix.NewAttrs().Set("metadata", meta(ns, "")))
	}
	if len(m.resources) == 0 {
		return nil
	}
	return m
}

// appsModule turns every helm_release into a Flux HelmRepository and
// HelmRelease in the release's namespace. Flux renders the chart in the
// cluster, so evaluation needs no network and no chart hash
// (kubenix's own kubernetes.helm.releases would fetch charts at evaluation
// time and need their hashes).
func appsModule(c *model.Cluster) *kubenixModule {
	if len(c.HelmReleases) == 0 {
		return nil
	}
	interval := defaultInterval
	if c.Flux != nil && c.Flux.Interval != "" {
		interval = c.Flux.Interval
	}
	m := &kubenixModule{file: "apps.nix", types: []customType{helmRepositoryType, helmReleaseType}}
	for _, name := range model.SortedKeys(c.HelmReleases) {
		r := c.HelmReleases[name]
		m.add(helmRepositoryType.attrName, name, helmRepository(name, r.Namespace, r.Repo, interval))
		m.add(helmReleaseType.attrName, name, helmRelease(name, r, interval))
	}
	return m
}

// defaultInterval is Flux's reconciliation interval when cluster.hcl has no
// flux block (the schema's default for flux.interval).
const defaultInterval = "10m"

// helmRepository returns a Flux HelmRepository for url: an HTTPS chart
// index, or an OCI registry prefix (`type: oci`); validation allows no
// other (HLC081).
func helmRepository(name, namespace, url, interval string) nix.Expr {
	spec := nix.NewAttrs().
		Set("interval", nix.String(interval)).
		Set("url", nix.String(url))
	if strings.HasPrefix(url, "oci://") {
		spec.Set("type", nix.String("oci"))
	}
	return nix.NewAttrs().
		Set("metadata", meta(name, namespace)).
		Set("spec", spec)
}

// helmRelease returns a Flux HelmRelease installing r's chart from the
// HelmRepository of the same name. The values are carried over as they were
// written in cluster.hcl: nix.FromGo keeps objects, lists, numbers and
// booleans typed and escapes every string.
func helmRelease(name string, r model.HelmRelease, interval string) nix.Expr {
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
		// Validation refuses values FromGo cannot represent (HLC085).
		v, err := nix.FromGo(r.Values)
		if err != nil {
			panic(fmt.Sprintf("kubernetes: helm_release %q values: %v", name, err))
		}
		spec.Set("values", v)
	}
	return nix.NewAttrs().
		Set("metadata", meta(name, r.Namespace)).
		Set("spec", spec)
}
