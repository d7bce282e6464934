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
	if len(ceph.ObjectStores) > 0 {
		m.types = append(m.types, cephObjectStoreType)
	}

	m.add(cephClusterType.attrName, rookClusterName, cephCluster(c))

	for _, name := range model.SortedKeys(ceph.BlockPools) {
		p := ceph.BlockPools[name]
		params := map[string]string{
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
		}
		if ec := p.ErasureCoded; ec != nil {
			// RBD keeps an image's metadata (its omap) in a replicated
			// pool and only the data in the erasure-coded one: the
			// StorageClass names both (rook/rook
			// deploy/examples/csi/rbd/storageclass-ec.yaml). Rook sets
			// allow_ec_overwrites on erasure-coded pools it creates.
			meta := name + "-metadata"
			m.add(cephBlockPoolType.attrName, meta, blockPool(meta, pool("", p.DeviceClass, ceph.Replicas)))
			m.add(cephBlockPoolType.attrName, name, blockPool(name, erasureCoded(p.DeviceClass, ec)))
			params["pool"], params["dataPool"] = meta, name
		} else {
			m.add(cephBlockPoolType.attrName, name, blockPool(name, pool("", p.DeviceClass, ceph.PoolReplicas(p.Replicas))))
		}
		m.add(storageClassesAttr, p.StorageClass, storageClass(p.StorageClass, p.DefaultClass, "rook-ceph.rbd.csi.ceph.com", params, true))
	}

	for _, name := range model.SortedKeys(ceph.Filesystems) {
		f := ceph.Filesystems[name]
		replicas := ceph.PoolReplicas(f.Replicas)
		fs := nix.NewAttrs().
			Set("metadata", meta(name, rookNamespace)).
			Set("spec", nix.NewAttrs().
				Set("metadataPool", pool("", f.DeviceClass, replicas)).
				Set("dataPools", nix.List(pool(data0Pool, f.DeviceClass, replicas))).
				Comment("Deleting the CephFilesystem object (a Flux prune, say) keeps the data.").
				Set("preserveFilesystemOnDelete", nix.Bool(true)).
				Set("metadataServer", nix.NewAttrs().
					Set("activeCount", nix.Int(1)).
					Set("activeStandby", nix.Bool(true))))
		m.add(cephFilesystemType.attrName, name, fs)
		m.add(storageClassesAttr, f.StorageClass, storageClass(f.StorageClass, f.DefaultClass, "rook-ceph.cephfs.csi.ceph.com", map[string]string{
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
		}, true))
	}

	for _, name := range model.SortedKeys(ceph.ObjectStores) {
		o := ceph.ObjectStores[name]
		replicas := ceph.PoolReplicas(o.Replicas)
		store := nix.NewAttrs().
			Set("metadata", meta(name, rookNamespace)).
			Set("spec", nix.NewAttrs().
				Set("metadataPool", pool("", o.DeviceClass, replicas)).
				Set("dataPool", pool("", o.DeviceClass, replicas)).
				Comment("Deleting the CephObjectStore object (a Flux prune, say) keeps the buckets' pools.").
				Set("preservePoolsOnDelete", nix.Bool(true)).
				Set("gateway", nix.NewAttrs().
					Comment("RGW's port inside the cluster; the rook-ceph-rgw-<store> Service serves it.").
					Set("port", nix.Int(80)).
					Set("instances", nix.Int(int64(o.Gateways)))))
		m.add(cephObjectStoreType.attrName, name, store)
		// ObjectBucketClaims with this class get a bucket in the store
		// (rook/rook Documentation/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-claim.md).
		m.add(storageClassesAttr, o.StorageClass, storageClass(o.StorageClass, false, rookNamespace+".ceph.rook.io/bucket", map[string]string{
			"objectStoreName":      name,
			"objectStoreNamespace": rookNamespace,
		}, false))
	}
	return m
}

// pool is a replicated pool's spec on the hosts with an OSD of class (""
// for any); name is a filesystem data pool's name, or "". Rook refuses
// size-1 pools unless requireSafeReplicaSize is false, which a one-node
// homelab needs.
func pool(name, class string, size int) *nix.AttrSet {
	r := nix.NewAttrs().Set("size", nix.Int(int64(size)))
	if size < 2 {
		r.Set("requireSafeReplicaSize", nix.Bool(false))
	}
	return poolBase(name, class).Set("replicated", r)
}

