package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The cases are the end-to-end cases (package e2e); their expected trees
// are checked once, by pipeline's TestEndToEnd. The tests here evaluate
// what the Kubernetes generator writes and check it against what its
// consumers accept.
func cases(t *testing.T) []e2e.Case {
	t.Helper()
	return e2e.Valid(t)
}

func render(t *testing.T, c *model.Cluster) []generator.File {
	t.Helper()
	return Render(c)
}

// materialize writes files under a fresh temporary directory and returns it.
func materialize(t *testing.T, files []generator.File) string {
	t.Helper()
	dir := t.TempDir()
	e2e.WriteFiles(t, dir, files)
	return dir
}

func TestRenderIsSortedAndDeterministic(t *testing.T) {
	for _, tc := range cases(t) {
		c := tc.Load(t)
		a, b := render(t, c), render(t, c)
		if !sort.SliceIsSorted(a, func(i, j int) bool { return a[i].Path < a[j].Path }) {
			t.Errorf("%s: files are not sorted by path", tc.Name)
		}
		if len(a) != len(b) {
			t.Fatalf("%s: two renders differ in length", tc.Name)
		}
		for i := range a {
			if a[i].Path != b[i].Path || !bytes.Equal(a[i].Content, b[i].Content) {
				t.Errorf("%s: two renders of %s differ", tc.Name, a[i].Path)
			}
		}
		for _, f := range a {
			first, _, _ := bytes.Cut(f.Content, []byte("\n"))
			if !bytes.Contains(first, []byte(generator.Header)) {
				t.Errorf("%s: the first line of %s is not the generated-file header", tc.Name, f.Path)
			}
		}
	}
}

// TestNixParses runs the real Nix parser over every generated module.
func TestNixParses(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			files := render(t, tc.Load(t))
			dir := materialize(t, files)
			n := 0
			for _, f := range files {
				if strings.HasSuffix(f.Path, ".nix") {
					n++
					testtool.NixInstantiate(t, "--parse", filepath.Join(dir, filepath.FromSlash(f.Path)))
				}
			}
			if n == 0 {
				t.Fatal("no .nix files generated")
			}
		})
	}
}

// nixEval evaluates a testdata evaluator strictly to JSON and decodes it,
// keeping numbers as json.Number so ints and floats stay apart.
func nixEval(t *testing.T, evaluator string, args ...string) map[string]any {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", evaluator))
	if err != nil {
		t.Fatal(err)
	}
	out := testtool.NixInstantiate(t, append([]string{"--eval", "--strict", "--json", abs}, args...)...)
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %s output: %v\n%s", evaluator, err, out)
	}
	return v
}

// Small accessors for decoded JSON; a missing or mistyped field fails the
// test with its path.
func get(t *testing.T, v any, path ...string) any {
	t.Helper()
	cur := v
	for i, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", strings.Join(path[:i], "."))
		}
		cur, ok = m[p]
		if !ok {
			t.Fatalf("%s: missing", strings.Join(path[:i+1], "."))
		}
	}
	return cur
}

func str(t *testing.T, v any, path ...string) string {
	t.Helper()
	s, ok := get(t, v, path...).(string)
	if !ok {
		t.Fatalf("%s: not a string: %#v", strings.Join(path, "."), get(t, v, path...))
	}
	return s
}

func num(t *testing.T, v any, path ...string) int64 {
	t.Helper()
	n, ok := get(t, v, path...).(json.Number)
	if !ok {
		t.Fatalf("%s: not a number: %#v", strings.Join(path, "."), get(t, v, path...))
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%s: not an integer: %s", strings.Join(path, "."), n)
	}
	return i
}

func boolean(t *testing.T, v any, path ...string) bool {
	t.Helper()
	b, ok := get(t, v, path...).(bool)
	if !ok {
		t.Fatalf("%s: not a bool: %#v", strings.Join(path, "."), get(t, v, path...))
	}
	return b
}

