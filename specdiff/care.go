package specdiff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hlcgen/hlcgen/model"
)

// classify sets the Care of every change, Follows included: why the change
// needs care before it is deployed and what to do, from the models on both
// sides. A change no rule here knows is safe: hlcgen renders it, and
// deploying it is the usual rebuild.
//
// The rules are about what a running cluster does with the change, so
// each sentence names the consumer's behaviour it relies on; the sources
// are in the comments.
func classify(old, new *model.Cluster, cs []Change) {
	for i := range cs {
		cs[i].Care = care(old, new, cs[i])
		classify(old, new, cs[i].Follows)
	}
}

// NeedsCare reports whether the change or one that follows from it needs
// care.
func (c Change) NeedsCare() bool {
	if len(c.Care) > 0 {
		return true
	}
	for _, f := range c.Follows {
		if f.NeedsCare() {
			return true
		}
	}
	return false
}

func care(old, new *model.Cluster, c Change) Prose {
	switch c.Block {
	case "node":
		return nodeCare(old, new, c)
	case "network":
		return networkCare(old, new, c)
	case "kubernetes":
		return kubernetesCare(old, new, c)
	case "ceph", "ceph block_pool", "ceph filesystem", "ceph object_store":
		return cephCare(old, new, c)
	case "secrets":
		if c.Setting == "admin_age_keys" && len(removed(c)) > 0 {
			// sops encrypts a file's data key to each recipient; a
			// recipient taken out of .sops.yaml keeps its access until
			// `sops updatekeys` re-encrypts the file (getsops/sops
			// README, "Updating the keys of a file").
			return say("The removed admin key"+pluralS(len(removed(c)))+" ", codeList(removed(c)), " still "+verb(len(removed(c)), "decrypts", "decrypt")+" every sops file until it is re-encrypted: run ",
				code("sops updatekeys"), " on each after rendering, and rotate the secrets, since Git history keeps copies that can still be read.")
		}
	case "user":
		return userCare(old, new, c)
	case "flux":
		if c.Setting == "sops_age_key" {
			// Flux's kustomize-controller decrypts with the private key
			// in the sops-age Secret hlcgen renders from the cluster sops
			// file (fluxcd docs, "Manage Kubernetes secrets with SOPS").
			return say("Flux decrypts with the new key from then on: put its private key in ", code(old.Secrets.SopsFile), " (", code(model.FluxAgeKeySecret),
				") and re-encrypt the secrets under ", code(new.Flux.Path), " with ", code("sops updatekeys"), " before Flux reconciles them.")
		}
	}
	return nil
}

