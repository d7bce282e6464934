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
	CephReplicas      = rule("HLC040", Error, "Not enough OSD nodes for the replica count")
	CephMons          = rule("HLC041", Error, "Not enough nodes for three Ceph monitors")
	DevicePath        = rule("HLC042", Error, "OSD device path is not absolute")
	UnstableDevice    = rule("HLC043", Warning, "OSD device name is not stable")
	DuplicateDevice   = rule("HLC044", Error, "OSD device listed twice")
	StorageClassName  = rule("HLC045", Error, "Storage class name used twice")
	DefaultClass      = rule("HLC046", Error, "More than one default storage class")
	CephWithoutNodes  = rule("HLC047", Error, "Ceph pools need OSD devices")
	CephReplicaRange  = rule("HLC048", Error, "Invalid Ceph replica count")
	DuplicatePoolName = rule("HLC049", Error, "Ceph pool or filesystem name used twice")
)

// Secrets.
var (
	LiteralSecret  = rule("HLC050", Error, "Looks like a literal secret")
	NodeAgeKey     = rule("HLC051", Error, "Node has no age key")
	SharedAgeKey   = rule("HLC052", Error, "Age key used twice")
	NoAdminAgeKeys = rule("HLC053", Error, "No admin age keys")
	SecretsPath    = rule("HLC054", Error, "Invalid secrets file path")
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
	HelmVersion   = rule("HLC082", Error, "Helm chart version missing")
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