func has(v any, path ...string) bool {
	cur := v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[p]; !ok {
			return false
		}
	}
	return true
}

func elems(t *testing.T, v any, path ...string) []any {
	t.Helper()
	l, ok := get(t, v, path...).([]any)
	if !ok {
		t.Fatalf("%s: not a list", strings.Join(path, "."))
	}
	return l
}

// TestKubenixEval evaluates the kubenix modules and checks the objects
// against the model and against what the consumers require.
func TestKubenixEval(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c := tc.Load(t)
			dir := materialize(t, render(t, c))
			res := nixEval(t, "eval-kubenix.nix", "--argstr", "dir", filepath.Join(dir, KubenixDir))
			checkKubenix(t, c, res)
		})
	}
}

func checkKubenix(t *testing.T, c *model.Cluster, res map[string]any) {
	if got := str(t, res, "version"); got != c.Kubernetes.Version {
		t.Errorf("kubernetes.version = %q, want %q", got, c.Kubernetes.Version)
	}
	if !boolean(t, res, "importsK8s") {
		t.Error("default.nix does not import kubenix.modules.k8s")
	}

	// Objects by kind and name.
	byKind := map[string]map[string]map[string]any{}
	attrsUsed := map[string]bool{}
	for _, o := range elems(t, res, "objects") {
		obj := o.(map[string]any)
		kind := str(t, obj, "kind")
		name := str(t, obj, "metadata", "name")
		if name != str(t, obj, "_name") {
			t.Errorf("%s %q is stored under attribute %q", kind, name, str(t, obj, "_name"))
		}
		if len(name) > 253 || !k8sSubdomain.MatchString(name) {
			t.Errorf("%s %q is not a name Kubernetes accepts (a DNS-1123 subdomain)", kind, name)
		}
		attrsUsed[str(t, obj, "_attr")] = true
		if strings.HasPrefix(kind, "Ceph") {
			checkSchema(t, "rook-crds.schema.json#/$defs/"+kind, kind+" "+name, withoutTestFields(obj))
		}
		if byKind[kind] == nil {
			byKind[kind] = map[string]map[string]any{}
		}
		byKind[kind][name] = obj
	}

	// customTypes: every custom attribute used is declared (the evaluator
	// throws otherwise), and nothing unused is declared.
	kinds := map[string]string{}
	for _, ct := range elems(t, res, "customTypes") {
		attr := str(t, ct, "attrName")
		if !attrsUsed[attr] {
			t.Errorf("customType %s is declared but unused", attr)
		}
		kinds[str(t, ct, "kind")] = str(t, ct, "group") + "/" + str(t, ct, "version")
	}
	wantAPI := map[string]string{
		"HelmRepository":  "source.toolkit.fluxcd.io/v1",
		"HelmRelease":     "helm.toolkit.fluxcd.io/v2",
		"CephCluster":     "ceph.rook.io/v1",
		"CephBlockPool":   "ceph.rook.io/v1",
		"CephFilesystem":  "ceph.rook.io/v1",
		"CephObjectStore": "ceph.rook.io/v1",
	}
	for k, api := range kinds {
		if wantAPI[k] != api {
			t.Errorf("customType %s has apiVersion %s, want %s", k, api, wantAPI[k])
		}
	}

	// Every namespaced object lives in a namespace that exists: one the
	// kubenix modules declare, one Kubernetes itself creates, or
	// flux-system, which the bootstrap creates (TestBootstrapEval). The
	// modules never declare one of those: Flux prunes what it applied, and
	// pruning kube-system or flux-system would take the cluster down.
	existing := map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}
	if c.Flux != nil {
		existing["flux-system"] = true
	}
	for ns := range byKind["Namespace"] {
		if existing[ns] || ns == "flux-system" {
			t.Errorf("the kubenix modules declare namespace %q, which Flux would then prune with the rest", ns)
		}
	}
	for kind, objs := range byKind {
		for name, o := range objs {
			if !has(o, "metadata", "namespace") {
				continue
			}
			ns := str(t, o, "metadata", "namespace")
			if byKind["Namespace"][ns] == nil && !existing[ns] {
				t.Errorf("%s %s is in namespace %q, which nothing creates", kind, name, ns)
			}
		}
	}

	checkCeph(t, c, byKind)
	checkApps(t, c, byKind, res)
}