func nodeCare(old, new *model.Cluster, c Change) Prose {
	name := c.Name
	o, inOld := old.Nodes[name]
	if c.Kind == Renamed {
		o = old.Nodes[c.OldName]
	}
	n := new.Nodes[name]
	wasServer := o.Role == model.RoleControlPlane
	switch {
	case c.Kind == Removed && c.Setting == "":
		var p Prose
		if wasServer {
			// k3s removes a server's etcd member when its Node object is
			// deleted, and a server left running rejoins when k3s
			// restarts (k3s-io/k3s discussion 9818).
			p = say(code(name), " is an etcd member and keeps running k3s until it is stopped: stop k3s there and delete the node (",
				code("kubectl delete node "+name), " also removes its etcd member), one server at a time, so that the others keep a majority.")
		}
		if osds := o.OSDs(); o.IsKubernetes() && len(osds) > 0 {
			p = append(p, say(sep(p), osdCare(name, devices(osds)))...)
		}
		return p
	case c.Kind == Renamed:
		from := c.OldName
		var p Prose
		switch {
		case wasServer:
			p = say(code(from), " is an etcd member under its name: delete it (", code("kubectl delete node "+from),
				") and reset its k3s data before deploying it as ", code(name), ", one server at a time, so that it joins afresh.")
		case o.IsKubernetes():
			p = say("Kubernetes knows the node as ", code(from), ": delete that Node (", code("kubectl delete node "+from), ") once ", code(name), " is Ready.")
		}
		if len(o.OSDs()) > 0 && o.IsKubernetes() {
			// Rook names the CRUSH host bucket after the node, and the
			// pools' failure domain is the host (rook.go).
			p = append(p, say(sep(p), "Ceph places data by host, so the OSDs of ", code(from), " move to a new host in the CRUSH map and their data is rebalanced: wait for ",
				code("HEALTH_OK"), " before the next change.")...)
		}
		return append(p, say(sep(p), "Its own secrets are now ", code(model.HostSecretsFile(name)), ": ",
			code("git mv "+model.HostSecretsFile(from)+" "+model.HostSecretsFile(name)), " if that file exists.")...)
	case !inOld:
		return nil
	}
	switch {
	case c.Setting == "address" && (wasServer || n.Role == model.RoleControlPlane):
		// etcd's peer URL is the server's address, and the other servers
		// list it in HAProxy's backends and keepalived's unicast peers
		// (generator/nixos).
		return say(code(name), " is an etcd member at ", code(addr(o)), ", which the other servers also use as HAProxy backend and keepalived peer: delete it (",
			code("kubectl delete node "+name), ") and reset its k3s data, deploy it at ", code(addr(n)), " so that it joins afresh, then the other servers.")
	case c.Setting == "role" && wasServer:
		return say(code(name), " leaves etcd: delete it (", code("kubectl delete node "+name), ") and reset its k3s data before deploying it as a ", code(n.Role), ", one server at a time.")
	case c.Setting == "role" && n.Role == model.RoleControlPlane:
		return say("k3s does not turn an agent into a server in place: delete ", code(name), " (", code("kubectl delete node "+name),
			") and reset its k3s data, then deploy it so that it joins etcd as a new member.")
	case c.Setting == "role" && o.IsKubernetes() && !n.IsKubernetes() && len(o.OSDs()) > 0:
		return osdCare(name, devices(o.OSDs()))
	case c.Setting == "age_key":
		var files []string
		for _, f := range new.SecretsFiles() {
			if slices.Contains(f.Nodes, name) {
				files = append(files, f.Path)
			}
		}
		// sops-nix decrypts at activation with the host's SSH key,
		// whose age form age_key is (Mic92/sops-nix README).
		return say("The secrets of ", code(name), " are encrypted to its old key: run ", code("sops updatekeys"), " on ", codeList(files),
			" after rendering and before deploying, or it cannot decrypt them at activation.")
	case c.Setting == "ceph_osd_devices" || strings.HasPrefix(c.Setting, "ceph_osds["):
		if gone := removedDevices(o, n); len(gone) > 0 && o.IsKubernetes() {
			return osdCare(name, gone)
		}
		if strings.HasSuffix(c.Setting, ".device_class") {
			// Rook hands the class to ceph-volume when it prepares an
			// OSD; it does not change the class of one that runs
			// (rook/rook Documentation/CRDs/Cluster/ceph-cluster-crd.md,
			// "deviceClass").
			return say("An OSD keeps the device class it was created with: change it on ", code(name), " with ",
				code("ceph osd crush rm-device-class"), " and ", code("ceph osd crush set-device-class"), ", and expect the pools of either class to move data.")
		}
	}
	return nil
}

// osdCare is the sentence for OSDs that go. Rook never purges an OSD by
// itself unless told to (removeOSDsIfOutAndSafeToRemove, off in hlcgen's
// CephCluster; rook/rook Documentation/Storage-Configuration/Advanced/ceph-osd-management.md).
func osdCare(node string, devs []string) Prose {
	return say("The Ceph OSD"+pluralS(len(devs))+" of ", code(node), " on ", codeList(devs), " "+verb(len(devs), "goes", "go")+": mark ",
		them(len(devs)), " out (", code("ceph osd out"), ") and wait for ", code("HEALTH_OK"), " first, so that the data is copied to other hosts, then purge ", them(len(devs)), " as Rook's OSD guide says.")
}