// erasureCoded is an erasure-coded pool's spec.
func erasureCoded(class string, ec *model.ErasureCoded) *nix.AttrSet {
	return poolBase("", class).Set("erasureCoded", nix.NewAttrs().
		Set("dataChunks", nix.Int(int64(ec.DataChunks))).
		Set("codingChunks", nix.Int(int64(ec.CodingChunks))))
}

// poolBase is what every pool spec has: each copy or chunk on another host.
func poolBase(name, class string) *nix.AttrSet {
	a := nix.NewAttrs()
	if name != "" {
		a.Set("name", nix.String(name))
	}
	a.Set("failureDomain", nix.String("host"))
	if class != "" {
		a.Set("deviceClass", nix.String(class))
	}
	return a
}

// blockPool is a CephBlockPool object.
func blockPool(name string, spec *nix.AttrSet) nix.Expr {
	return nix.NewAttrs().
		Set("metadata", meta(name, rookNamespace)).
		Set("spec", spec)
}

// cephCluster returns the CephCluster: OSDs only on the listed devices of
// the listed Kubernetes nodes, named by hostname as Rook matches them
// against the kubernetes.io/hostname label.
func cephCluster(c *model.Cluster) nix.Expr {
	var nodes []nix.Expr
	for _, name := range c.OSDNodes() {
		var devices []nix.Expr
		for _, o := range c.Nodes[name].OSDs() {
			d := nix.NewAttrs().Set("name", nix.String(o.Device))
			if o.DeviceClass != "" {
				// Ceph detects hdd, ssd or nvme by itself; a class
				// the spec names is set on the OSD.
				d.SetPath([]string{"config", "deviceClass"}, nix.String(o.DeviceClass))
			}
			devices = append(devices, d)
		}
		nodes = append(nodes, nix.NewAttrs().
			Set("name", nix.String(name)).
			Set("devices", nix.List(devices...)))
	}
	// A node may be tainted to keep other workloads away, a control-plane
	// node or a storage node; Ceph's monitors, managers and OSDs must
	// still run there. Every Kubernetes node's taints are tolerated
	// exactly.
	var tolerations []nix.Expr
	seenTaint := map[string]bool{}
	for _, name := range c.KubernetesNodes() {
		for _, t := range c.Nodes[name].Taints {
			if !seenTaint[t] {
				seenTaint[t] = true
				tolerations = append(tolerations, toleration(t))
			}
		}
	}

	spec := nix.NewAttrs().
		SetPath([]string{"cephVersion", "image"}, nix.String(c.Ceph.CephImage)).
		Set("dataDirHostPath", nix.String("/var/lib/rook")).
		Comment("At most one monitor and one manager per node; an odd number of monitors.").
		Set("mon", nix.NewAttrs().
			Set("count", nix.Int(int64(c.MonCount()))).
			Set("allowMultiplePerNode", nix.Bool(false))).
		Set("mgr", nix.NewAttrs().
			Set("count", nix.Int(int64(c.MgrCount()))).
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

// storageClass returns a StorageClass. Exactly the class marked
// default_class carries the is-default-class annotation; a bucket class
// cannot expand anything.
func storageClass(name string, isDefault bool, provisioner string, params map[string]string, expandable bool) nix.Expr {
	md := meta(name, "")
	if isDefault {
		md.Set("annotations", nix.NewAttrs().
			Set("storageclass.kubernetes.io/is-default-class", nix.String("true")))
	}
	p := map[string]nix.Expr{}
	for k, v := range params {
		p[k] = nix.String(v)
	}
	sc := nix.NewAttrs().
		Set("metadata", md).
		Set("provisioner", nix.String(provisioner)).
		Set("parameters", nix.SortedAttrs(p)).
		Set("reclaimPolicy", nix.String("Delete"))
	if expandable {
		sc.Set("allowVolumeExpansion", nix.Bool(true))
	}
	return sc
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
