// Package model is the typed, fully defaulted cluster description that the
// generators consume. It is produced by validation: the loader's document is
// unified with the CUE schema (which owns every default) and decoded here, so
// no field of a valid model is ever missing.
//
// Addresses, networks and ports are typed (netip.Addr, netip.Prefix, int)
// and decoded once. What follows from them (the VIP with its prefix, the
// join URL, the bootstrap server, each server's keepalived priority, each
// node's k3s role) is derived once, by Complete, and read through methods:
// validation and the generators see the same values and never recompute
// them.
package model

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Roles a node can have.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
	RoleStandalone   = "standalone"
)

// Cluster is a whole cluster.hcl.
type Cluster struct {
	Cluster      Identity               `json:"cluster"`
	Network      Network                `json:"network"`
	Kubernetes   Kubernetes             `json:"kubernetes"`
	Cilium       Cilium                 `json:"cilium"`
	Ceph         *Ceph                  `json:"ceph,omitempty"`
	Flux         *Flux                  `json:"flux,omitempty"`
	Secrets      Secrets                `json:"secrets"`
	Tailscale    *Tailscale             `json:"tailscale,omitempty"`
	Deploy       Deploy                 `json:"deploy"`
	Users        map[string]User        `json:"users"`
	Nodes        map[string]Node        `json:"nodes"`
	HelmReleases map[string]HelmRelease `json:"helm_releases"`
	Groups       map[string]Group       `json:"groups"`

	// derived holds what Complete computes from the fields above.
	derived derived
}

// Identity is the `cluster "<name>"` block.
type Identity struct {
	Name         string   `json:"name"`
	Domain       string   `json:"domain"`
	TimeZone     string   `json:"time_zone"`
	StateVersion string   `json:"state_version"`
	ExtraModules []string `json:"extra_modules"`
}

type Network struct {
	// Subnet is the LAN as written: validation refuses host bits, but a
	// best-effort model of an invalid spec may still hold them.
	Subnet      netip.Prefix `json:"subnet"`
	Gateway     netip.Addr   `json:"gateway"`
	Nameservers []netip.Addr `json:"nameservers"`
	APIVIP      netip.Addr   `json:"api_vip"`
	APIPort     int          `json:"api_port"`
	VRRPID      int          `json:"vrrp_id"`
}

type Kubernetes struct {
	Distribution string `json:"distribution"`
	// Version is the k3s minor release, "1.34".
	Version          string         `json:"version"`
	ClusterCIDR      netip.Prefix   `json:"cluster_cidr"`
	ServiceCIDR      netip.Prefix   `json:"service_cidr"`
	TokenSecret      string         `json:"token_secret"`
	AgentTokenSecret string         `json:"agent_token_secret"`
	APIServerPort    int            `json:"apiserver_port"`
	Disable          []string       `json:"disable"`
	ExtraServerFlags []string       `json:"extra_server_flags"`
	ExtraAgentFlags  []string       `json:"extra_agent_flags"`
	EtcdSnapshots    *EtcdSnapshots `json:"etcd_snapshots,omitempty"`
	Kubelet          *Kubelet       `json:"kubelet,omitempty"`
}

// EtcdSnapshots is `kubernetes { etcd_snapshots { ... } }`: k3s's etcd
// snapshots on every server.
type EtcdSnapshots struct {
	Schedule  string  `json:"schedule"`
	Retention int     `json:"retention"`
	S3        *EtcdS3 `json:"s3,omitempty"`
}

// EtcdS3 is where the snapshots are uploaded; the credentials are keys in
// the cluster sops file.
type EtcdS3 struct {
	Endpoint        string `json:"endpoint"`
	Bucket          string `json:"bucket"`
	Folder          string `json:"folder"`
	Region          string `json:"region"`
	Insecure        bool   `json:"insecure"`
	AccessKeySecret string `json:"access_key_secret"`
	SecretKeySecret string `json:"secret_key_secret"`
}

// Kubelet is the kubelet's resource settings: `kubernetes { kubelet }` for
// every node, `node { kubelet }` over it for one.
type Kubelet struct {
	SystemReserved map[string]string `json:"system_reserved,omitempty"`
	KubeReserved   map[string]string `json:"kube_reserved,omitempty"`
	EvictionHard   map[string]string `json:"eviction_hard,omitempty"`
	// MaxPods is 0 when not set.
	MaxPods int `json:"max_pods,omitempty"`
}