func networkCare(old, new *model.Cluster, c Change) Prose {
	switch c.Setting {
	case "api_vip":
		// Agents and joining servers register at the join URL, and the
		// VIP is in every server's certificate (tls-san), which k3s
		// re-issues when its configuration changes.
		return say("Every agent and joining server reaches the cluster at ", code(new.JoinURL()), " from then on, and every kubeconfig names the VIP: deploy the control-plane nodes first, then the other nodes, then update the kubeconfigs.")
	case "api_port":
		return say("HAProxy moves to port ", code(strconv.Itoa(new.Network.APIPort)), " on the VIP, where agents join and kubeconfigs connect: deploy the control-plane nodes first, then the other nodes, then update the kubeconfigs.")
	case "vrrp_id":
		// VRRP routers only form a group with the same virtual router
		// ID, and it must be unique on the LAN (RFC 5798, section 5.2.3).
		return say("Servers form one keepalived group only with the same virtual router ID, so until every server has ", code(strconv.Itoa(new.Network.VRRPID)),
			", each may hold the VIP on its own: deploy all control-plane nodes together, and check that no other VRRP router on the LAN uses that ID.")
	}
	return nil
}

func kubernetesCare(old, new *model.Cluster, c Change) Prose {
	switch c.Setting {
	case "apiserver_port":
		return say("Every apiserver moves to port ", code(strconv.Itoa(new.Kubernetes.APIServerPort)), " and HAProxy's backends with it: deploy all control-plane nodes together, and update whatever reaches an apiserver directly rather than through the VIP.")
	case "cluster_cidr", "service_cidr":
		// k3s lists both among the settings every server must share and
		// that are set when the cluster is created (docs.k3s.io, "Server
		// Configuration"): running pods, Services and Cilium's IPAM keep
		// the old network.
		what := "pod"
		if c.Setting == "service_cidr" {
			what = "service"
		}
		return say("k3s cannot move the " + what + " network of a running cluster (pods, Services and Cilium keep the old addresses): this means rebuilding the cluster, every node reset and the workloads restored.")
	case "version":
		o, okO := minor(old.Kubernetes.Version)
		n, okN := minor(new.Kubernetes.Version)
		switch {
		case !okO || !okN:
		case n < o:
			// Kubernetes supports no downgrade of the control plane; k3s
			// restores a snapshot taken before the upgrade instead
			// (docs.k3s.io, "Upgrades", and kubernetes.io version skew
			// policy).
			return say("Kubernetes does not go back a minor release (the datastore may hold objects only the newer one knows): restore an etcd snapshot taken before the upgrade instead.")
		case n > o+1:
			// The version skew policy allows control planes one minor
			// release apart during an upgrade.
			return say("Kubernetes upgrades one minor release at a time: deploy ", code(strings.Join(steps(o, n), " → ")), ", one release per change.")
		}
	case BootstrapSetting:
		// The bootstrap server runs with clusterInit and no server to
		// join; on a node that already has etcd data, k3s starts from
		// that data (generator/nixos).
		return say(code(unquote(c.New)), " becomes the server that bootstraps etcd: it must be an etcd member with its data when it is deployed, since a fresh install of it would start a new, empty cluster.")
	case ServerCountSetting:
		n, _ := strconv.Atoi(c.New)
		o, _ := strconv.Atoi(c.Old)
		// etcd needs a majority of its members: n members survive
		// (n-1)/2 failures (etcd.io FAQ, "What is failure tolerance?").
		tail := "."
		if n < o {
			tail = "; remove servers one at a time, so that the rest keep a majority."
		}
		switch {
		case n == 1:
			return say("With 1 control-plane node, etcd and the API stop whenever it does: 3 is the smallest number that survives a failure" + tail)
		case n == 2:
			return say("With 2 control-plane nodes, etcd needs both for a majority, so losing either stops the API: use 3" + tail)
		case n%2 == 0:
			return say("With " + strconv.Itoa(n) + " control-plane nodes, etcd survives no more failures than with " + strconv.Itoa(n-1) + " and has one more member to lose: use an odd number" + tail)
		}
	}
	return nil
}

