package nixos

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// roleModules renders generated/modules/*.nix from the skeletons, keyed by
// file name. The Kubernetes modules are written only when the cluster has
// Kubernetes nodes.
func (p *plan) roleModules() (map[string][]byte, error) {
	out := map[string][]byte{}
	sopsFile, err := p.sopsFileFrom(modulesDir)
	if err != nil {
		return nil, err
	}
	if out[commonModule], err = renderSkeleton(commonModule, p.commonData()); err != nil {
		return nil, fmt.Errorf("nixos: %s: %w", commonModule, err)
	}
	if len(p.c.KubernetesNodes()) == 0 {
		return out, nil
	}
	for name, data := range map[string]any{
		k8sModule:    p.k8sData(sopsFile),
		serverModule: p.serverData(),
		agentModule:  agentData{AgentFlags: strList(p.agentFlags)},
	} {
		if out[name], err = renderSkeleton(name, data); err != nil {
			return nil, fmt.Errorf("nixos: %s: %w", name, err)
		}
	}
	return out, nil
}

// sopsFileFrom returns secrets.sops_file as a path literal relative to the
// generated directory dir. The file is encrypted, so copying it into the
// store is what sops-nix expects (sops.defaultSopsFile, sops.secrets.<n>.sopsFile).
func (p *plan) sopsFileFrom(dir string) (nix.Expr, error) {
	f, err := modulePath("", p.c.Secrets.SopsFile)
	if err != nil {
		return nil, fmt.Errorf("nixos: secrets.sops_file %q must be a clean relative path inside the repository", p.c.Secrets.SopsFile)
	}
	e, err := nix.Path(relFrom(dir, f))
	if err != nil {
		return nil, fmt.Errorf("nixos: secrets.sops_file %q cannot be written as a Nix path literal: %w", f, err)
	}
	return e, nil
}

// relFrom returns the repository path target relative to the repository
// directory dir (both clean, slash-separated, inside the repository).
func relFrom(dir, target string) string {
	from := strings.Split(dir, "/")
	to := strings.Split(target, "/")
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	return strings.Repeat("../", len(from)-common) + strings.Join(to[common:], "/")
}

type commonData struct {
	Users           nix.Expr
	DeployAsRoot    bool
	TrustedUsers    nix.Expr
	PermitRootLogin string
}

func (p *plan) commonData() commonData {
	c := p.c
	deployUser := c.Deploy.SSHUser
	asRoot := deployUser == "root"

	users := nix.NewAttrs()
	var rootKeys []string
	if u, ok := c.Users["root"]; ok {
		rootKeys = append(rootKeys, u.SSHKeys...)
	}
	if asRoot {
		// deploy-rs logs in as root: the admins' keys open root's account.
		for _, name := range model.SortedKeys(c.Users) {
			if c.Users[name].Admin {
				rootKeys = append(rootKeys, c.Users[name].SSHKeys...)
			}
		}
	}
	for _, name := range model.SortedKeys(c.Users) {
		if name == "root" {
			continue // root exists already; only its keys are set, below
		}
		u := c.Users[name]
		a := nix.NewAttrs().Set("isNormalUser", nix.Bool(true))
		// The deploy user activates through sudo, so it needs wheel even
		// if cluster.hcl does not call it an admin.
		if u.Admin || name == deployUser {
			a.Set("extraGroups", strList([]string{"wheel"}))
		}
		a.SetPath([]string{"openssh", "authorizedKeys", "keys"}, strList(u.SSHKeys))
		users.Set(name, a)
	}
	if rootKeys = dedupe(rootKeys); len(rootKeys) > 0 {
		users.SetPath([]string{"root", "openssh", "authorizedKeys", "keys"}, strList(rootKeys))
	}

	d := commonData{Users: users, DeployAsRoot: asRoot, PermitRootLogin: "no"}
	if asRoot {
		d.PermitRootLogin = "prohibit-password"
	} else {
		d.TrustedUsers = strList([]string{"root", deployUser})
	}
	return d
}

