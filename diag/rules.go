package diag

// Rule is one documented check. Its code is stable: never renumber a rule,
// retire it instead, so that users' scripts and docs keep meaning the same.
type Rule struct {
	Code     string
	Severity Severity
	Summary  string
}

func rule(code string, sev Severity, summary string) Rule {
	r := Rule{Code: code, Severity: sev, Summary: summary}
	Catalogue = append(Catalogue, r)
	return r
}

// Catalogue lists every rule in code order; README's rule list is checked
// against it by a test.
var Catalogue []Rule

// The spec language itself.
var (
	Syntax          = rule("HLC001", Error, "Invalid HCL syntax")
	UnknownBlock    = rule("HLC002", Error, "Unknown block")
	UnknownAttr     = rule("HLC003", Error, "Unknown attribute")
	DuplicateBlock  = rule("HLC004", Error, "Duplicate block")
	Missing         = rule("HLC005", Error, "Missing required setting")
	InvalidValue    = rule("HLC006", Error, "Invalid value")
	BlockLabels     = rule("HLC007", Error, "Wrong number of block labels")
	NotAllowedValue = rule("HLC008", Error, "Value not allowed here")
)

// Names and formats.
var (
	DNSLabelName  = rule("HLC010", Error, "Name is not a DNS label")
	Domain        = rule("HLC011", Error, "Invalid domain")
	TimeZone      = rule("HLC012", Error, "Unknown time zone")
	StateVersion  = rule("HLC013", Error, "Invalid NixOS state version")
	InterfaceName = rule("HLC014", Error, "Invalid network interface name")
	IPv4          = rule("HLC015", Error, "Invalid IPv4 address")
	CIDR          = rule("HLC016", Error, "Invalid or non-canonical CIDR")
	MAC           = rule("HLC017", Error, "Invalid MAC address")
	AgeRecipient  = rule("HLC018", Error, "Invalid age recipient")
	SSHKey        = rule("HLC019", Error, "Invalid SSH public key")
	UserName      = rule("HLC009", Error, "Invalid user name")
)

// Network.
var (
	OutsideSubnet    = rule("HLC020", Error, "Address outside the subnet")
	ReservedAddress  = rule("HLC021", Error, "Network or broadcast address used")
	DuplicateAddress = rule("HLC022", Error, "Address used twice")
	CIDROverlap      = rule("HLC023", Error, "Address ranges overlap")
	VRRPID           = rule("HLC024", Error, "vrrp_id out of range")
	PortClash        = rule("HLC025", Error, "API port clashes with the apiserver port")
	Port             = rule("HLC026", Error, "Invalid port")
)

// Control plane.
var (
	NoControlPlane     = rule("HLC030", Error, "No control-plane node")
	EvenControlPlane   = rule("HLC031", Error, "Even number of control-plane nodes")
	SingleControlPlane = rule("HLC032", Warning, "Control plane is not highly available")
	ClusterInit        = rule("HLC033", Error, "Exactly one server must bootstrap etcd")
)

// Ceph.
var (
	CephReplicas      = rule("HLC040", Error, "Not enough OSD hosts to place a pool")
	CephMons          = rule("HLC041", Error, "Invalid Ceph monitor or manager count")
	DevicePath        = rule("HLC042", Error, "OSD device path is not absolute")
	UnstableDevice    = rule("HLC043", Warning, "OSD device name is not stable")
	DuplicateDevice   = rule("HLC044", Error, "OSD device listed twice")
	StorageClassName  = rule("HLC045", Error, "Storage class name used twice")
	DefaultClass      = rule("HLC046", Error, "More than one default storage class")
	CephWithoutNodes  = rule("HLC047", Error, "Ceph pools need OSD devices")
	CephReplicaRange  = rule("HLC048", Error, "Invalid Ceph replica count")
	DuplicatePoolName = rule("HLC049", Error, "Ceph pool, filesystem or object store name used twice")
	// HLC140 and HLC141 are the schema's: a device class that is not a
	// CRUSH name, erasure coding chunks out of range.
	DeviceClass         = rule("HLC140", Error, "Invalid Ceph device class")
	ErasureCoding       = rule("HLC141", Error, "Invalid erasure coding")
	CephDetectedClasses = rule("HLC142", Warning, "Pool placement relies on detected device classes")
	BucketDefaultClass  = rule("HLC143", Error, "A bucket storage class cannot be the default")
)

// Secrets.
var (
	LiteralSecret   = rule("HLC050", Error, "Looks like a literal secret")
	NodeAgeKey      = rule("HLC051", Error, "Node has no age key")
	SharedAgeKey    = rule("HLC052", Error, "Age key used twice")
	NoAdminAgeKeys  = rule("HLC053", Error, "No admin age keys")
	SecretsPath     = rule("HLC054", Error, "Invalid secrets file path")
	SharedSecretKey = rule("HLC055", Error, "One secret key named for two secrets")
	// HLC170-HLC172 are about the sops files in the repository, not about
	// cluster.hcl: their range is in the file.
	SecretsRecipients = rule("HLC170", Error, "Sops file recipients differ from .sops.yaml")
	SecretsPlaintext  = rule("HLC171", Error, "Secrets file is not sops-encrypted")
	SecretsUncovered  = rule("HLC172", Warning, "Sops file no rule covers")
)