func cephCare(old, new *model.Cluster, c Change) Prose {
	if c.Block == "ceph" && c.Setting == "" && c.Kind == Removed {
		return say("Flux prunes the CephCluster with every pool, filesystem and object store in it: every Ceph volume and bucket goes with them; move the data off Ceph first.")
	}
	if old.Ceph == nil || new.Ceph == nil {
		return nil
	}
	if c.Setting == "" && c.Kind == Removed {
		// Flux prunes what it applied before (bootstrap.go, prune); what
		// Rook then does is per kind (rook.go).
		switch c.Block {
		case "ceph block_pool":
			// Rook deletes the Ceph pool of a deleted CephBlockPool, and
			// holds back while images remain (rook/rook
			// design/ceph/resource-dependencies.md).
			return say("Flux prunes the CephBlockPool and its storage class ", code(old.Ceph.BlockPools[c.Name].StorageClass),
				": Rook deletes the Ceph pool, and every volume in it, once nothing holds it back; move the volumes to another class first.")
		case "ceph filesystem":
			return say("Flux prunes the CephFilesystem and its storage class ", code(old.Ceph.Filesystems[c.Name].StorageClass),
				": its metadata servers stop and its volumes can no longer be mounted (the pools stay, ", code("preserveFilesystemOnDelete"), "); move the volumes first.")
		case "ceph object_store":
			return say("Flux prunes the CephObjectStore and its storage class ", code(old.Ceph.ObjectStores[c.Name].StorageClass),
				": its gateways stop and its buckets are out of reach (the pools stay, ", code("preservePoolsOnDelete"), "); move the buckets first.")
		}
		return nil
	}
	switch {
	case c.Setting == "replicas":
		var lower []string
		for _, p := range pools(old, new) {
			if p.new < p.old && (c.Block == "ceph" && p.shared || p.name == c.Name && p.block == c.Block) {
				lower = append(lower, p.name)
			}
		}
		if len(lower) > 0 {
			// Ceph drops the extra copies when a pool's size shrinks.
			return say("Fewer copies of ", codeList(lower), ": one failure fewer is survived, and Ceph drops the extra copies at once.")
		}
	case c.Setting == "erasure_coded" || strings.HasPrefix(c.Setting, "erasure_coded."):
		// An erasure-coded pool's profile (its k and m) is fixed when the
		// pool is created (docs.ceph.com, "Erasure code profiles").
		return say("Ceph fixes a pool's data and coding chunks when it creates the pool, so ", code(c.Name),
			" cannot change in place: create a new pool and move its volumes.")
	case c.Setting == "device_class":
		// A pool's CRUSH rule picks OSDs by class; a new rule moves every
		// placement group (docs.ceph.com, "CRUSH Maps", device classes).
		class := unquote(c.New)
		if class == "" {
			class = "any"
		}
		return say("Ceph moves all the data of ", code(c.Name), " onto OSDs of class ", code(class), ": check they have room, and expect recovery traffic until ", code("HEALTH_OK"), ".")
	}
	return nil
}

func userCare(old, new *model.Cluster, c Change) Prose {
	u := old.Users[c.Name]
	deployUser := ""
	if c.Name == new.Deploy.SSHUser {
		deployUser = ", the user deploy-rs connects as,"
	}
	switch {
	case c.Kind == Removed && c.Setting == "" && len(u.SSHKeys) > 0:
		return say(code(c.Name), deployUser, " can no longer log in on any node once deployed: make sure that is meant, and that you keep a way in.")
	case c.Setting == "ssh_keys" && len(removed(c)) > 0:
		gone := removed(c)
		return say("The removed SSH key"+pluralS(len(gone))+" no longer "+verb(len(gone), "logs", "log")+" in as ", code(c.Name), deployUser, " once deployed: make sure you keep a key that does.")
	case c.Setting == "admin" && u.Admin && !new.Users[c.Name].Admin:
		return say(code(c.Name), " loses admin rights (sudo) on every node once deployed.")
	}
	return nil
}

