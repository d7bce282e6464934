// Package model is the typed, fully defaulted cluster description that the
// generators consume. It is produced by validation: the loader's document is
// unified with the CUE schema (which owns every default) and decoded here, so
// no field of a valid model is ever missing.
package model

import "sort"

// Roles a node can have.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
	RoleStandalone   = "standalone"
)

// MaxControlPlaneNodes is how many servers hlcgen can give distinct
// keepalived priorities (150, 140, ... 10); validation enforces it.
const MaxControlPlaneNodes = 15

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
	Subnet      string   `json:"subnet"`
	Gateway     string   `json:"gateway"`
	Nameservers []string `json:"nameservers"`
	APIVIP      string   `json:"api_vip"`
	APIPort     int      `json:"api_port"`
	VRRPID      int      `json:"vrrp_id"`
}

type Kubernetes struct {
	Distribution     string   `json:"distribution"`
	ClusterCIDR      string   `json:"cluster_cidr"`
	ServiceCIDR      string   `json:"service_cidr"`
	TokenSecret      string   `json:"token_secret"`
	APIServerPort    int      `json:"apiserver_port"`
	Disable          []string `json:"disable"`
	ExtraServerFlags []string `json:"extra_server_flags"`
	ExtraAgentFlags  []string `json:"extra_agent_flags"`
}

type Cilium struct {
	Version              string `json:"version"`
	KubeProxyReplacement bool   `json:"kube_proxy_replacement"`
	Hubble               bool   `json:"hubble"`
}

type Ceph struct {
	RookVersion string                `json:"rook_version"`
	CephImage   string                `json:"ceph_image"`
	Replicas    int                   `json:"replicas"`
	BlockPools  map[string]BlockPool  `json:"block_pools"`
	Filesystems map[string]Filesystem `json:"filesystems"`
}

type BlockPool struct {
	StorageClass string `json:"storage_class"`
	DefaultClass bool   `json:"default_class"`
}

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
	Address        string            `json:"address"`
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

// NodeNames returns every node name, sorted. All generators iterate nodes in
// this order so output never depends on map order or on the order of blocks
// in cluster.hcl.
func (c *Cluster) NodeNames() []string { return sortedKeys(c.Nodes) }

// NodesWithRole returns the sorted names of the nodes with the given role.
func (c *Cluster) NodesWithRole(role string) []string {
	var out []string
	for _, name := range c.NodeNames() {
		if c.Nodes[name].Role == role {
			out = append(out, name)
		}
	}
	return out
}

// ControlPlaneNodes returns the sorted names of the k3s servers.
func (c *Cluster) ControlPlaneNodes() []string { return c.NodesWithRole(RoleControlPlane) }

// KubernetesNodes returns the sorted names of every node that runs k3s.
func (c *Cluster) KubernetesNodes() []string {
	var out []string
	for _, name := range c.NodeNames() {
		if c.Nodes[name].IsKubernetes() {
			out = append(out, name)
		}
	}
	return out
}

// BootstrapNode is the one server that runs clusterInit: the node marked
// cluster_init, or else the first control-plane node by name. Sorting by name
// (not file order) means reordering blocks in cluster.hcl never moves etcd's
// bootstrap to another node.
func (c *Cluster) BootstrapNode() string {
	cps := c.ControlPlaneNodes()
	for _, name := range cps {
		if c.Nodes[name].ClusterInit {
			return name
		}
	}
	if len(cps) == 0 {
		return ""
	}
	return cps[0]
}

// OSDNodes returns the sorted names of Kubernetes nodes that contribute OSDs.
func (c *Cluster) OSDNodes() []string {
	var out []string
	for _, name := range c.KubernetesNodes() {
		if len(c.Nodes[name].CephOSDDevices) > 0 {
			out = append(out, name)
		}
	}
	return out
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