// Users and deploy.
var (
	NoAdmin       = rule("HLC060", Error, "No admin user with an SSH key")
	DeployUser    = rule("HLC061", Error, "deploy.ssh_user is not a declared user")
	DeployTimeout = rule("HLC062", Error, "Invalid deploy timeout")
)

// Flux.
var (
	FluxURL      = rule("HLC070", Error, "Flux URL must be https:// or ssh://")
	FluxEmpty    = rule("HLC071", Error, "Flux branch or path is empty")
	FluxInterval = rule("HLC072", Error, "Flux interval is not a duration")
	FluxPath     = rule("HLC073", Error, "Flux path is not a clean relative path")
	FluxBranch   = rule("HLC074", Error, "Flux branch is not a Git branch name")
)

// Helm releases.
var (
	HelmNamespace = rule("HLC080", Error, "Helm namespace is not a DNS label")
	HelmRepo      = rule("HLC081", Error, "Helm repository must be https:// or oci://")
	HelmVersion   = rule("HLC082", Error, "Helm chart version missing or not pinned")
	HelmDuplicate = rule("HLC083", Error, "Helm release name used twice in a namespace")
	HelmNoFlux    = rule("HLC084", Error, "Helm releases need a flux block")
	HelmValues    = rule("HLC085", Error, "Helm values cannot be represented")
)

// Hardware and modules.
var (
	ModulePath  = rule("HLC090", Error, "Module path must be relative and inside the repository")
	ModuleFile  = rule("HLC091", Error, "Module file does not exist")
	UnusedGroup = rule("HLC092", Warning, "Group is not used by any node")
	GroupName   = rule("HLC093", Error, "Invalid group name")
	// Untracked is a warning in validate and an error in `render --check`
	// and `hlcgen check`, which guard what is committed (validate.CheckTracked).
	Untracked = rule("HLC094", Warning, "Module or secrets file not tracked by Git")
)

// Standalone nodes.
var (
	StandaloneK8s = rule("HLC100", Error, "Standalone node has Kubernetes or Ceph settings")
)

// Labels and taints.
var (
	LabelSyntax     = rule("HLC110", Error, "Invalid Kubernetes label")
	RestrictedLabel = rule("HLC111", Error, "Label a kubelet may not set on itself")
	TaintSyntax     = rule("HLC112", Error, "Invalid taint")
)

// Kubernetes add-ons hlcgen installs (Cilium, Rook) and their limits.
var (
	TooManyServers    = rule("HLC034", Error, "Too many control-plane nodes")
	PodCIDRTooSmall   = rule("HLC027", Error, "cluster_cidr too small for Cilium's per-node pod ranges")
	TwoDefaultClasses = rule("HLC120", Warning, "k3s local-path is also a default StorageClass")
)

// k3s settings.
var (
	K3sVersion     = rule("HLC130", Error, "k3s version not available")
	KubeletSetting = rule("HLC131", Error, "Invalid kubelet setting")
	EtcdSnapshots  = rule("HLC132", Error, "Invalid etcd snapshot schedule")
	EtcdS3         = rule("HLC133", Error, "Invalid etcd S3 setting")
	OwnedK3sFlag   = rule("HLC134", Error, "k3s flag that hlcgen sets itself")
	K3sFlagScope   = rule("HLC135", Error, "k3s flag in the wrong list")
	UnknownK3sFlag = rule("HLC136", Warning, "Unknown k3s flag")
)

// Networking of the nodes and Cilium's load balancing.
var (
	LBPool                    = rule("HLC150", Error, "Invalid LoadBalancer pool")
	LBPoolOverlap             = rule("HLC151", Error, "LoadBalancer pool overlaps other addresses")
	NeedsKubeProxyReplacement = rule("HLC152", Error, "Needs Cilium's kube-proxy replacement")
	IngressAddress            = rule("HLC153", Error, "Ingress address outside the LoadBalancer pools")
	NothingAnnounces          = rule("HLC154", Warning, "LoadBalancer addresses without L2 announcements")
	ServiceLB                 = rule("HLC155", Error, "k3s servicelb enabled beside Cilium's LoadBalancer pools")
	VLAN                      = rule("HLC156", Error, "Invalid VLAN")
	Bond                      = rule("HLC157", Error, "Invalid bond")
	Addressing                = rule("HLC158", Error, "Node address missing")
	PortAlreadyOpen           = rule("HLC159", Warning, "Port already opened by hlcgen")
	VRRPPriority              = rule("HLC160", Error, "Invalid keepalived priority")
	TailscaleSetting          = rule("HLC161", Error, "Invalid Tailscale setting")
	Offsite                   = rule("HLC162", Error, "Invalid off-site node")
)
