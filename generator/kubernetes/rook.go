package kubernetes

import (
	"strings"

	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// rookModule describes the Ceph cluster Rook runs: the CephCluster with
// explicit OSD devices, one CephBlockPool and RBD StorageClass per
// block_pool, one CephFilesystem and CephFS StorageClass per filesystem.
//
// The Rook operator (and with it the ceph.rook.io CRDs) is not here but in
// the bootstrap module: Flux dry-runs every object of a Kustomization before
// applying any, so a CephCluster next to the HelmRelease that would install
// its CRD fails the whole Kustomization forever ("no matches for kind",
// fluxcd/kustomize-controller#1194). Installed at bootstrap, the operator's
// CRDs exist by the time Flux applies these objects.
func rookModule(c *model.Cluster) *kubenixModule {
	if c.Ceph == nil {
		return nil
	}
	ceph := c.Ceph
	m := &kubenixModule{file: "rook-ceph.nix", types: []customType{cephClusterType}}
	if len(ceph.BlockPools) > 0 {
		m.types = append(m.types, cephBlockPoolType)
	}
	if len(ceph.Filesystems) > 0 {
		m.types = append(m.types, cephFilesystemType)
	}

	m.add(cephClusterType.attrName, rookClusterName, cephCluster(c))

	for _, name := range model.SortedKeys(ceph.BlockPools) {
		p := ceph.BlockPools[name]
		pool := nix.NewAttrs().
			Set("metadata", meta(name, rookNamespace)).
			Set("spec", nix.NewAttrs().
				Set("failureDomain", nix.String("host")).
				Set("replicated", replicated(ceph.Replicas)))
		m.add(cephBlockPoolType.attrName, name, pool)
		sc := storageClass(p.StorageClass, p.DefaultClass, "rook-ceph.rbd.csi.ceph.com", map[string]string{
			"clusterID":     rookNamespace,
			"pool":          name,
			"imageFormat":   "2",
			"imageFeatures": "layering",
			"csi.storage.k8s.io/provisioner-secret-name":            "rook-csi-rbd-provisioner",
			"csi.storage.k8s.io/provisioner-secret-namespace":       rookNamespace,
			"csi.storage.k8s.io/controller-expand-secret-name":      "rook-csi-rbd-provisioner",
			"csi.storage.k8s.io/controller-expand-secret-namespace": rookNamespace,
			"csi.storage.k8s.io/node-stage-secret-name":             "rook-csi-rbd-node",
			"csi.storage.k8s.io/node-stage-secret-namespace":        rookNamespace,
			"csi.storage.k8s.io/fstype":                             "ext4",
		})
		m.add(storageClassesAttr, p.StorageClass, sc)
	}

	for _, name := range model.SortedKeys(ceph.Filesystems) {
		f := ceph.Filesystems[name]
		data := nix.NewAttrs().
			Set("name", nix.String(data0Pool)).
			Set("failureDomain", nix.String("host")).
			Set("replicated", replicated(ceph.Replicas))
		fs := nix.NewAttrs().
			Set("metadata", meta(name, rookNamespace)).
			Set("spec", nix.NewAttrs().
				Set("metadataPool", nix.NewAttrs().
					Set("failureDomain", nix.String("host")).
					Set("replicated", replicated(ceph.Replicas))).
				Set("dataPools", nix.List(data)).
				Comment("Deleting the CephFilesystem object (a Flux prune, say) keeps the data.").
				Set("preserveFilesystemOnDelete", nix.Bool(true)).
				Set("metadataServer", nix.NewAttrs().
					Set("activeCount", nix.Int(1)).
					Set("activeStandby", nix.Bool(true))))
		m.add(cephFilesystemType.attrName, name, fs)
		sc := storageClass(f.StorageClass, f.DefaultClass, "rook-ceph.cephfs.csi.ceph.com", map[string]string{
			"clusterID": rookNamespace,
			"fsName":    name,
			// The Ceph pool Rook creates for dataPools[0].
			"pool": name + "-" + data0Pool,
			"csi.storage.k8s.io/provisioner-secret-name":            "rook-csi-cephfs-provisioner",
			"csi.storage.k8s.io/provisioner-secret-namespace":       rookNamespace,
			"csi.storage.k8s.io/controller-expand-secret-name":      "rook-csi-cephfs-provisioner",
			"csi.storage.k8s.io/controller-expand-secret-namespace": rookNamespace,
			"csi.storage.k8s.io/node-stage-secret-name":             "rook-csi-cephfs-node",
			"csi.storage.k8s.io/node-stage-secret-namespace":        rookNamespace,
		})
		m.add(storageClassesAttr, f.StorageClass, sc)
	}
	return m
}

// cephCluster returns the CephCluster: OSDs only on the listed devices of
// the listed Kubernetes nodes, named by hostname as Rook matches them
// against the kubernetes.io/hostname label.
func cephCluster(c *model.Cluster) nix.Expr {
	k8s := len(c.KubernetesNodes())
	var nodes []nix.Expr
	var tolerations []nix.Expr
	seenTaint := map[string]bool{}
	for _, name := range c.OSDNodes() {
		n := c.Nodes[name]
		var devices []nix.Expr
		for _, d := range n.CephOSDDevices {
			devices = append(devices, nix.NewAttrs().Set("name", nix.String(d)))
		}
		nodes = append(nodes, nix.NewAttrs().
			Set("name", nix.String(name)).
			Set("devices", nix.List(devices...)))
		// A storage node may be tainted to keep other workloads away; Ceph
		// must still run there.
		for _, t := range n.Taints {
			if seenTaint[t] {
				continue
			}
			seenTaint[t] = true
			tolerations = append(tolerations, toleration(t))
		}
	}

	// At most one mon per node, and an odd number of them.
	mons := 1
	if k8s >= 3 {
		mons = 3
	}
	// Two managers (active and standby) need two nodes.
	mgrs := 1
	if k8s >= 2 {
		mgrs = 2
	}

	spec := nix.NewAttrs().
		SetPath([]string{"cephVersion", "image"}, nix.String(c.Ceph.CephImage)).
		Set("dataDirHostPath", nix.String("/var/lib/rook")).
		Set("mon", nix.NewAttrs().
			Set("count", nix.Int(int64(mons))).
			Set("allowMultiplePerNode", nix.Bool(false))).
		Set("mgr", nix.NewAttrs().
			Set("count", nix.Int(int64(mgrs))).
			Set("allowMultiplePerNode", nix.Bool(false))).
		Set("storage", nix.NewAttrs().
			Set("useAllNodes", nix.Bool(false)).
			Set("useAllDevices", nix.Bool(false)).
			Set("nodes", nix.List(nodes...)))
	if len(tolerations) > 0 {
		spec.SetPath([]string{"placement", "all", "tolerations"}, nix.List(tolerations...))
	}
	return nix.NewAttrs().
		Set("metadata", meta(rookClusterName, rookNamespace)).
		Set("spec", spec)
}

// replicated returns a pool's replication. Rook refuses size-1 pools unless
// requireSafeReplicaSize is false, which a one-node homelab needs.
func replicated(size int) nix.Expr {
	r := nix.NewAttrs().Set("size", nix.Int(int64(size)))
	if size < 2 {
		r.Set("requireSafeReplicaSize", nix.Bool(false))
	}
	return r
}

// storageClass returns a CSI StorageClass. Exactly the class marked
// default_class carries the is-default-class annotation.
func storageClass(name string, isDefault bool, provisioner string, params map[string]string) nix.Expr {
	md := meta(name, "")
	if isDefault {
		md.Set("annotations", nix.NewAttrs().
			Set("storageclass.kubernetes.io/is-default-class", nix.String("true")))
	}
	p := map[string]nix.Expr{}
	for k, v := range params {
		p[k] = nix.String(v)
	}
	return nix.NewAttrs().
		Set("metadata", md).
		Set("provisioner", nix.String(provisioner)).
		Set("parameters", nix.SortedAttrs(p)).
		Set("reclaimPolicy", nix.String("Delete")).
		Set("allowVolumeExpansion", nix.Bool(true))
}

// toleration turns a k3s taint "key[=value]:Effect" (HLC112 checked its
// shape) into the toleration that matches exactly it.
func toleration(taint string) nix.Expr {
	i := strings.LastIndex(taint, ":")
	kv, effect := taint[:i], taint[i+1:]
	key, value, hasValue := strings.Cut(kv, "=")
	t := nix.NewAttrs().Set("key", nix.String(key))
	if hasValue {
		t.Set("operator", nix.String("Equal")).Set("value", nix.String(value))
	} else {
		t.Set("operator", nix.String("Exists"))
	}
	return t.Set("effect", nix.String(effect))
}
