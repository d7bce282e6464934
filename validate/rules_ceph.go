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
	pools := len(ceph.BlockPools) + len(ceph.Filesystems) + len(ceph.ObjectStores)
	if len(c.OSDNodes()) == 0 && pools > 0 {
		rc.add(diag.CephWithoutNodes, rc.value("ceph"),
			"The ceph block defines %s, but no Kubernetes node has an OSD (ceph_osd_devices or a ceph_osd block), so Ceph has no disk to store data on. Add OSDs to at least %d control-plane or worker %s, or remove the ceph block.",
			rc.poolList(), max(ceph.Replicas, 1), plural(max(ceph.Replicas, 1), "node", "nodes"))
		return
	}
	tooFewMons := checkCephDaemons(rc)
	for _, p := range rc.cephPools() {
		// Too few nodes for three monitors is the same problem as too
		// few hosts for ceph.replicas copies: reported once.
		if tooFewMons && strings.HasPrefix(p.copiesDesc, "ceph.replicas") {
			continue
		}
		checkPlacement(rc, p)
	}
}

// cephPool is a Ceph pool the spec asks for, with what placing it needs:
// copies on as many hosts (failureDomain: host) with an OSD of its class.
type cephPool struct {
	what   string   // block_pool "bulk", or block_pool "archive"'s metadata pool
	path   []string // where to report it
	class  string   // "" for any
	copies int
	// copiesDesc says where copies come from: "replicas = 2".
	copiesDesc string
}

func (rc *ruleContext) cephPools() []cephPool {
	ceph := rc.c.Ceph
	replicated := func(own int, base []string) (int, string, []string) {
		if own > 0 {
			return own, fmt.Sprintf("replicas = %d", own), append(base, "replicas")
		}
		at := []string{"ceph", "replicas"}
		if !rc.has(at...) {
			at = base
		}
		return ceph.Replicas, fmt.Sprintf("ceph.replicas = %d", ceph.Replicas), at
	}
	var out []cephPool
	for _, name := range model.SortedKeys(ceph.BlockPools) {
		b := ceph.BlockPools[name]
		base := []string{"ceph", "block_pools", name}
		what := fmt.Sprintf("block_pool %q", name)
		if ec := b.ErasureCoded; ec != nil {
			out = append(out, cephPool{what, append(base, "erasure_coded"), b.DeviceClass, ec.DataChunks + ec.CodingChunks,
				fmt.Sprintf("data_chunks + coding_chunks = %d", ec.DataChunks+ec.CodingChunks)})
			// RBD keeps an erasure-coded pool's image metadata in a
			// replicated pool (hlcgen generates it).
			n, desc, at := replicated(0, base)
			out = append(out, cephPool{what + "'s replicated metadata pool", at, b.DeviceClass, n, desc})
			continue
		}
		n, desc, at := replicated(b.Replicas, base)
		out = append(out, cephPool{what, at, b.DeviceClass, n, desc})
	}
	for _, name := range model.SortedKeys(ceph.Filesystems) {
		f := ceph.Filesystems[name]
		n, desc, at := replicated(f.Replicas, []string{"ceph", "filesystems", name})
		out = append(out, cephPool{fmt.Sprintf("filesystem %q", name), at, f.DeviceClass, n, desc})
	}
	for _, name := range model.SortedKeys(ceph.ObjectStores) {
		o := ceph.ObjectStores[name]
		n, desc, at := replicated(o.Replicas, []string{"ceph", "object_stores", name})
		out = append(out, cephPool{fmt.Sprintf("object_store %q", name), at, o.DeviceClass, n, desc})
	}
	return out
}

// checkPlacement: Ceph keeps each copy on another host, so a pool needs as
// many hosts with an OSD of its class as it has copies, or it is never
// healthy (and with replicas it stops taking writes). Classes declared
// with ceph_osd blocks count exactly; OSDs whose class Ceph detects
// (ceph_osd_devices) may or may not have the class, so when only they
// would make up the number it is a warning naming them.
func checkPlacement(rc *ruleContext, p cephPool) {
	c := rc.c
	var hosts, maybe []string
	for _, n := range c.OSDNodes() {
		has, undetected := false, false
		for _, o := range c.Nodes[n].OSDs() {
			switch {
			case p.class == "" || o.DeviceClass == p.class:
				has = true
			case o.DeviceClass == "":
				undetected = true
			}
		}
		switch {
		case has:
			hosts = append(hosts, n)
		case undetected:
			maybe = append(maybe, n)
		}
	}
	if p.copies <= 0 || len(hosts) >= p.copies {
		return
	}
	on := "hosts with an OSD"
	if p.class != "" {
		on = fmt.Sprintf("hosts with a %q OSD", p.class)
	}
	have := fmt.Sprintf("there %s %d (%s)", plural(len(hosts), "is", "are"), len(hosts), quoteList(hosts))
	if len(hosts) == 0 {
		have = "there is none"
	}
	if len(hosts)+len(maybe) >= p.copies {
		rc.add(diag.CephDetectedClasses, rc.value(p.path...),
			"%s keeps %d copies (%s) on %d different %s; %s declared, and %s %s OSDs whose class Ceph detects (ceph_osd_devices), which may or may not be %q. Declare their class with ceph_osd \"<device>\" { device_class = %q } blocks to be sure.",
			p.what, p.copies, p.copiesDesc, p.copies, on, have, quoteList(maybe), plural(len(maybe), "has", "have"), p.class, p.class)
		return
	}
	fix := fmt.Sprintf("Add %sOSDs to %d more %s", classWord(p.class), p.copies-len(hosts)-len(maybe), plural(p.copies-len(hosts)-len(maybe), "node", "nodes"))
	if len(hosts) > 0 {
		fix += fmt.Sprintf(", or lower the copies to %d", len(hosts))
	}
	detail := fmt.Sprintf("%s keeps %d copies (%s) on %d different %s (failureDomain: host), but %s", p.what, p.copies, p.copiesDesc, p.copies, on, have)
	if len(maybe) > 0 {
		detail += fmt.Sprintf(" (%s %s OSDs whose class Ceph detects, which would not be enough even if they were %q)", quoteList(maybe), plural(len(maybe), "has", "have"), p.class)
	}
	if s := standaloneWithDevices(c); len(s) > 0 {
		detail += fmt.Sprintf("; standalone nodes (%s) run no Ceph", quoteList(s))
	}
	rc.add(diag.CephReplicas, rc.value(p.path...), "%s, so it could never be healthy. %s.", detail, fix)
}

