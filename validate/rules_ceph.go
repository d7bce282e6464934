package validate

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// kernelDeviceRE matches kernel block device names. The kernel hands them
// out in probe order, so /dev/sdb today can be another disk after a reboot
// or a new disk, and Rook would wipe or use the wrong one.
var kernelDeviceRE = regexp.MustCompile(`^/dev/((s|h|v|xv)d[a-z]+[0-9]*|nvme[0-9]+n[0-9]+(p[0-9]+)?|mmcblk[0-9]+(p[0-9]+)?)$`)

// devicePathProblem explains why d is not a usable OSD device path, or
// returns "".
func devicePathProblem(d string) string {
	switch {
	case d == "":
		return "it is empty"
	case strings.IndexFunc(d, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "it contains whitespace or a control character"
	case !strings.HasPrefix(d, "/"):
		return "it is not absolute; write the disk's full path under /dev/disk/by-id/ (`ls -l /dev/disk/by-id/` on the node lists them)"
	case path.Clean(d) != d:
		return fmt.Sprintf("it is not a clean path; write %q", path.Clean(d))
	case !strings.HasPrefix(d, "/dev/"):
		return "it is not under /dev; list block devices, such as \"/dev/disk/by-id/...\""
	}
	return ""
}

func checkCeph(rc *ruleContext) {
	c := rc.c
	checkOSDDevices(rc)
	if c.Ceph == nil {
		return
	}
	checkStorageClasses(rc)
	checkPoolNames(rc)
	if !rc.rolesKnown() {
		return
	}

	ceph := c.Ceph
	osdNodes := c.OSDNodes()
	k8sNodes := c.KubernetesNodes()
	replicasAt := rc.value("ceph", "replicas")
	if !rc.has("ceph", "replicas") {
		replicasAt = rc.value("ceph")
	}
	pools := len(ceph.BlockPools) + len(ceph.Filesystems)
	switch {
	case len(osdNodes) == 0 && pools > 0:
		rc.add(diag.CephWithoutNodes, rc.value("ceph"),
			"The ceph block defines %s, but no Kubernetes node lists ceph_osd_devices, so Ceph has no disk to store data on. Add ceph_osd_devices = [\"/dev/disk/by-id/...\"] to at least %d control-plane or worker %s, or remove the ceph block.",
			rc.poolList(), max(ceph.Replicas, 1), plural(max(ceph.Replicas, 1), "node", "nodes"))
	case ceph.Replicas >= 3 && len(k8sNodes) < 3:
		// Mon quorum, not only replicas: Rook runs three monitors
		// on three different nodes (allowMultiplePerNode: false).
		rc.add(diag.CephMons, replicasAt,
			"replicas = %d needs three Ceph monitors on three different Kubernetes nodes, but the cluster has %d (%s). Add Kubernetes nodes (with ceph_osd_devices), or lower replicas to %d.",
			ceph.Replicas, len(k8sNodes), quoteList(k8sNodes), max(len(osdNodes), 1))
	case ceph.Replicas > 0 && len(osdNodes) < ceph.Replicas:
		detail := fmt.Sprintf("replicas = %d keeps every object on %d different hosts (failureDomain: host), but only %d Kubernetes %s ceph_osd_devices (%s), so pools could never be healthy.",
			ceph.Replicas, ceph.Replicas, len(osdNodes), plural(len(osdNodes), "node has", "nodes have"), quoteList(osdNodes))
		if len(osdNodes) == 0 {
			detail = fmt.Sprintf("replicas = %d keeps every object on %d different hosts, but no Kubernetes node lists ceph_osd_devices.", ceph.Replicas, ceph.Replicas)
		}
		if s := standaloneWithDevices(c); len(s) > 0 {
			detail += fmt.Sprintf(" Standalone nodes (%s) do not run Kubernetes and do not count.", quoteList(s))
		}
		missing := ceph.Replicas - len(osdNodes)
		fix := fmt.Sprintf(" Add ceph_osd_devices to %d more %s", missing, plural(missing, "node", "nodes"))
		if len(osdNodes) > 0 {
			fix += fmt.Sprintf(", or lower replicas to %d", len(osdNodes))
		}
		rc.add(diag.CephReplicas, replicasAt, "%s%s.", detail, fix)
	}
}

// poolList names the pools and filesystems, such as
// block_pool "replicapool" and filesystem "shared".
func (rc *ruleContext) poolList() string {
	var names []string
	for _, sc := range rc.storageClasses() {
		names = append(names, fmt.Sprintf("%s %q", sc.kind, sc.pool))
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func standaloneWithDevices(c *model.Cluster) []string {
	var out []string
	for _, n := range c.NodesWithRole(model.RoleStandalone) {
		if len(c.Nodes[n].CephOSDDevices) > 0 {
			out = append(out, n)
		}
	}
	return out
}

// checkOSDDevices checks the device lists of Kubernetes nodes. A standalone
// node's list is wrong as a whole (checkStandalone).
func checkOSDDevices(rc *ruleContext) {
	c := rc.c
	for _, n := range c.NodeNames() {
		node := c.Nodes[n]
		if node.Role == model.RoleStandalone {
			continue
		}
		first := map[string]int{}
		for i, d := range node.CephOSDDevices {
			at := rc.value("nodes", n, "ceph_osd_devices", idx(i))
			if p := devicePathProblem(d); p != "" {
				rc.add(diag.DevicePath, at, "Node %q's OSD device %q: %s.", n, d, p)
				continue
			}
			if j, dup := first[d]; dup {
				rc.add(diag.DuplicateDevice, at,
					"Node %q lists %s twice (also as ceph_osd_devices[%d]); Rook would try to create two OSDs on one disk. Remove one.", n, d, j)
				continue
			}
			first[d] = i
			if kernelDeviceRE.MatchString(d) {
				rc.add(diag.UnstableDevice, at,
					"Node %q's OSD device %s is a kernel name, which can point at another disk after a reboot or when a disk is added, and Rook may then wipe the wrong disk. Use the disk's /dev/disk/by-id/ path (`ls -l /dev/disk/by-id/` on %s shows which one is %s).",
					n, d, n, strings.TrimPrefix(d, "/dev/"))
			}
		}
	}
}

// storageClass is one storage class the ceph block declares.
type storageClass struct {
	kind, pool string
	path       []string // document path of the pool or filesystem
	model.BlockPool
}

func (rc *ruleContext) storageClasses() []storageClass {
	var out []storageClass
	for _, p := range model.SortedKeys(rc.c.Ceph.BlockPools) {
		out = append(out, storageClass{"block_pool", p, []string{"ceph", "block_pools", p}, rc.c.Ceph.BlockPools[p]})
	}
	for _, f := range model.SortedKeys(rc.c.Ceph.Filesystems) {
		fs := rc.c.Ceph.Filesystems[f]
		out = append(out, storageClass{"filesystem", f, []string{"ceph", "filesystems", f}, model.BlockPool(fs)})
	}
	// File order, so the second occurrence is the later one.
	sort.SliceStable(out, func(i, j int) bool {
		return rc.value(out[i].path...).Start.Byte < rc.value(out[j].path...).Start.Byte
	})
	return out
}

func checkStorageClasses(rc *ruleContext) {
	first := map[string]storageClass{}
	var defaultClass *storageClass
	for _, sc := range rc.storageClasses() {
		if sc.StorageClass != "" {
			if prev, dup := first[sc.StorageClass]; dup {
				rc.add(diag.StorageClassName, rc.value(append(sc.path, "storage_class")...),
					"Storage class %q is already the class of %s %q (%s); every pool and filesystem gets its own StorageClass object. Rename one.",
					sc.StorageClass, prev.kind, prev.pool, line(rc.value(append(prev.path, "storage_class")...)))
			} else {
				first[sc.StorageClass] = sc
			}
		}
		if sc.DefaultClass {
			if defaultClass != nil {
				rc.add(diag.DefaultClass, rc.value(append(sc.path, "default_class")...),
					"%s %q and %s %q both set default_class = true; Kubernetes picks one default StorageClass unpredictably when several are marked. Keep default_class on one of them.",
					sc.kind, sc.pool, defaultClass.kind, defaultClass.pool)
			} else {
				defaultClass = &sc
			}
		}
	}
}

// checkPoolNames: Ceph pools share one namespace. A filesystem "x" creates
// the pools "x-metadata" and "x-<data pool>", and a block pool "x" the pool
// "x", so a block pool may not have a filesystem's name nor the name of its
// metadata pool.
func checkPoolNames(rc *ruleContext) {
	ceph := rc.c.Ceph
	for _, f := range model.SortedKeys(ceph.Filesystems) {
		for _, clash := range []string{f, f + "-metadata"} {
			if _, ok := ceph.BlockPools[clash]; !ok {
				continue
			}
			// Report on the later of the two blocks.
			fsAt, poolAt := rc.name("ceph", "filesystems", f), rc.name("ceph", "block_pools", clash)
			at := fsAt
			if poolAt.Start.Byte > fsAt.Start.Byte {
				at = poolAt
			}
			what := "the same name as"
			if clash != f {
				what = "the name of the metadata pool of"
			}
			rc.add(diag.DuplicatePoolName, at,
				"block_pool %q has %s filesystem %q; both become Ceph pools, and pool names are unique in a Ceph cluster. Rename one of them.",
				clash, what, f)
		}
	}
}