// k8sSubdomain is Kubernetes' object-name rule (k8s.io/apimachinery
// validation.IsDNS1123Subdomain), written out here as the test's own
// oracle.
var k8sSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func checkCeph(t *testing.T, c *model.Cluster, byKind map[string]map[string]map[string]any) {
	if c.Ceph == nil {
		for _, k := range []string{"CephCluster", "CephBlockPool", "CephFilesystem", "StorageClass"} {
			if len(byKind[k]) > 0 {
				t.Errorf("%s objects without a ceph block", k)
			}
		}
		return
	}
	if len(byKind["CephCluster"]) != 1 {
		t.Fatalf("%d CephClusters, want 1", len(byKind["CephCluster"]))
	}
	cl := byKind["CephCluster"][rookClusterName]
	if cl == nil {
		t.Fatalf("no CephCluster %q", rookClusterName)
	}
	if ns := str(t, cl, "metadata", "namespace"); ns != rookNamespace {
		t.Errorf("CephCluster namespace %q", ns)
	}
	if img := str(t, cl, "spec", "cephVersion", "image"); img != c.Ceph.CephImage {
		t.Errorf("cephVersion.image = %q, want %q", img, c.Ceph.CephImage)
	}
	if p := str(t, cl, "spec", "dataDirHostPath"); p != "/var/lib/rook" {
		t.Errorf("dataDirHostPath = %q", p)
	}
	k8s := len(c.KubernetesNodes())
	wantMons, wantMgrs := int64(c.Ceph.MonCount), int64(c.Ceph.MgrCount)
	if wantMons == 0 {
		wantMons = 1
		if k8s >= 3 {
			wantMons = 3
		}
	}
	if wantMgrs == 0 {
		wantMgrs = min(2, int64(k8s))
	}
	mons := num(t, cl, "spec", "mon", "count")
	if mons != wantMons || mons > int64(k8s) || mons%2 == 0 {
		t.Errorf("mon.count = %d with %d Kubernetes nodes and mon_count %d: want %d, odd and at most the nodes", mons, k8s, c.Ceph.MonCount, wantMons)
	}
	if boolean(t, cl, "spec", "mon", "allowMultiplePerNode") {
		t.Error("mon.allowMultiplePerNode is true")
	}
	if mgrs := num(t, cl, "spec", "mgr", "count"); mgrs != wantMgrs || mgrs > int64(k8s) {
		t.Errorf("mgr.count = %d with %d nodes, want %d", mgrs, k8s, wantMgrs)
	}
	if boolean(t, cl, "spec", "storage", "useAllNodes") || boolean(t, cl, "spec", "storage", "useAllDevices") {
		t.Error("storage uses all nodes or all devices")
	}
	// The storage nodes are exactly the Kubernetes nodes with OSDs, by
	// hostname, with their devices: the short form in order, then the
	// ceph_osd blocks by path, each with its declared class.
	var names []string
	for _, n := range elems(t, cl, "spec", "storage", "nodes") {
		name := str(t, n, "name")
		names = append(names, name)
		node, ok := c.Nodes[name]
		if !ok || !node.IsKubernetes() {
			t.Errorf("storage node %q is not a Kubernetes node's hostname", name)
			continue
		}
		var got, want []string
		for _, d := range elems(t, n, "devices") {
			class := ""
			if has(d, "config", "deviceClass") {
				class = str(t, d, "config", "deviceClass")
			}
			got = append(got, str(t, d, "name")+" "+class)
		}
		for _, d := range node.CephOSDDevices {
			want = append(want, d+" ")
		}
		for _, d := range model.SortedKeys(node.CephOSDs) {
			want = append(want, d+" "+node.CephOSDs[d].DeviceClass)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("node %s devices = %q, want %q", name, got, want)
		}
	}
	var osdNodes []string
	for _, n := range c.KubernetesNodes() {
		if len(c.Nodes[n].CephOSDDevices)+len(c.Nodes[n].CephOSDs) > 0 {
			osdNodes = append(osdNodes, n)
		}
	}
	if strings.Join(names, ",") != strings.Join(osdNodes, ",") {
		t.Errorf("storage nodes = %q, want the OSD nodes %q", names, osdNodes)
	}
	// Every Kubernetes node's taints are tolerated: monitors and managers
	// may run on any node, OSDs on the storage nodes.
	for _, name := range c.KubernetesNodes() {
		for _, taint := range c.Nodes[name].Taints {
			key, _, _ := strings.Cut(taint, "=")
			key, _, _ = strings.Cut(key, ":")
			found := false
			if has(cl, "spec", "placement", "all", "tolerations") {
				for _, tol := range elems(t, cl, "spec", "placement", "all", "tolerations") {
					if str(t, tol, "key") == key {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("node %s has taint %q but Ceph does not tolerate it", name, taint)
			}
		}
	}

	// Pools: each on its device class, with its own copies or
	// ceph.replicas, or erasure coded with a replicated metadata pool.
	copies := func(own int) int64 {
		if own > 0 {
			return int64(own)
		}
		return int64(c.Ceph.Replicas)
	}
	checkPool := func(what string, p any, class string, size int64) {
		t.Helper()
		got := ""
		if has(p, "deviceClass") {
			got = str(t, p, "deviceClass")
		}
		if got != class || str(t, p, "failureDomain") != "host" || num(t, p, "replicated", "size") != size {
			t.Errorf("%s: %v, want class %q, size %d, failureDomain host", what, p, class, size)
		}
	}
	wantBlockPools := map[string]bool{}
	for name, bp := range c.Ceph.BlockPools {
		wantBlockPools[name] = true
		spec := get(t, byKind["CephBlockPool"][name], "spec")
		if ec := bp.ErasureCoded; ec != nil {
			wantBlockPools[name+"-metadata"] = true
			if num(t, spec, "erasureCoded", "dataChunks") != int64(ec.DataChunks) || num(t, spec, "erasureCoded", "codingChunks") != int64(ec.CodingChunks) || has(spec, "replicated") {
				t.Errorf("CephBlockPool %s: %v, want erasure coded %d+%d", name, spec, ec.DataChunks, ec.CodingChunks)
			}
			checkPool("CephBlockPool "+name+"-metadata", get(t, byKind["CephBlockPool"][name+"-metadata"], "spec"), bp.DeviceClass, int64(c.Ceph.Replicas))
			continue
		}
		checkPool("CephBlockPool "+name, spec, bp.DeviceClass, copies(bp.Replicas))
	}
	if len(byKind["CephBlockPool"]) != len(wantBlockPools) || len(byKind["CephFilesystem"]) != len(c.Ceph.Filesystems) || len(byKind["CephObjectStore"]) != len(c.Ceph.ObjectStores) {
		t.Errorf("pools/filesystems/object stores: got %d/%d/%d, want %d/%d/%d", len(byKind["CephBlockPool"]), len(byKind["CephFilesystem"]), len(byKind["CephObjectStore"]),
			len(wantBlockPools), len(c.Ceph.Filesystems), len(c.Ceph.ObjectStores))
	}
	fsPools := map[string]string{} // Ceph pool name -> filesystem
	for name, fs := range byKind["CephFilesystem"] {
		f := c.Ceph.Filesystems[name]
		checkPool("CephFilesystem "+name+" metadata pool", get(t, fs, "spec", "metadataPool"), f.DeviceClass, copies(f.Replicas))
		for _, dp := range elems(t, fs, "spec", "dataPools") {
			checkPool("CephFilesystem "+name+" data pool", dp, f.DeviceClass, copies(f.Replicas))
			fsPools[name+"-"+str(t, dp, "name")] = name
		}
		if num(t, fs, "spec", "metadataServer", "activeCount") != 1 || !boolean(t, fs, "spec", "metadataServer", "activeStandby") {
			t.Errorf("CephFilesystem %s metadataServer", name)
		}
	}
	for name, os := range byKind["CephObjectStore"] {
		o := c.Ceph.ObjectStores[name]
		checkPool("CephObjectStore "+name+" metadata pool", get(t, os, "spec", "metadataPool"), o.DeviceClass, copies(o.Replicas))
		checkPool("CephObjectStore "+name+" data pool", get(t, os, "spec", "dataPool"), o.DeviceClass, copies(o.Replicas))
		if num(t, os, "spec", "gateway", "instances") != int64(o.Gateways) || !has(os, "spec", "gateway", "port") {
			t.Errorf("CephObjectStore %s gateway: %v, want %d instances", name, get(t, os, "spec", "gateway"), o.Gateways)
		}
	}

	// Every StorageClass names a pool (and filesystem) that exists; exactly
	// the class marked default_class is the default.
	wantDefault := ""
	for _, p := range c.Ceph.BlockPools {
		if p.DefaultClass {
			wantDefault = p.StorageClass
		}
	}
	for _, f := range c.Ceph.Filesystems {
		if f.DefaultClass {
			wantDefault = f.StorageClass
		}
	}
	var defaults []string
	for name, sc := range byKind["StorageClass"] {
		if prov := str(t, sc, "provisioner"); prov == "rook-ceph.ceph.rook.io/bucket" {
			store := str(t, sc, "parameters", "objectStoreName")
			if byKind["CephObjectStore"][store] == nil || str(t, sc, "parameters", "objectStoreNamespace") != rookNamespace {
				t.Errorf("bucket StorageClass %s names object store %q, which does not exist", name, store)
			}
			if has(sc, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") {
				t.Errorf("bucket StorageClass %s is marked default", name)
			}
			continue
		}
		if str(t, sc, "parameters", "clusterID") != rookNamespace {
			t.Errorf("StorageClass %s clusterID", name)
		}
		pool := str(t, sc, "parameters", "pool")
		switch prov := str(t, sc, "provisioner"); prov {
		case "rook-ceph.rbd.csi.ceph.com":
			if byKind["CephBlockPool"][pool] == nil {
				t.Errorf("StorageClass %s uses pool %q, which does not exist", name, pool)
			}
			if has(sc, "parameters", "dataPool") {
				dp := str(t, sc, "parameters", "dataPool")
				if !has(byKind["CephBlockPool"][dp], "spec", "erasureCoded") || has(byKind["CephBlockPool"][pool], "spec", "erasureCoded") {
					t.Errorf("StorageClass %s: dataPool %q must be the erasure-coded pool and pool %q a replicated one", name, dp, pool)
				}
			} else if has(byKind["CephBlockPool"][pool], "spec", "erasureCoded") {
				t.Errorf("StorageClass %s puts RBD images on erasure-coded pool %q without a replicated metadata pool", name, pool)
			}
			if str(t, sc, "parameters", "imageFormat") != "2" || str(t, sc, "parameters", "imageFeatures") != "layering" {
				t.Errorf("StorageClass %s image parameters", name)
			}
		case "rook-ceph.cephfs.csi.ceph.com":
			fsName := str(t, sc, "parameters", "fsName")
			if byKind["CephFilesystem"][fsName] == nil || fsPools[pool] != fsName {
				t.Errorf("StorageClass %s uses filesystem %q pool %q, which do not exist", name, fsName, pool)
			}
		default:
			t.Errorf("StorageClass %s provisioner %q", name, prov)
		}
		for _, k := range []string{"provisioner", "controller-expand", "node-stage"} {
			if !has(sc, "parameters", "csi.storage.k8s.io/"+k+"-secret-name") || str(t, sc, "parameters", "csi.storage.k8s.io/"+k+"-secret-namespace") != rookNamespace {
				t.Errorf("StorageClass %s lacks the %s secret", name, k)
			}
		}
		if str(t, sc, "reclaimPolicy") != "Delete" || !boolean(t, sc, "allowVolumeExpansion") {
			t.Errorf("StorageClass %s reclaim/expansion", name)
		}
		if has(sc, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") {
			if str(t, sc, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") != "true" {
				t.Errorf("StorageClass %s default annotation is not \"true\"", name)
			}
			defaults = append(defaults, name)
		}
	}
	if wantDefault == "" && len(defaults) != 0 || wantDefault != "" && (len(defaults) != 1 || defaults[0] != wantDefault) {
		t.Errorf("default storage classes = %q, want %q", defaults, wantDefault)
	}
}

func checkApps(t *testing.T, c *model.Cluster, byKind map[string]map[string]map[string]any, res map[string]any) {
	if len(byKind["HelmRelease"]) != len(c.HelmReleases) || len(byKind["HelmRepository"]) != len(c.HelmReleases) {
		t.Fatalf("%d HelmReleases and %d HelmRepositories for %d helm_release blocks",
			len(byKind["HelmRelease"]), len(byKind["HelmRepository"]), len(c.HelmReleases))
	}
	for name, r := range c.HelmReleases {
		rel := byKind["HelmRelease"][name]
		if rel == nil {
			t.Errorf("no HelmRelease %s", name)
			continue
		}
		if str(t, rel, "metadata", "namespace") != r.Namespace {
			t.Errorf("HelmRelease %s namespace", name)
		}
		chart := get(t, rel, "spec", "chart", "spec")
		if str(t, chart, "chart") != r.Chart || str(t, chart, "version") != r.Version {
			t.Errorf("HelmRelease %s chart %s@%s", name, str(t, chart, "chart"), str(t, chart, "version"))
		}
		if str(t, chart, "sourceRef", "kind") != "HelmRepository" {
			t.Errorf("HelmRelease %s sourceRef kind", name)
		}
		repo := byKind["HelmRepository"][str(t, chart, "sourceRef", "name")]
		if repo == nil || str(t, repo, "metadata", "namespace") != str(t, chart, "sourceRef", "namespace") {
			t.Errorf("HelmRelease %s points to a HelmRepository that does not exist", name)
			continue
		}
		if str(t, repo, "spec", "url") != r.Repo {
			t.Errorf("HelmRepository %s url = %q, want %q", name, str(t, repo, "spec", "url"), r.Repo)
		}
		isOCI := strings.HasPrefix(r.Repo, "oci://")
		if has(repo, "spec", "type") != isOCI || isOCI && str(t, repo, "spec", "type") != "oci" {
			t.Errorf("HelmRepository %s type for %s", name, r.Repo)
		}
		// The values round-trip with their types.
		got := get(t, res, "helmValues", name)
		compareTyped(t, "helm_release."+name+".values", typedOf(map[string]any(r.Values)), got)
	}
}

// typedOf mirrors eval-kubenix.nix's `typed` for a value from the model:
// the Nix type each value must have after nix.FromGo.
func typedOf(v any) any {
	tv := func(typ string, val any) map[string]any { return map[string]any{"type": typ, "value": val} }
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, x := range v {
			m[k] = typedOf(x)
		}
		return tv("set", m)
	case []any:
		l := []any{}
		for _, x := range v {
			l = append(l, typedOf(x))
		}
		return tv("list", l)
	case nil:
		return tv("null", nil)
	case string:
		return tv("string", v)
	case bool:
		return tv("bool", v)
	case int64:
		return tv("int", v)
	case int:
		return tv("int", int64(v))
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return tv("int", int64(v))
		}
		return tv("float", v)
	}
	panic(fmt.Sprintf("typedOf: unexpected %T", v))
}