// Over returns k with o's settings in place of k's, key by key: a node's
// kubelet block over the cluster's.
func (k *Kubelet) Over(o *Kubelet) *Kubelet {
	if k == nil && o == nil {
		return nil
	}
	out := &Kubelet{}
	for _, l := range []*Kubelet{k, o} {
		if l == nil {
			continue
		}
		out.SystemReserved = overlay(out.SystemReserved, l.SystemReserved)
		out.KubeReserved = overlay(out.KubeReserved, l.KubeReserved)
		out.EvictionHard = overlay(out.EvictionHard, l.EvictionHard)
		if l.MaxPods != 0 {
			out.MaxPods = l.MaxPods
		}
	}
	return out
}

func overlay(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

type Cilium struct {
	Version              string `json:"version"`
	KubeProxyReplacement bool   `json:"kube_proxy_replacement"`
	Hubble               bool   `json:"hubble"`
	L2Announcements      bool   `json:"l2_announcements"`
	// LBPools are the LoadBalancer address pools (Cilium LB-IPAM), by
	// name.
	LBPools           map[string]LBPool  `json:"lb_pools"`
	IngressController *IngressController `json:"ingress_controller,omitempty"`
}

// LBPool is a `cilium { lb_pool "<name>" }`: the addresses from Start to
// Stop, both included.
type LBPool struct {
	Start netip.Addr `json:"start"`
	Stop  netip.Addr `json:"stop"`
}

// Contains reports whether a is in the pool.
func (p LBPool) Contains(a netip.Addr) bool {
	return p.Start.Compare(a) <= 0 && a.Compare(p.Stop) <= 0
}

// IngressController is Cilium's ingress controller, in shared mode.
type IngressController struct {
	// LoadBalancerIP is not valid when LB-IPAM picks the address.
	LoadBalancerIP netip.Addr `json:"load_balancer_ip"`
	Default        bool       `json:"default"`
}

// CiliumPodCIDRMaskSize is the prefix length of the pod range Cilium's
// cluster-pool IPAM gives each node out of kubernetes.cluster_cidr
// (ipam.operator.clusterPoolIPv4MaskSize). hlcgen sets it in Cilium's values
// and validation checks cluster_cidr holds one such range per node, from
// this one constant.
const CiliumPodCIDRMaskSize = 24

type Ceph struct {
	RookVersion string `json:"rook_version"`
	CephImage   string `json:"ceph_image"`
	Replicas    int    `json:"replicas"`
	// MonCount and MgrCount are 0 when not set; see MonCount and
	// MgrCount for the derived counts.
	MonCount     int                    `json:"mon_count,omitempty"`
	MgrCount     int                    `json:"mgr_count,omitempty"`
	BlockPools   map[string]BlockPool   `json:"block_pools"`
	Filesystems  map[string]Filesystem  `json:"filesystems"`
	ObjectStores map[string]ObjectStore `json:"object_stores"`
}

// BlockPool is a `ceph { block_pool "<name>" }`: a CephBlockPool with its
// RBD StorageClass.
type BlockPool struct {
	StorageClass string `json:"storage_class"`
	DefaultClass bool   `json:"default_class"`
	DeviceClass  string `json:"device_class,omitempty"`
	// Replicas is 0 when not set: ceph.replicas applies.
	Replicas     int           `json:"replicas,omitempty"`
	ErasureCoded *ErasureCoded `json:"erasure_coded,omitempty"`
}

// ErasureCoded is a pool's erasure coding: each object in DataChunks
// pieces plus CodingChunks parity pieces, on as many hosts.
type ErasureCoded struct {
	DataChunks   int `json:"data_chunks"`
	CodingChunks int `json:"coding_chunks"`
}

// Filesystem is a `ceph { filesystem "<name>" }`: a CephFilesystem with its
// CephFS StorageClass.
type Filesystem struct {
	StorageClass string `json:"storage_class"`
	DefaultClass bool   `json:"default_class"`
	DeviceClass  string `json:"device_class,omitempty"`
	Replicas     int    `json:"replicas,omitempty"`
}

// ObjectStore is a `ceph { object_store "<name>" }`: a CephObjectStore
// (RGW) with a bucket StorageClass for ObjectBucketClaims.
type ObjectStore struct {
	StorageClass string `json:"storage_class"`
	Gateways     int    `json:"gateways"`
	DeviceClass  string `json:"device_class,omitempty"`
	Replicas     int    `json:"replicas,omitempty"`
	DefaultClass bool   `json:"default_class"`
}

// CephFSDataPool is the name of every CephFilesystem's one data pool;
// Rook names its Ceph pool "<filesystem>-data0".
const CephFSDataPool = "data0"

// PoolReplicas is a pool's copies: its own replicas, or ceph.replicas.
func (c *Ceph) PoolReplicas(own int) int {
	if own > 0 {
		return own
	}
	return c.Replicas
}

type Flux struct {
	URL          string `json:"url"`
	Branch       string `json:"branch"`
	Path         string `json:"path"`
	Interval     string `json:"interval"`
	ChartVersion string `json:"chart_version"`
	SopsAgeKey   string `json:"sops_age_key"`
}

type Secrets struct {
	SopsFile          string   `json:"sops_file"`
	NodesSopsFile     string   `json:"nodes_sops_file"`
	TailscaleSopsFile string   `json:"tailscale_sops_file"`
	AdminAgeKeys      []string `json:"admin_age_keys"`
}

// Tailscale is the top-level `tailscale` block.
type Tailscale struct {
	AuthKeySecret string `json:"auth_key_secret"`
}

type Deploy struct {
	SSHUser           string   `json:"ssh_user"`
	MagicRollback     bool     `json:"magic_rollback"`
	AutoRollback      bool     `json:"auto_rollback"`
	SSHOpts           []string `json:"ssh_opts"`
	RemoteBuild       bool     `json:"remote_build"`
	ConfirmTimeout    int      `json:"confirm_timeout"`
	ActivationTimeout int      `json:"activation_timeout"`
}

type User struct {
	Admin   bool     `json:"admin"`
	SSHKeys []string `json:"ssh_keys"`
}

type Node struct {
	Role   string `json:"role"`
	System string `json:"system"`
	// Address is not valid for a node without one (a standalone node on
	// DHCP, an off-site node).
	Address      netip.Addr        `json:"address"`
	Interface    string            `json:"interface"`
	MAC          string            `json:"mac,omitempty"`
	DHCP         bool              `json:"dhcp"`
	VLAN         int               `json:"vlan,omitempty"`
	BondMembers  []string          `json:"bond_members,omitempty"`
	BondMode     string            `json:"bond_mode"`
	VRRPPriority int               `json:"vrrp_priority,omitempty"`
	DeployHost   string            `json:"deploy_host"`
	AgeKey       string            `json:"age_key"`
	Hardware     string            `json:"hardware"`
	ExtraModules []string          `json:"extra_modules"`
	Groups       []string          `json:"groups"`
	Labels       map[string]string `json:"labels"`
	Taints       []string          `json:"taints"`
	// CephOSDDevices are the OSDs whose class Ceph detects; CephOSDs
	// those with a class of their own, by device path. See OSDs.
	CephOSDDevices        []string           `json:"ceph_osd_devices"`
	CephOSDs              map[string]CephOSD `json:"ceph_osds"`
	ClusterInit           bool               `json:"cluster_init"`
	Kubelet               *Kubelet           `json:"kubelet,omitempty"`
	ExtraFlags            []string           `json:"extra_flags"`
	Firewall              *Firewall          `json:"firewall,omitempty"`
	Tailscale             bool               `json:"tailscale"`
	TailscaleSubnetRouter bool               `json:"tailscale_subnet_router"`
	Offsite               bool               `json:"offsite"`
}

// CephOSD is a `node { ceph_osd "<device>" }`.
type CephOSD struct {
	DeviceClass string `json:"device_class,omitempty"`
}

// OSD is one OSD device of a node, with its class ("" when Ceph detects
// it).
type OSD struct {
	Device, DeviceClass string
}

// OSDs returns the node's OSD devices: the short form in its order, then
// the blocks by device path.
func (n Node) OSDs() []OSD {
	var out []OSD
	for _, d := range n.CephOSDDevices {
		out = append(out, OSD{Device: d})
	}
	for _, d := range sortedKeys(n.CephOSDs) {
		out = append(out, OSD{Device: d, DeviceClass: n.CephOSDs[d].DeviceClass})
	}
	return out
}

// LANDevice is the Linux device the node's LAN address sits on: the VLAN
// device (<interface>.<id>) when vlan is set, otherwise interface (a NIC,
// or the bond built from bond_members).
func (n Node) LANDevice() string {
	if n.VLAN != 0 {
		return VLANDevice(n.Interface, n.VLAN)
	}
	return n.Interface
}

// VLANDevice names the VLAN device of id on iface, as iproute2 and NixOS
// name it by convention.
func VLANDevice(iface string, id int) string { return iface + "." + strconv.Itoa(id) }

// IsBond reports whether the node's interface is a bond.
func (n Node) IsBond() bool { return len(n.BondMembers) > 0 }

// Firewall is a node's or a group's `firewall` block.
type Firewall struct {
	AllowedTCPPorts []int `json:"allowed_tcp_ports"`
	AllowedUDPPorts []int `json:"allowed_udp_ports"`
}

type HelmRelease struct {
	Namespace string         `json:"namespace"`
	Repo      string         `json:"repo"`
	Chart     string         `json:"chart"`
	Version   string         `json:"version"`
	Values    map[string]any `json:"values"`
}

type Group struct {
	Description string    `json:"description"`
	Modules     []string  `json:"modules"`
	Firewall    *Firewall `json:"firewall,omitempty"`
}

// SecretsFile is a sops file hlcgen's modules read, with who may decrypt
// it besides the admins.
type SecretsFile struct {
	// Path is relative to the repository.
	Path string
	// What the file holds, for people: "the control plane's secrets".
	What string
	// Nodes are the nodes that decrypt it, sorted.
	Nodes []string
	// Keys are the keys hlcgen's modules read from it.
	Keys []string
	// Recipients are the age recipients that may decrypt it: the admins'
	// keys and its nodes', sorted and without repeats. .sops.yaml gives
	// them to the file, and hlcgen checks the file's own metadata
	// against them.
	Recipients []string
}

// SecretsFiles are the sops files and their audiences: each host's own file
// (that host), the control plane's (the servers: the server token, Flux's
// key and the etcd S3 keys, which are full control of the cluster), the
// nodes' (every Kubernetes node: the agent token) and Tailscale's (the
// nodes with tailscale = true: the auth key). A file whose audience is
// empty is left out: no node reads it.
func (c *Cluster) SecretsFiles() []SecretsFile {
	out := c.secretsFiles()
	for i, f := range out {
		keys := slices.Clone(c.Secrets.AdminAgeKeys)
		for _, n := range f.Nodes {
			keys = append(keys, c.Nodes[n].AgeKey)
		}
		out[i].Recipients = sortedUnique(keys)
	}
	return out
}

// FluxRecipients are the age recipients of the Kubernetes Secrets in the
// Flux tree: the admins, and Flux, which decrypts them in the cluster.
func (c *Cluster) FluxRecipients() []string {
	if c.Flux == nil {
		return nil
	}
	return sortedUnique(append(slices.Clone(c.Secrets.AdminAgeKeys), c.Flux.SopsAgeKey))
}

// sortedUnique sorts keys and drops repeats and blanks.
func sortedUnique(keys []string) []string {
	var out []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (c *Cluster) secretsFiles() []SecretsFile {
	var out []SecretsFile
	for _, n := range c.NodeNames() {
		out = append(out, SecretsFile{Path: HostSecretsFile(n), What: "node " + strconv.Quote(n) + "'s own secrets", Nodes: []string{n}})
	}
	if servers := c.ControlPlaneNodes(); len(servers) > 0 {
		keys := []string{c.Kubernetes.TokenSecret}
		if c.Flux != nil {
			keys = append(keys, FluxAgeKeySecret)
		}
		if es := c.Kubernetes.EtcdSnapshots; es != nil && es.S3 != nil {
			keys = append(keys, es.S3.AccessKeySecret, es.S3.SecretKeySecret)
		}
		out = append(out, SecretsFile{Path: c.Secrets.SopsFile, What: "the control plane's secrets", Nodes: servers, Keys: keys})
	}
	if k8s := c.KubernetesNodes(); len(k8s) > 0 {
		out = append(out, SecretsFile{Path: c.Secrets.NodesSopsFile, What: "every Kubernetes node's secrets", Nodes: k8s, Keys: []string{c.Kubernetes.AgentTokenSecret}})
	}
	if c.Tailscale != nil {
		var ts []string
		for _, n := range c.NodeNames() {
			if c.Nodes[n].Tailscale {
				ts = append(ts, n)
			}
		}
		if len(ts) > 0 {
			out = append(out, SecretsFile{Path: c.Secrets.TailscaleSopsFile, What: "the Tailscale nodes' secrets", Nodes: ts, Keys: []string{c.Tailscale.AuthKeySecret}})
		}
	}
	return out
}

// FluxAgeKeySecret is the key of Flux's age private key in the cluster
// sops file: `flux: { age_key: ... }`.
const FluxAgeKeySecret = "flux/age_key"

// HostSecretsFile is the sops file holding one node's own secrets, relative
// to the repository: .sops.yaml gives it to the admins and that node alone,
// and the node's sops.defaultSopsFile points at it.
func HostSecretsFile(node string) string { return "secrets/hosts/" + node + ".yaml" }

// IsKubernetes reports whether the node runs k3s.
func (n Node) IsKubernetes() bool { return n.Role == RoleControlPlane || n.Role == RoleWorker }

// K3sRole is the node's services.k3s.role: "server" for a control-plane
// node, "agent" for a worker, "" for a node without k3s.
func (n Node) K3sRole() string {
	switch n.Role {
	case RoleControlPlane:
		return "server"
	case RoleWorker:
		return "agent"
	}
	return ""
}

// NixOSRelease is the NixOS release hlcgen renders for: the repository's
// flake.nix and the one hlcgen init writes pin nixos-26.05.
const NixOSRelease = "26.05"

// K3sVersions are the k3s minor releases NixOS 26.05 packages
// (pkgs.k3s_1_34 to pkgs.k3s_1_36, nixpkgs
// pkgs/applications/networking/cluster/k3s) and kubenix has Kubernetes
// definitions for (hall/kubenix modules/generated: v1.19 to v1.37).
var K3sVersions = []string{"1.34", "1.35", "1.36"}

// Keepalived priorities: the servers get distinct priorities, highest first
// by name, so the VRRP election never ties. keepalived accepts 1-254 for a
// BACKUP (keepalived.conf(5), vrrp_instance priority).
const (
	topPriority  = 150
	priorityStep = 10
)

// MaxControlPlaneNodes is how many servers get distinct keepalived
// priorities (150, 140, ... 10); validation enforces it.
const MaxControlPlaneNodes = topPriority / priorityStep

// derived is what Complete computes once from the spec.
type derived struct {
	nodeNames, servers, kubernetes, osdNodes []string
	bootstrap, master                        string
	priority                                 map[string]int
}

// Complete computes the derived values of c. Validation calls it on every
// model it returns, valid or best-effort; it reads only fields, so a
// best-effort model (with zero values where the spec was wrong) gets
// best-effort derived values.
func (c *Cluster) Complete() {
	d := derived{nodeNames: sortedKeys(c.Nodes), priority: map[string]int{}}
	for _, name := range d.nodeNames {
		n := c.Nodes[name]
		if n.Role == RoleControlPlane {
			d.servers = append(d.servers, name)
		}
		if n.IsKubernetes() {
			d.kubernetes = append(d.kubernetes, name)
			if len(n.CephOSDDevices)+len(n.CephOSDs) > 0 {
				d.osdNodes = append(d.osdNodes, name)
			}
		}
	}
	// The bootstrap server is the node marked cluster_init, or else the
	// first control-plane node by name. Sorting by name (not file order)
	// means reordering blocks in cluster.hcl never moves etcd's bootstrap.
	for _, name := range d.servers {
		if c.Nodes[name].ClusterInit {
			d.bootstrap = name
			break
		}
	}
	if d.bootstrap == "" && len(d.servers) > 0 {
		d.bootstrap = d.servers[0]
	}
	d.priority, d.master = keepalivedPriorities(c, d.servers)
	c.derived = d
}

// keepalivedPriorities gives every server a distinct VRRP priority. A
// server with vrrp_priority keeps it; the others get hlcgen's priorities,
// 150, 140, ... by name, below every explicit one and skipping taken
// values. The highest is the MASTER. Validation reports a priority that
// is taken twice, or servers that do not fit above 0 (a priority of 0 or
// less here).
func keepalivedPriorities(c *Cluster, servers []string) (map[string]int, string) {
	prio := map[string]int{}
	taken := map[int]bool{}
	top := topPriority
	for _, name := range servers {
		if p := c.Nodes[name].VRRPPriority; p > 0 {
			prio[name] = p
			taken[p] = true
			top = min(top, p-priorityStep)
		}
	}
	next := top
	for _, name := range servers {
		if _, explicit := prio[name]; explicit {
			continue
		}
		for taken[next] {
			next -= priorityStep
		}
		prio[name] = next
		taken[next] = true
		next -= priorityStep
	}
	master := ""
	for _, name := range servers {
		if master == "" || prio[name] > prio[master] {
			master = name
		}
	}
	return prio, master
}

// NodeNames returns every node name, sorted. All generators iterate nodes in
// this order so output never depends on map order or on the order of blocks
// in cluster.hcl.
func (c *Cluster) NodeNames() []string { return c.derived.nodeNames }

// NodesWithRole returns the sorted names of the nodes with the given role.
func (c *Cluster) NodesWithRole(role string) []string {
	var out []string
	for _, name := range c.derived.nodeNames {
		if c.Nodes[name].Role == role {
			out = append(out, name)
		}
	}
	return out
}

// ControlPlaneNodes returns the sorted names of the k3s servers.
func (c *Cluster) ControlPlaneNodes() []string { return c.derived.servers }

// KubernetesNodes returns the sorted names of every node that runs k3s.
func (c *Cluster) KubernetesNodes() []string { return c.derived.kubernetes }

// OSDNodes returns the sorted names of Kubernetes nodes that contribute OSDs.
func (c *Cluster) OSDNodes() []string { return c.derived.osdNodes }

// BootstrapNode is the one server that runs clusterInit, or "" when there
// is no server.
func (c *Cluster) BootstrapNode() string { return c.derived.bootstrap }

// KeepalivedPriority is a server's VRRP priority; 0 for other nodes.
func (c *Cluster) KeepalivedPriority(node string) int { return c.derived.priority[node] }

// KeepalivedMaster is the server that starts as keepalived's MASTER: the
// one with the highest priority.
func (c *Cluster) KeepalivedMaster() string { return c.derived.master }

// MonCount is the number of Ceph monitors: ceph.mon_count, or 3 (one per
// node, and an odd number, on clusters with fewer Kubernetes nodes).
func (c *Cluster) MonCount() int {
	if c.Ceph != nil && c.Ceph.MonCount > 0 {
		return c.Ceph.MonCount
	}
	if len(c.derived.kubernetes) >= 3 {
		return 3
	}
	return 1
}

// MgrCount is the number of Ceph managers: ceph.mgr_count, or 2 (an active
// one and a standby), 1 on a one-node cluster.
func (c *Cluster) MgrCount() int {
	if c.Ceph != nil && c.Ceph.MgrCount > 0 {
		return c.Ceph.MgrCount
	}
	return min(2, max(len(c.derived.kubernetes), 1))
}

// VIPPrefix is the API VIP with the LAN's prefix length, as keepalived
// puts it on the servers' interface ("10.10.10.250/24").
func (c *Cluster) VIPPrefix() netip.Prefix {
	return netip.PrefixFrom(c.Network.APIVIP, c.Network.Subnet.Bits())
}

// JoinURL is where agents and joining servers register:
// https://<api_vip>:<api_port>, served by HAProxy on every server.
func (c *Cluster) JoinURL() string {
	return "https://" + netip.AddrPortFrom(c.Network.APIVIP, uint16(c.Network.APIPort)).String()
}

// SortedKeys returns a map's keys in order.
func SortedKeys[V any](m map[string]V) []string { return sortedKeys(m) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Strings returns the text form of addresses or networks, for settings
// that are lists of strings (nameservers).
func Strings[T interface{ String() string }](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	return out
}

// K3sFlag is one k3s flag as cluster.hcl writes it: "--name=value",
// "--name", or a one-letter "-v=4".
type K3sFlag struct {
	// Name is the flag without its dashes: the key of k3s's configuration
	// file.
	Name     string
	Value    string
	HasValue bool
}

// ParseK3sFlag splits a flag at its first "="; the schema has checked its
// shape.
func ParseK3sFlag(s string) K3sFlag {
	name, value, has := strings.Cut(s, "=")
	return K3sFlag{Name: strings.TrimLeft(name, "-"), Value: value, HasValue: has}
}