type k8sData struct {
	TokenSecret   string
	SopsFile      nix.Expr
	KernelModules nix.Expr
	Ceph          bool
	TCPPorts      nix.Expr
	TCPPortRanges nix.Expr
}

// ciliumKernelModules are the netfilter modules Cilium's agent loads for
// its iptables rules, socket matching and transparent proxy. Inside its pod
// modprobe finds nothing on NixOS, so the host loads them.
var ciliumKernelModules = []string{
	"ip_tables", "ip6_tables",
	"iptable_filter", "iptable_mangle", "iptable_nat", "iptable_raw",
	"ip6table_filter", "ip6table_mangle", "ip6table_raw",
	"xt_socket", "xt_TPROXY", "xt_mark", "xt_CT",
}

func (p *plan) k8sData(sopsFile nix.Expr) k8sData {
	ceph := p.c.Ceph != nil
	modules := append([]string(nil), ciliumKernelModules...)
	ports := []int{10250, 4240, 4244}
	if ceph {
		// Ceph's kernel clients, used by the RBD and CephFS CSI plugins
		// on every node that mounts a volume.
		modules = append(modules, "rbd", "ceph")
		ports = append(ports, 3300, 6789)
	}
	return k8sData{
		TokenSecret:   p.c.Kubernetes.TokenSecret,
		SopsFile:      sopsFile,
		KernelModules: strList(modules),
		Ceph:          ceph,
		TCPPorts:      intList(ports),
		TCPPortRanges: nix.List(portRange(6800, 7300)),
	}
}

type serverData struct {
	ServerFlags   nix.Expr
	TCPPorts      nix.Expr
	HAProxyConfig nix.Expr
	VRRPID        nix.Expr
	VIP           string
}

func (p *plan) serverData() serverData {
	c := p.c
	return serverData{
		ServerFlags:   strList(p.serverFlags),
		TCPPorts:      intList([]int{c.Kubernetes.APIServerPort, c.Network.APIPort}),
		HAProxyConfig: nix.MultilineString(p.haproxyConfig()),
		VRRPID:        nix.Int(int64(c.Network.VRRPID)),
		VIP:           c.Network.APIVIP + "/" + strconv.Itoa(p.subnet.Bits()),
	}
}

type agentData struct {
	AgentFlags nix.Expr
}

// haproxyConfig is HAProxy's configuration for the floating API address:
// TCP passthrough to every apiserver. Every value in it is checked (node
// names are host names, addresses IPv4, ports integers), so no value can
// break a line of the configuration.
func (p *plan) haproxyConfig() string {
	c := p.c
	var b strings.Builder
	b.WriteString(`global
  log /dev/log local0 info

defaults
  mode tcp
  log global
  option tcplog
  option dontlognull
  timeout connect 5s
  timeout check 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 24h

frontend k8s-api
`)
	fmt.Fprintf(&b, "  bind *:%d\n", c.Network.APIPort)
	b.WriteString(`  default_backend k8s-api

backend k8s-api
  option tcp-check
  balance roundrobin
  default-server inter 5s downinter 5s rise 2 fall 3
`)
	for _, name := range p.servers {
		fmt.Fprintf(&b, "  server %s %s:%d check\n", name, c.Nodes[name].Address, c.Kubernetes.APIServerPort)
	}
	return b.String()
}

func strList(items []string) nix.Expr {
	es := make([]nix.Expr, len(items))
	for i, s := range items {
		es[i] = nix.String(s)
	}
	return nix.List(es...)
}

func intList(items []int) nix.Expr {
	es := make([]nix.Expr, len(items))
	for i, v := range items {
		es[i] = nix.Int(int64(v))
	}
	return nix.List(es...)
}

func portRange(from, to int) nix.Expr {
	return nix.NewAttrs().Set("from", nix.Int(int64(from))).Set("to", nix.Int(int64(to)))
}

func dedupe(items []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