func compareTyped(t *testing.T, at string, want, got any) {
	t.Helper()
	w := want.(map[string]any)
	g, ok := got.(map[string]any)
	if !ok {
		t.Errorf("%s: got %#v", at, got)
		return
	}
	if g["type"] != w["type"] {
		t.Errorf("%s: Nix type %v, want %v", at, g["type"], w["type"])
		return
	}
	switch w["type"] {
	case "set":
		wm, gm := w["value"].(map[string]any), g["value"].(map[string]any)
		for k := range wm {
			if _, ok := gm[k]; !ok {
				t.Errorf("%s: key %q missing", at, k)
			}
		}
		for k := range gm {
			if _, ok := wm[k]; !ok {
				t.Errorf("%s: unexpected key %q", at, k)
				continue
			}
			compareTyped(t, fmt.Sprintf("%s.%q", at, k), wm[k], gm[k])
		}
	case "list":
		wl, gl := w["value"].([]any), g["value"].([]any)
		if len(wl) != len(gl) {
			t.Errorf("%s: %d items, want %d", at, len(gl), len(wl))
			return
		}
		for i := range wl {
			compareTyped(t, fmt.Sprintf("%s[%d]", at, i), wl[i], gl[i])
		}
	case "int":
		n, err := g["value"].(json.Number).Int64()
		if err != nil || n != w["value"].(int64) {
			t.Errorf("%s: %v, want %v", at, g["value"], w["value"])
		}
	case "float":
		// Nix 2.8 prints floats with six significant digits in JSON, so
		// compare with that precision.
		f, err := g["value"].(json.Number).Float64()
		want := w["value"].(float64)
		if err != nil || math.Abs(f-want) > 1e-5*math.Abs(want) {
			t.Errorf("%s: %v, want %v", at, g["value"], want)
		}
	default:
		if g["value"] != w["value"] {
			t.Errorf("%s: %#v, want %#v", at, g["value"], w["value"])
		}
	}
}

