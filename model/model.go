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
	"sort"
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
	Distribution     string       `json:"distribution"`
	ClusterCIDR      netip.Prefix `json:"cluster_cidr"`
	ServiceCIDR      netip.Prefix `json:"service_cidr"`
	TokenSecret      string       `json:"token_secret"`
	APIServerPort    int          `json:"apiserver_port"`
	Disable          []string     `json:"disable"`
	ExtraServerFlags []string     `json:"extra_server_flags"`
	ExtraAgentFlags  []string     `json:"extra_agent_flags"`
}

type Cilium struct {
	Version              string `json:"version"`
	KubeProxyReplacement bool   `json:"kube_proxy_replacement"`
	Hubble               bool   `json:"hubble"`
}

// CiliumPodCIDRMaskSize is the prefix length of the pod range Cilium's
// cluster-pool IPAM gives each node out of kubernetes.cluster_cidr
// (ipam.operator.clusterPoolIPv4MaskSize). hlcgen sets it in Cilium's values
// and validation checks cluster_cidr holds one such range per node, from
// this one constant.
const CiliumPodCIDRMaskSize = 24

type Ceph struct {
	RookVersion string                `json:"rook_version"`
	CephImage   string                `json:"ceph_image"`
	Replicas    int                   `json:"replicas"`
	BlockPools  map[string]BlockPool  `json:"block_pools"`
	Filesystems map[string]Filesystem `json:"filesystems"`
}

// BlockPool is a `ceph { block_pool "<name>" }`: a CephBlockPool with its
// RBD StorageClass.
type BlockPool struct {
	StorageClass string `json:"storage_class"`
	DefaultClass bool   `json:"default_class"`
}

// Filesystem is a `ceph { filesystem "<name>" }`: a CephFilesystem with its
// CephFS StorageClass.
type Filesystem struct {
	StorageClass string `json:"storage_class"`
	DefaultClass bool   `json:"default_class"`
}

type Flux struct {
	URL        string `json:"url"`
	Branch     string `json:"branch"`
	Path       string `json:"path"`
	Interval   string `json:"interval"`
	SopsAgeKey string `json:"sops_age_key"`
}

type Secrets struct {
	SopsFile     string   `json:"sops_file"`
	AdminAgeKeys []string `json:"admin_age_keys"`
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
	Role           string            `json:"role"`
	System         string            `json:"system"`
	Address        netip.Addr        `json:"address"`
	Interface      string            `json:"interface"`
	MAC            string            `json:"mac,omitempty"`
	DeployHost     string            `json:"deploy_host"`
	AgeKey         string            `json:"age_key"`
	Hardware       string            `json:"hardware"`
	ExtraModules   []string          `json:"extra_modules"`
	Groups         []string          `json:"groups"`
	Labels         map[string]string `json:"labels"`
	Taints         []string          `json:"taints"`
	CephOSDDevices []string          `json:"ceph_osd_devices"`
	ClusterInit    bool              `json:"cluster_init"`
}

type HelmRelease struct {
	Namespace string         `json:"namespace"`
	Repo      string         `json:"repo"`
	Chart     string         `json:"chart"`
	Version   string         `json:"version"`
	Values    map[string]any `json:"values"`
}

type Group struct {
	Description string   `json:"description"`
	Modules     []string `json:"modules"`
}

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
	bootstrap                                string
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
			if len(n.CephOSDDevices) > 0 {
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
	for i, name := range d.servers {
		d.priority[name] = max(topPriority-i*priorityStep, 0)
	}
	c.derived = d
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

// KeepalivedMaster reports whether node starts as keepalived's MASTER: the
// server with the highest priority.
func (c *Cluster) KeepalivedMaster(node string) bool {
	return len(c.derived.servers) > 0 && c.derived.servers[0] == node
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
