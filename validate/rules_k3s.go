package validate

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
)

// A k3s flag list of the spec: where it is written and whom it reaches.
type flagList struct {
	path  []string // document path of the list
	what  string   // as the user writes it: "kubernetes.extra_agent_flags"
	flags []string
	// server and agent: the list reaches servers, agents, or both (a
	// node's own list reaches that node's role).
	server, agent bool
	// node: the list is one node's own.
	node bool
}

func (rc *ruleContext) flagLists() []flagList {
	k := rc.c.Kubernetes
	out := []flagList{
		{path: []string{"kubernetes", "extra_server_flags"}, what: "kubernetes.extra_server_flags", flags: k.ExtraServerFlags, server: true},
		{path: []string{"kubernetes", "extra_agent_flags"}, what: "kubernetes.extra_agent_flags", flags: k.ExtraAgentFlags, agent: true},
	}
	for _, n := range rc.c.NodeNames() {
		node := rc.c.Nodes[n]
		if len(node.ExtraFlags) == 0 {
			continue
		}
		out = append(out, flagList{
			path: []string{"nodes", n, "extra_flags"}, what: fmt.Sprintf("node %q's extra_flags", n), flags: node.ExtraFlags,
			server: node.Role == model.RoleControlPlane, agent: node.Role == model.RoleWorker, node: true,
		})
	}
	return out
}

// ownedFlag says what hlcgen does with a k3s flag it sets or depends on,
// and which setting of cluster.hcl to use instead.
type ownedFlag struct {
	why, instead string
}

// ownedFlags are the k3s flags hlcgen sets itself, from cluster.hcl, or
// that would break what it sets up. A second value from extra flags would
// be merged with or replace hlcgen's in k3s's configuration file, and k3s
// takes the last value of a flag: the cluster would silently run with the
// wrong one, or (with --disable-helm-controller) never install Cilium.
var ownedFlags = map[string]ownedFlag{
	"flannel-backend":         {"hlcgen runs Cilium as the CNI, with flannel off (--flannel-backend=none)", "cilium"},
	"disable-network-policy":  {"hlcgen sets it: Cilium enforces network policy", "cilium"},
	"disable-kube-proxy":      {"hlcgen sets it when Cilium replaces kube-proxy", "cilium.kube_proxy_replacement"},
	"disable-helm-controller": {"hlcgen installs Cilium, Flux and Rook through k3s's helm controller; without it the cluster never gets a CNI", ""},
	"cluster-init":            {"hlcgen sets it on the one server that bootstraps etcd", "node.cluster_init"},
	"server":                  {"hlcgen joins every node through the API VIP", "network.api_vip and network.api_port"},
	"s":                       {"hlcgen joins every node through the API VIP", "network.api_vip and network.api_port"},
	"token":                   {"hlcgen hands k3s the tokens from sops-nix, never on a command line or in the store", "kubernetes.token_secret and kubernetes.agent_token_secret"},
	"t":                       {"hlcgen hands k3s the tokens from sops-nix, never on a command line or in the store", "kubernetes.token_secret and kubernetes.agent_token_secret"},
	"token-file":              {"hlcgen hands k3s the tokens from sops-nix", "kubernetes.token_secret and kubernetes.agent_token_secret"},
	"agent-token":             {"hlcgen hands k3s the tokens from sops-nix, never on a command line or in the store", "kubernetes.agent_token_secret"},
	"agent-token-file":        {"hlcgen hands k3s the agent token from sops-nix", "kubernetes.agent_token_secret"},
	"node-ip":                 {"hlcgen sets every node's IP, so that k3s never advertises the VIP", "the node's address"},
	"i":                       {"hlcgen sets every node's IP, so that k3s never advertises the VIP", "the node's address"},
	"node-name":               {"hlcgen names every node after its node block, which Rook and the host names rely on", "the node block's name"},
	"https-listen-port":       {"hlcgen sets the apiservers' port, which HAProxy and the firewall follow", "kubernetes.apiserver_port"},
	"cluster-cidr":            {"hlcgen sets the pod network, which Cilium's IPAM follows", "kubernetes.cluster_cidr"},
	"service-cidr":            {"hlcgen sets the service network", "kubernetes.service_cidr"},
	"disable":                 {"hlcgen writes the list of disabled components, and a second list would replace it", "kubernetes.disable"},
	"node-label":              {"hlcgen writes the node's labels", "the node's labels"},
	"node-taint":              {"hlcgen writes the node's taints, which Rook's tolerations follow", "the node's taints"},
	"config":                  {"hlcgen writes k3s's configuration file", ""},
	"c":                       {"hlcgen writes k3s's configuration file", ""},
}