// withoutTestFields drops the fields eval-kubenix.nix adds (_attr, _name).
func withoutTestFields(obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		if !strings.HasPrefix(k, "_") {
			out[k] = v
		}
	}
	return out
}

// consumerSchemas are the JSON Schemas in testdata/schemas, written for
// these tests from the pinned consumers' own definitions (each names the
// release and file it follows): the Cilium chart's values, the Cilium CRDs
// hlcgen uses, the Rook CRDs. Their objects are closed, so a value the
// consumer would reject, or ignore without a word (Helm ignores a misspelt
// value), fails.
var consumerSchemas = sync.OnceValue(func() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	entries, _ := os.ReadDir("testdata/schemas")
	for _, e := range entries {
		f, err := os.Open(filepath.Join("testdata", "schemas", e.Name()))
		if err != nil {
			panic(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			panic(e.Name() + ": " + err.Error())
		}
		if err := c.AddResource("file:///"+e.Name(), doc); err != nil {
			panic(err)
		}
	}
	return c
})

// checkSchema validates v (decoded JSON) against the schema at ref, such as
// "rook-crds.schema.json#/$defs/CephCluster".
func checkSchema(t *testing.T, ref, what string, v any) {
	t.Helper()
	s, err := consumerSchemas().Compile("file:///" + ref)
	if err != nil {
		t.Fatalf("schema %s: %v", ref, err)
	}
	// The validator wants JSON numbers as json.Number or float64.
	b, _ := json.Marshal(v)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s does not match %s:\n%v", what, ref, err)
	}
}