// removed returns the elements a list setting lost, in HCL syntax
// unquoted.
func removed(c Change) []string {
	var out []string
	if len(c.Plus) > 0 || len(c.Minus) > 0 {
		for _, m := range c.Minus {
			out = append(out, unquote(m))
		}
		return out
	}
	if c.Kind == Removed && c.Old != "" {
		return listText(c.Old)
	}
	// A reordered list (Old and New whole): the elements not in New.
	keep := map[string]bool{}
	for _, e := range listText(c.New) {
		keep[e] = true
	}
	for _, e := range listText(c.Old) {
		if !keep[e] {
			out = append(out, e)
		}
	}
	return out
}

// listText splits a list Format wrote: ["a", "b"].
func listText(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if s == "" {
		return nil
	}
	var out []string
	for _, e := range strings.Split(s, ", ") {
		out = append(out, unquote(e))
	}
	return out
}

type poolCopies struct {
	block, name string
	old, new    int
	// shared: the pool has no replicas of its own on either side, so
	// ceph.replicas is its copies.
	shared bool
}

// pools returns the replicated pools on both sides with their copies.
func pools(old, new *model.Cluster) []poolCopies {
	var out []poolCopies
	for _, name := range model.SortedKeys(old.Ceph.BlockPools) {
		o := old.Ceph.BlockPools[name]
		n, ok := new.Ceph.BlockPools[name]
		if ok && o.ErasureCoded == nil && n.ErasureCoded == nil {
			out = append(out, poolCopies{"ceph block_pool", name, old.Ceph.PoolReplicas(o.Replicas), new.Ceph.PoolReplicas(n.Replicas), o.Replicas == 0 && n.Replicas == 0})
		}
	}
	for _, name := range model.SortedKeys(old.Ceph.Filesystems) {
		if n, ok := new.Ceph.Filesystems[name]; ok {
			o := old.Ceph.Filesystems[name]
			out = append(out, poolCopies{"ceph filesystem", name, old.Ceph.PoolReplicas(o.Replicas), new.Ceph.PoolReplicas(n.Replicas), o.Replicas == 0 && n.Replicas == 0})
		}
	}
	for _, name := range model.SortedKeys(old.Ceph.ObjectStores) {
		if n, ok := new.Ceph.ObjectStores[name]; ok {
			o := old.Ceph.ObjectStores[name]
			out = append(out, poolCopies{"ceph object_store", name, old.Ceph.PoolReplicas(o.Replicas), new.Ceph.PoolReplicas(n.Replicas), o.Replicas == 0 && n.Replicas == 0})
		}
	}
	return out
}

func devices(osds []model.OSD) []string {
	out := make([]string, len(osds))
	for i, o := range osds {
		out[i] = o.Device
	}
	return out
}

// removedDevices are the OSD devices of o that n no longer has.
func removedDevices(o, n model.Node) []string {
	keep := map[string]bool{}
	if n.IsKubernetes() {
		for _, d := range n.OSDs() {
			keep[d.Device] = true
		}
	}
	var out []string
	for _, d := range o.OSDs() {
		if !keep[d.Device] {
			out = append(out, d.Device)
		}
	}
	return out
}

func addr(n model.Node) string {
	if n.Address.IsValid() {
		return n.Address.String()
	}
	return "(no address)"
}

// minor is the minor release of a "1.XX" version.
func minor(v string) (int, bool) {
	major, m, ok := strings.Cut(v, ".")
	if !ok || major != "1" {
		return 0, false
	}
	n, err := strconv.Atoi(m)
	return n, err == nil
}

// steps are the releases from minor o to n, one at a time: 1.34, 1.35, 1.36.
func steps(o, n int) []string {
	var out []string
	for m := o; m <= n; m++ {
		out = append(out, "1."+strconv.Itoa(m))
	}
	return out
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// verb is the singular or plural form for n subjects.
func verb(n int, singular, plural string) string {
	if n == 1 {
		return singular
	}
	return plural
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// sep is what starts a sentence appended to p: a space, unless p is empty.
func sep(p Prose) string {
	if len(p) == 0 {
		return ""
	}
	return " "
}