func classWord(class string) string {
	if class == "" {
		return ""
	}
	return fmt.Sprintf("%q ", class)
}

// checkCephDaemons: Rook runs at most one monitor and one manager per node
// (allowMultiplePerNode: false); monitors keep quorum by majority, so an
// odd count; and with three or more copies of the data, one monitor would
// be the cluster's single point of failure. It reports whether the
// monitors are too few for ceph.replicas.
func checkCephDaemons(rc *ruleContext) (tooFewMons bool) {
	c := rc.c
	ceph := c.Ceph
	k8s := c.KubernetesNodes()
	mons := c.MonCount()
	monAt := rc.value("ceph", "mon_count")
	switch {
	case ceph.MonCount > 0 && mons%2 == 0:
		rc.add(diag.CephMons, monAt, "mon_count = %d: monitors keep quorum by majority, so %d tolerate no more failures than %d. Use %d or %d.", mons, mons, mons-1, mons-1, mons+1)
	case ceph.MonCount > len(k8s):
		rc.add(diag.CephMons, monAt, "mon_count = %d, but the cluster has %d Kubernetes %s, and Rook runs at most one monitor per node. Lower mon_count to %d.",
			mons, len(k8s), plural(len(k8s), "node", "nodes"), max(1, len(k8s)-(1-len(k8s)%2)))
	case ceph.Replicas >= 3 && mons < 3:
		at := rc.value("ceph", "replicas")
		if rc.has("ceph", "mon_count") {
			at = monAt
		} else if !rc.has("ceph", "replicas") {
			at = rc.value("ceph")
		}
		what := fmt.Sprintf("the cluster has %d Kubernetes %s (%s), and Rook runs at most one monitor per node", len(k8s), plural(len(k8s), "node", "nodes"), quoteList(k8s))
		if ceph.MonCount > 0 {
			what = fmt.Sprintf("mon_count = %d", mons)
		}
		rc.add(diag.CephMons, at,
			"replicas = %d needs three Ceph monitors on three different Kubernetes nodes, but %s. Add Kubernetes nodes, or lower replicas to %d.",
			ceph.Replicas, what, max(min(len(c.OSDNodes()), 2), 1))
		tooFewMons = true
	}
	if ceph.MgrCount > len(k8s) {
		rc.add(diag.CephMons, rc.value("ceph", "mgr_count"),
			"mgr_count = %d, but the cluster has %d Kubernetes node; Rook runs at most one manager per node. Set mgr_count = 1.", ceph.MgrCount, len(k8s))
	}
	return tooFewMons
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

// checkOSDDevices checks the OSD devices of Kubernetes nodes, in both
// forms (a standalone node's are wrong as a whole, checkStandalone).
func checkOSDDevices(rc *ruleContext) {
	c := rc.c
	for _, n := range c.NodeNames() {
		node := c.Nodes[n]
		if node.Role == model.RoleStandalone {
			continue
		}
		type site struct {
			at   []string
			what string
		}
		first := map[string]site{}
		check := func(d string, s site, value []string) {
			at := rc.value(value...)
			if p := devicePathProblem(d); p != "" {
				rc.add(diag.DevicePath, at, "Node %q's OSD device %q: %s.", n, d, p)
				return
			}
			if prev, dup := first[d]; dup {
				rc.add(diag.DuplicateDevice, at,
					"Node %q lists %s twice (also as %s, %s); Rook would try to create two OSDs on one disk. Keep one.", n, d, prev.what, line(rc.value(prev.at...)))
				return
			}
			first[d] = s
			if kernelDeviceRE.MatchString(d) {
				rc.add(diag.UnstableDevice, at,
					"Node %q's OSD device %s is a kernel name, which can point at another disk after a reboot or when a disk is added, and Rook may then wipe the wrong disk. Use the disk's /dev/disk/by-id/ path (`ls -l /dev/disk/by-id/` on %s shows which one is %s).",
					n, d, n, strings.TrimPrefix(d, "/dev/"))
			}
		}
		for i, d := range node.CephOSDDevices {
			p := []string{"nodes", n, "ceph_osd_devices", idx(i)}
			check(d, site{p, fmt.Sprintf("ceph_osd_devices[%d]", i)}, p)
		}
		for _, d := range rc.inFileOrder(model.SortedKeys(node.CephOSDs), "nodes", n, "ceph_osds") {
			p := []string{"nodes", n, "ceph_osds", d}
			check(d, site{p, fmt.Sprintf("ceph_osd %q", d)}, p)
		}
	}
}

// storageClass is one storage class the ceph block declares.
type storageClass struct {
	kind, pool   string
	path         []string // document path of the pool, filesystem or object store
	StorageClass string
	DefaultClass bool
}

func (rc *ruleContext) storageClasses() []storageClass {
	var out []storageClass
	ceph := rc.c.Ceph
	for _, p := range model.SortedKeys(ceph.BlockPools) {
		b := ceph.BlockPools[p]
		out = append(out, storageClass{"block_pool", p, []string{"ceph", "block_pools", p}, b.StorageClass, b.DefaultClass})
	}
	for _, f := range model.SortedKeys(ceph.Filesystems) {
		fs := ceph.Filesystems[f]
		out = append(out, storageClass{"filesystem", f, []string{"ceph", "filesystems", f}, fs.StorageClass, fs.DefaultClass})
	}
	for _, o := range model.SortedKeys(ceph.ObjectStores) {
		os := ceph.ObjectStores[o]
		out = append(out, storageClass{"object_store", o, []string{"ceph", "object_stores", o}, os.StorageClass, os.DefaultClass})
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
		if sc.DefaultClass && sc.kind != "object_store" { // checkCephClasses
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

// checkPoolNames: Rook's pools, filesystems and object stores share the
// Rook namespace and Ceph's pool names. A filesystem "x" creates the pools
// "x-metadata" and "x-data0", an erasure-coded block pool "x" the
// replicated pool "x-metadata" hlcgen adds for its RBD metadata, and a
// block pool "x" the pool "x", so no two may share a name, and no block
// pool may take a name these generate.
func checkPoolNames(rc *ruleContext) {
	ceph := rc.c.Ceph
	type owner struct {
		what string
		path []string
	}
	names := map[string]owner{}
	var order []struct {
		name string
		o    owner
	}
	add := func(name string, o owner) {
		order = append(order, struct {
			name string
			o    owner
		}{name, o})
	}
	for _, p := range model.SortedKeys(ceph.BlockPools) {
		o := owner{fmt.Sprintf("block_pool %q", p), []string{"ceph", "block_pools", p}}
		add(p, o)
		if ceph.BlockPools[p].ErasureCoded != nil {
			add(p+"-metadata", owner{o.what + "'s metadata pool", o.path})
		}
	}
	for _, f := range model.SortedKeys(ceph.Filesystems) {
		o := owner{fmt.Sprintf("filesystem %q", f), []string{"ceph", "filesystems", f}}
		add(f, o)
		add(f+"-metadata", owner{o.what + "'s metadata pool", o.path})
		add(f+"-"+model.CephFSDataPool, owner{o.what + "'s data pool", o.path})
	}
	for _, s := range model.SortedKeys(ceph.ObjectStores) {
		add(s, owner{fmt.Sprintf("object_store %q", s), []string{"ceph", "object_stores", s}})
	}
	// File order, so the later block is the one reported.
	sort.SliceStable(order, func(i, j int) bool {
		return rc.name(order[i].o.path...).Start.Byte < rc.name(order[j].o.path...).Start.Byte
	})
	for _, e := range order {
		prev, dup := names[e.name]
		if !dup {
			names[e.name] = e.o
			continue
		}
		if prev.path[len(prev.path)-1] == e.o.path[len(e.o.path)-1] && prev.path[1] == e.o.path[1] {
			continue // one block's own pools
		}
		rc.add(diag.DuplicatePoolName, rc.name(e.o.path...),
			"%s and %s (%s) are both named %q in Rook's namespace and Ceph's pools, which must be unique. Rename one of them.",
			e.o.what, prev.what, line(rc.name(prev.path...)), e.name)
	}
}

// checkCephClasses: device classes are CRUSH names, and a bucket class is
// not a volume class.
func checkCephClasses(rc *ruleContext) {
	if rc.c.Ceph == nil {
		return
	}
	for _, name := range model.SortedKeys(rc.c.Ceph.ObjectStores) {
		if rc.c.Ceph.ObjectStores[name].DefaultClass {
			rc.add(diag.BucketDefaultClass, rc.value("ceph", "object_stores", name, "default_class"),
				"object_store %q's storage class provisions buckets (ObjectBucketClaims), not volumes: as the default StorageClass, every PersistentVolumeClaim without a class would fail. Remove default_class, and mark a block_pool or filesystem default instead.", name)
		}
	}
}