// ownedPrefixes are flag families hlcgen owns as a whole.
var ownedPrefixes = []struct {
	prefix string
	owned  ownedFlag
}{
	{"etcd-snapshot", ownedFlag{"hlcgen writes the etcd snapshot settings", "kubernetes.etcd_snapshots"}},
	{"etcd-s3", ownedFlag{"hlcgen writes the etcd S3 settings, and takes the keys from sops-nix", "kubernetes.etcd_snapshots.s3"}},
}

// kubeletOwned are the kubelet flags the kubelet blocks set.
var kubeletOwned = map[string]string{
	"max-pods": "max_pods", "system-reserved": "system_reserved", "kube-reserved": "kube_reserved", "eviction-hard": "eviction_hard",
}

// nodeOnlyFlags describe one machine: in a list every node shares, each
// node would claim the same value.
var nodeOnlyFlags = map[string]bool{
	"node-external-ip": true, "node-internal-dns": true, "node-external-dns": true, "with-node-id": true,
	"bind-address": true, "advertise-address": true, "flannel-iface": true,
}

// owned returns what hlcgen does with the flag f, if it owns it.
func owned(f model.K3sFlag, vip netip.Addr) (ownedFlag, bool) {
	if f.Name == "tls-san" {
		// Further names for the API are welcome; the VIP is hlcgen's.
		if a, err := netip.ParseAddr(f.Value); err == nil && a == vip {
			return ownedFlag{"hlcgen adds the VIP to the servers' certificate", "network.api_vip"}, true
		}
		return ownedFlag{}, false
	}
	if f.Name == "kubelet-arg" {
		key, _, _ := strings.Cut(strings.TrimPrefix(f.Value, "--"), "=")
		if attr, ok := kubeletOwned[key]; ok {
			return ownedFlag{"hlcgen writes the kubelet's " + key + " from the kubelet block", "kubelet { " + attr + " }"}, true
		}
		return ownedFlag{}, false
	}
	if o, ok := ownedFlags[f.Name]; ok {
		return o, true
	}
	for _, p := range ownedPrefixes {
		if strings.HasPrefix(f.Name, p.prefix) {
			return p.owned, true
		}
	}
	return ownedFlag{}, false
}

// checkK3sFlags: the extra flags reach k3s through its configuration file,
// where any value is carried as written (so spaces, quotes, '%' and '$'
// are fine now). What remains is what they mean: a flag hlcgen owns, a
// flag in a list it does not belong to, a flag k3s does not know. One
// problem gives one diagnostic.
func checkK3sFlags(rc *ruleContext) {
	known := schema.K3sFlags()
	vip := rc.c.Network.APIVIP
	for _, l := range rc.flagLists() {
		for i, s := range l.flags {
			if !rc.wroteString(append(l.path, idx(i))...) || s == "" {
				continue // the schema reported it
			}
			at := rc.value(append(l.path, idx(i))...)
			f := model.ParseK3sFlag(s)
			if o, ok := owned(f, vip); ok {
				instead := "Remove it"
				if o.instead != "" {
					instead = "Remove it and set " + o.instead + " instead"
				}
				rc.add(diag.OwnedK3sFlag, at, "%s[%d] %q: %s. %s.", l.what, i, s, o.why, instead)
				continue
			}
			cmd, isKnown := known[f.Name]
			switch {
			case nodeOnlyFlags[f.Name] && !l.node:
				rc.add(diag.K3sFlagScope, at,
					"%s[%d] %q describes one machine, but this list reaches every %s. Set it in that node's extra_flags.",
					l.what, i, s, roleOfList(l))
			case isKnown && l.agent && !l.server && !cmd.Agent:
				rc.add(diag.K3sFlagScope, at,
					"%s[%d] %q is a k3s server flag; agents do not know it (k3s would skip it with a warning). Move it to kubernetes.extra_server_flags.",
					l.what, i, s)
			case isKnown && l.server && !l.agent && !cmd.Server:
				rc.add(diag.K3sFlagScope, at, "%s[%d] %q is not a k3s server flag. Move it to kubernetes.extra_agent_flags.", l.what, i, s)
			case !isKnown:
				names := make([]string, 0, len(known))
				for n := range known {
					names = append(names, n)
				}
				hint := ""
				if sug := load.Suggest(f.Name, names); sug != "" {
					hint = fmt.Sprintf(" Did you mean --%s?", sug)
				}
				rc.add(diag.UnknownK3sFlag, at,
					"%s[%d] %q is not a flag k3s defines (as of the k3s releases hlcgen knows); k3s would skip it with a warning in its configuration file.%s",
					l.what, i, s, hint)
			}
		}
	}
}

func roleOfList(l flagList) string {
	switch {
	case l.server && l.agent:
		return "Kubernetes node"
	case l.server:
		return "server"
	}
	return "agent"
}

// checkK3sVersion: kubernetes.version picks the k3s package of the NixOS
// release hlcgen targets and kubenix's Kubernetes version.
func checkK3sVersion(rc *ruleContext) {
	v := rc.c.Kubernetes.Version
	if v == "" || slices.Contains(model.K3sVersions, v) {
		return
	}
	rc.add(diag.K3sVersion, rc.value("kubernetes", "version"),
		"kubernetes.version %q: NixOS %s packages k3s %s (pkgs.k3s_1_XX), and hlcgen renders for those. Write one of them; upgrade one minor release at a time, as Kubernetes supports.",
		v, model.NixOSRelease, quoteList(model.K3sVersions))
}

// Kubernetes quantities (k8s.io/apimachinery/pkg/api/resource): a signed
// decimal number and a suffix, binary (Ki..Ei), decimal (n u m "" k M G T
// P E) or an exponent (e3, E-2).
var (
	quantityRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$`)
	// CPU is counted in cores or millicores; binary suffixes mean nothing.
	cpuRE     = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)m?$`)
	percentRE = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)%$`)
	countRE   = regexp.MustCompile(`^[0-9]+$`)
)

// checkKubelet: the kubelet blocks become kubelet flags, which the kubelet
// parses at start: a bad quantity keeps the node from ever joining.
func checkKubelet(rc *ruleContext) {
	check := func(k *model.Kubelet, base []string, where string) {
		if k == nil {
			return
		}
		for _, res := range []struct {
			attr string
			m    map[string]string
		}{{"system_reserved", k.SystemReserved}, {"kube_reserved", k.KubeReserved}} {
			for _, key := range model.SortedKeys(res.m) {
				v := res.m[key]
				at := rc.value(append(base, res.attr, key)...)
				if p := reservedProblem(key, v); p != "" {
					rc.add(diag.KubeletSetting, at, "%s %s %s = %q: %s.", where, res.attr, key, v, p)
				}
			}
		}
		for _, sig := range model.SortedKeys(k.EvictionHard) {
			v := k.EvictionHard[sig]
			if p := evictionProblem(sig, v); p != "" {
				rc.add(diag.KubeletSetting, rc.value(append(base, "eviction_hard", sig)...), "%s eviction_hard %q = %q: %s.", where, sig, v, p)
			}
		}
	}
	check(rc.c.Kubernetes.Kubelet, []string{"kubernetes", "kubelet"}, "kubernetes.kubelet")
	for _, n := range rc.c.NodeNames() {
		node := rc.c.Nodes[n]
		if node.Kubelet != nil && !node.IsKubernetes() && node.Role != "" {
			rc.add(diag.StandaloneK8s, rc.value("nodes", n, "kubelet"),
				"Node %q is standalone: it runs no kubelet. Remove its kubelet block, or make the node a worker.", n)
			continue
		}
		check(node.Kubelet, []string{"nodes", n, "kubelet"}, fmt.Sprintf("node %q's kubelet", n))
	}
}

func reservedProblem(key, v string) string {
	switch key {
	case "cpu":
		if !cpuRE.MatchString(v) {
			return `a CPU quantity is cores ("1", "0.5") or millicores ("250m")`
		}
	case "pid":
		if !countRE.MatchString(v) {
			return `it is a number of process IDs, such as "1000"`
		}
	default:
		if !quantityRE.MatchString(v) || strings.HasPrefix(v, "-") {
			return `a quantity is a number with a unit, such as "512Mi" or "1Gi" (Ki, Mi, Gi are powers of 1024; k, M, G of 1000)`
		}
	}
	return ""
}

func evictionProblem(sig, v string) string {
	if percentRE.MatchString(v) {
		if f, _ := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64); f > 100 {
			return "a percentage is at most 100%"
		}
		return ""
	}
	if strings.HasSuffix(sig, "inodesFree") || sig == "pid.available" {
		if !countRE.MatchString(v) {
			return `write a number, such as "1000", or a percentage, such as "5%"`
		}
		return ""
	}
	if !quantityRE.MatchString(v) || strings.HasPrefix(v, "-") {
		return `write a quantity, such as "256Mi", or a percentage, such as "10%"`
	}
	return ""
}

// cronFields are the five fields of a cron schedule, with their ranges and
// names (robfig/cron, which k3s schedules etcd snapshots with).
var cronFields = []struct {
	name     string
	min, max int
	names    []string
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// cronProblem explains why s is not a five-field cron schedule, or "".
func cronProblem(s string) string {
	switch strings.TrimSpace(s) {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return ""
	}
	fields := strings.Fields(s)
	if len(fields) != 5 {
		return fmt.Sprintf("a cron schedule has five fields (minute hour day-of-month month day-of-week), this one has %d", len(fields))
	}
	for i, f := range fields {
		cf := cronFields[i]
		for _, part := range strings.Split(f, ",") {
			rng, step, hasStep := strings.Cut(part, "/")
			if hasStep {
				if n, err := strconv.Atoi(step); err != nil || n < 1 {
					return fmt.Sprintf("the %s field %q has a step that is not a positive number", cf.name, f)
				}
			}
			if rng == "*" || rng == "?" && i >= 2 {
				continue
			}
			lo, hi, isRange := strings.Cut(rng, "-")
			a, ok := cronValue(lo, cf.min, cf.max, cf.names)
			if !ok {
				return fmt.Sprintf("the %s field %q: %q is not a value between %d and %d", cf.name, f, lo, cf.min, cf.max)
			}
			if isRange {
				b, ok := cronValue(hi, cf.min, cf.max, cf.names)
				if !ok {
					return fmt.Sprintf("the %s field %q: %q is not a value between %d and %d", cf.name, f, hi, cf.min, cf.max)
				}
				if a > b {
					return fmt.Sprintf("the %s field %q has a range that ends before it starts", cf.name, f)
				}
			}
		}
	}
	return ""
}

func cronValue(v string, lo, hi int, names []string) (int, bool) {
	if i := slices.Index(names, strings.ToLower(v)); i >= 0 {
		return lo + i, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}

// s3BucketRE is S3's bucket naming rule: 3 to 63 lowercase letters,
// digits, dots and hyphens, starting and ending with a letter or digit.
var s3BucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// checkEtcdSnapshots: the schedule is a cron expression k3s accepts, and
// the S3 settings are what k3s's S3 client takes: an endpoint as
// host[:port] without a scheme (k3s builds the URL itself, and
// etcd-s3-insecure picks http), a bucket name, and credentials only as
// keys in the cluster sops file.
func checkEtcdSnapshots(rc *ruleContext) {
	es := rc.c.Kubernetes.EtcdSnapshots
	if es == nil {
		return
	}
	base := []string{"kubernetes", "etcd_snapshots"}
	if rc.wroteString(append(base, "schedule")...) {
		if p := cronProblem(es.Schedule); p != "" {
			rc.add(diag.EtcdSnapshots, rc.value(append(base, "schedule")...), "etcd_snapshots.schedule %q: %s. Write a five-field cron expression such as \"0 */12 * * *\" (at 00:00 and 12:00).", es.Schedule, p)
		}
	}
	s3 := es.S3
	if s3 == nil {
		return
	}
	s3Path := append(base, "s3")
	if rc.wroteString(append(s3Path, "endpoint")...) {
		if p := s3EndpointProblem(s3.Endpoint); p != "" {
			rc.add(diag.EtcdS3, rc.value(append(s3Path, "endpoint")...), "etcd_snapshots.s3.endpoint %q: %s.", s3.Endpoint, p)
		}
	}
	if rc.wroteString(append(s3Path, "bucket")...) && (!s3BucketRE.MatchString(s3.Bucket) || strings.Contains(s3.Bucket, "..")) {
		rc.add(diag.EtcdS3, rc.value(append(s3Path, "bucket")...),
			"etcd_snapshots.s3.bucket %q is not an S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit.", s3.Bucket)
	}
	if f := s3.Folder; f != "" && (strings.HasPrefix(f, "/") || strings.HasSuffix(f, "/") || strings.Contains(f, "//") || strings.ContainsAny(f, " \\")) {
		rc.add(diag.EtcdS3, rc.value(append(s3Path, "folder")...),
			"etcd_snapshots.s3.folder %q: a folder is a key prefix inside the bucket, such as \"homelab\" or \"clusters/homelab\", without leading, trailing or doubled '/'.", f)
	}
	if s3.AccessKeySecret != "" && s3.AccessKeySecret == s3.SecretKeySecret {
		rc.add(diag.EtcdS3, rc.value(append(s3Path, "secret_key_secret")...),
			"access_key_secret and secret_key_secret are both %q; they name two different keys of the cluster sops file.", s3.SecretKeySecret)
	}
}

func s3EndpointProblem(e string) string {
	if scheme, rest, ok := strings.Cut(e, "://"); ok {
		fix := fmt.Sprintf("write %q", strings.TrimSuffix(rest, "/"))
		if scheme == "http" {
			fix += " and insecure = true"
		}
		return "k3s builds the URL itself, so the endpoint has no scheme; " + fix
	}
	if strings.ContainsAny(e, "@/?# ") {
		return "the endpoint is host[:port] only: no credentials (they are secrets, in access_key_secret and secret_key_secret), no path"
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		host, port = e, ""
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("port %q is not between 1 and 65535", port)
		}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	if !domainRE.MatchString(strings.ToLower(host)) {
		return "it is not a host name or address, such as \"minio.home.arpa:9000\" or \"s3.amazonaws.com\""
	}
	return ""
}

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
