package nixos

import (
	"fmt"
	"path"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// The role modules under generated/modules: what every node, every k3s node,
// every server and every agent shares.

var (
	config = nix.Var("config")
	pkgs   = nix.Var("pkgs")
)

// commonModule is generated/modules/common.nix, imported by every node:
// accounts, SSH and sops-nix.
func (p *plan) commonModule() nix.Expr {
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

	m := nix.NewAttrs().
		Comment("Accounts from the user blocks of cluster.hcl. Logins are by SSH key only.").
		SetPath([]string{"users", "users"}, users)
	permitRootLogin := "no"
	if asRoot {
		permitRootLogin = "prohibit-password"
	} else {
		m.Blank().
			Comment("deploy-rs logs in as deploy.ssh_user and activates as root through sudo, which must not ask for a password (it has no terminal to ask on).").
			SetPath([]string{"security", "sudo", "wheelNeedsPassword"}, nix.Bool(false)).
			Blank().
			Comment("deploy-rs copies unsigned store paths; the Nix daemon accepts them only from trusted users.").
			SetPath([]string{"nix", "settings", "trusted-users"}, strList([]string{"root", deployUser}))
	}
	m.Blank().
		SetPath([]string{"services", "openssh"}, nix.NewAttrs().
			Set("enable", nix.Bool(true)).
			Set("settings", nix.NewAttrs().
				Set("PasswordAuthentication", nix.Bool(false)).
				Set("KbdInteractiveAuthentication", nix.Bool(false)).
				Set("PermitRootLogin", nix.String(permitRootLogin)))).
		Blank().
		Comment("sops-nix decrypts with the host's own SSH key, converted to age: its public half is the node's age_key in cluster.hcl. The key file never enters the store. Each host's default sops file is its own (set in the host module); cluster-wide secrets name the cluster file explicitly.").
		SetPath([]string{"sops", "age", "sshKeyPaths"}, strList([]string{"/etc/ssh/ssh_host_ed25519_key"})).
		Blank().
		SetPath([]string{"networking", "firewall", "enable"}, nix.Bool(true))
	return nix.Lambda(nil, true, m)
}

func ports(uses []model.PortUse) []int {
	out := make([]int, len(uses))
	for i, u := range uses {
		out[i] = u.Port
	}
	return out
}

// describe says what the ports are for: "kubelet (10250), Hubble (4244)
// and Ceph monitors (3300, 6789)".
func describe(uses []model.PortUse) string {
	var parts []string
	for i := 0; i < len(uses); {
		j := i
		var nums []string
		for ; j < len(uses) && uses[j].What == uses[i].What; j++ {
			nums = append(nums, fmt.Sprint(uses[j].Port))
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", uses[i].What, strings.Join(nums, ", ")))
		i = j
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
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

// cephKernelModules are Ceph's kernel clients, used by the RBD and CephFS
// CSI plugins on every node that mounts a volume.
var cephKernelModules = []string{"rbd", "ceph"}

// k8sModule is generated/modules/k8s-common.nix, imported by both role
// modules: k3s itself, the agent token, the kernel and the firewall.
func (p *plan) k8sModule() nix.Expr {
	c := p.c
	ceph := c.Ceph != nil
	file := path.Join(modulesDir, k8sModule)

	modules := append([]string(nil), ciliumKernelModules...)
	tcp := append([]model.PortUse(nil), model.K8sTCPPorts...)
	loaders := "Cilium"
	if ceph {
		modules = append(modules, cephKernelModules...)
		tcp = append(tcp, model.CephTCPPorts...)
		loaders = "Cilium and the Ceph CSI plugins"
	}

	firewall := nix.NewAttrs().
		Comment(describe(tcp)+".").
		Set("allowedTCPPorts", intList(ports(tcp)))
	if ceph {
		firewall.Comment("Ceph OSDs, managers and metadata servers.").
			Set("allowedTCPPortRanges", nix.List(portRange(model.CephDaemonPorts[0], model.CephDaemonPorts[1])))
	}
	firewall.Comment(describe(model.K8sUDPPorts)+".").
		Set("allowedUDPPorts", intList(ports(model.K8sUDPPorts))).
		Comment("Pod traffic arrives on Cilium's own interfaces.").
		Set("trustedInterfaces", strList([]string{"cilium+", "lxc+"})).
		Comment("Cilium's health checks ping every node.").
		Set("allowPing", nix.Bool(true)).
		Comment("Strict reverse-path filtering drops pod traffic that Cilium routes through cilium_host.").
		Set("checkReversePath", nix.String("loose"))

	body := nix.NewAttrs().
		Set("imports", nix.List(localModule(commonModule))).
		Blank().
		SetPath([]string{"services", "k3s"}, nix.NewAttrs().
			Set("enable", nix.Bool(true)).
			Comment(fmt.Sprintf("k3s %s, the release cluster.hcl names (kubernetes.version): a NixOS upgrade never moves the cluster to another Kubernetes minor release.", c.Kubernetes.Version)).
			Set("package", nix.Select(pkgs, k3sPackage(c.Kubernetes.Version)))).
		Blank().
		Comment("k3s reads its settings only when it starts, from config.yaml (written by the role module) and the drop-ins in config.yaml.d (the host module's, and sops-nix's): restart it when one changes.").
		SetPath([]string{"systemd", "services", "k3s", "restartTriggers"}, nix.List(
			nix.Select(config, "environment", "etc", k3sConfigFile, "text"),
			nix.Select(config, "environment", "etc", k3sNodeDropIn, "text"))).
		Blank().
		Comment("The agent token, which every node knows: agents join with it, and servers admit agents with it. It admits no server. sops-nix decrypts it at activation; k3s reads the file.")
	p.sopsSecret(body, file, c.Kubernetes.AgentTokenSecret, c.Secrets.NodesSopsFile, k3sServiceUnit)
	body.Blank().
		Comment("NixOS keeps kernel modules in /run/booted-system/kernel-modules, not in /lib/modules, so modprobe inside a pod finds nothing: load at boot what "+loaders+" would load.").
		SetPath([]string{"boot", "kernelModules"}, strList(modules)).
		Blank().
		SetPath([]string{"boot", "kernel", "sysctl"}, nix.NewAttrs().
			Set("net.ipv4.ip_forward", nix.Int(1)).
			Comment("systemd's 50-default.conf turns rp_filter on for every new interface; Cilium's lxc* endpoints need it off.").
			Set("net.ipv4.conf.lxc*.rp_filter", nix.Int(0))).
		Blank().
		SetPath([]string{"networking", "firewall"}, firewall)
	return nix.Lambda([]string{"config", "pkgs"}, true, body)
}

// k3sConfigEtc writes a k3s configuration file under /etc.
func k3sConfigEtc(m *nix.AttrSet, etcPath string, cfg *k3sConfig) {
	m.SetPath([]string{"environment", "etc", etcPath, "text"}, nix.MultilineString(cfg.yaml()))
}

// localModule is a path literal to another file of generated/modules.
func localModule(file string) nix.Expr {
	e, err := nix.Path(file)
	if err != nil {
		panic("nixos: " + err.Error())
	}
	return e
}

// serverModule is generated/modules/k8s-control-plane.nix: the k3s server
// settings every server shares, HAProxy and Keepalived.
func (p *plan) serverModule() nix.Expr {
	c := p.c
	file := path.Join(modulesDir, serverModule)
	firewall := nix.NewAttrs().
		Comment(fmt.Sprintf("The k3s supervisor and apiserver, which share port %d, and HAProxy, serving the floating API address on %d.",
			c.Kubernetes.APIServerPort, c.Network.APIPort)).
		Set("allowedTCPPorts", intList([]int{c.Kubernetes.APIServerPort, c.Network.APIPort})).
		Comment("Embedded etcd, between servers.").
		Set("allowedTCPPortRanges", nix.List(portRange(2379, 2380)))

	keepalived := nix.NewAttrs().
		Set("enable", nix.Bool(true)).
		Comment("VRRP is IP protocol 112, neither TCP nor UDP: let it through.").
		Set("openFirewall", nix.Bool(true)).
		Set("enableScriptSecurity", nix.Bool(true)).
		SetPath([]string{"vrrpScripts", "haproxy"}, nix.NewAttrs().
			Set("script", nix.Interpolate(nix.Select(pkgs, "procps"), "/bin/pgrep -x haproxy")).
			Set("interval", nix.Int(2)).
			Set("fall", nix.Int(2)).
			Set("rise", nix.Int(2)).
			Set("user", nix.String(keepalivedScriptUser)).
			Set("group", nix.String(keepalivedScriptUser))).
		Comment("Interface, priority, state and unicast peers are per node: see the host modules.").
		SetPath([]string{"vrrpInstances", vrrpInstance}, nix.NewAttrs().
			Set("virtualRouterId", nix.Int(int64(c.Network.VRRPID))).
			Set("virtualIps", nix.List(nix.NewAttrs().Set("addr", nix.String(c.VIPPrefix().String())))).
			Set("trackScripts", strList([]string{"haproxy"})))

	k3s := nix.NewAttrs().
		Set("role", nix.String("server")).
		Comment("Servers join with the server token, which only servers can decrypt, and admit agents with the agent token (k8s-common.nix).").
		Set("tokenFile", secretPath(c.Kubernetes.TokenSecret)).
		Set("agentTokenFile", secretPath(c.Kubernetes.AgentTokenSecret))

	body := nix.NewAttrs().
		Comment("k8s-bootstrap.nix holds the Cilium and Flux bootstrap manifests, written by hlcgen's Kubernetes generator: pods cannot install the CNI, so k3s deploys it itself.").
		Set("imports", nix.List(localModule(k8sModule), localModule("k8s-bootstrap.nix"))).
		Blank().
		SetPath([]string{"services", "k3s"}, k3s).
		Blank()
	p.sopsSecret(body, file, c.Kubernetes.TokenSecret, c.Secrets.SopsFile, k3sServiceUnit)
	body.Blank().
		Comment("What every server shares, among it what k3s requires to be the same on all servers (it refuses to join a server whose settings differ).")
	k3sConfigEtc(body, k3sConfigFile, p.serverConfig())
	if p.hasS3() {
		s3 := c.Kubernetes.EtcdSnapshots.S3
		body.Blank().
			Comment("The S3 credentials for etcd snapshots reach k3s as a drop-in that sops-nix renders at activation, never through the store.")
		p.sopsSecret(body, file, s3.AccessKeySecret, c.Secrets.SopsFile)
		p.sopsSecret(body, file, s3.SecretKeySecret, c.Secrets.SopsFile)
		body.SetPath([]string{"sops", "templates", k3sS3Template}, nix.NewAttrs().
			Set("content", generator.SopsTemplate(p.s3Template())).
			Set("path", nix.String(k3sS3DropIn)).
			Set("owner", nix.String("root")).
			Set("mode", nix.String("0600")).
			Set("restartUnits", strList([]string{k3sServiceUnit})))
	}
	body.Blank().
		SetPath([]string{"networking", "firewall"}, firewall).
		Blank().
		Comment("Every server runs HAProxy in front of all apiservers; Keepalived moves the floating API address to a server whose HAProxy is alive. HAProxy binds a port of its own on every address, so it never clashes with the apiserver and needs no non-local bind on servers without the address. Health checks are plain TCP: anonymous HTTP requests get 401. Long timeouts keep `kubectl logs -f`, `exec` and watches open.").
		SetPath([]string{"services", "haproxy"}, nix.NewAttrs().
			Set("enable", nix.Bool(true)).
			Set("config", nix.MultilineString(p.haproxyConfig()))).
		Blank().
		Comment("Keepalived runs vrrp scripts as this user, and the NixOS module does not create it (nixos/modules/services/networking/keepalived/default.nix).").
		SetPath([]string{"users", "users", keepalivedScriptUser}, nix.NewAttrs().
			Set("isSystemUser", nix.Bool(true)).
			Set("group", nix.String(keepalivedScriptUser))).
		SetPath([]string{"users", "groups", keepalivedScriptUser}, nix.NewAttrs()).
		Blank().
		SetPath([]string{"services", "keepalived"}, keepalived)
	return nix.Lambda([]string{"config", "pkgs"}, true, body)
}

// keepalivedScriptUser is the user keepalived's module runs vrrp scripts as
// by default (vrrpScripts.<n>.user).
const keepalivedScriptUser = "keepalived_script"

// agentModule is generated/modules/k8s-worker.nix: what every agent shares.
func (p *plan) agentModule() nix.Expr {
	c := p.c
	body := nix.NewAttrs().
		Set("imports", nix.List(localModule(k8sModule))).
		Blank().
		SetPath([]string{"services", "k3s"}, nix.NewAttrs().
			Set("role", nix.String("agent")).
			Comment("Agents join with the agent token: they never see the server token.").
			Set("tokenFile", secretPath(c.Kubernetes.AgentTokenSecret))).
		Blank().
		Comment("What every agent shares.")
	k3sConfigEtc(body, k3sConfigFile, p.agentConfig())
	return nix.Lambda([]string{"config"}, true, body)
}

// haproxyConfig is HAProxy's configuration for the floating API address:
// TCP passthrough to every apiserver. Every value in it is typed (node names
// are host names, addresses IPv4, ports integers), so no value can break a
// line of the configuration.
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
	for _, name := range c.ControlPlaneNodes() {
		fmt.Fprintf(&b, "  server %s %s:%d check\n", name, c.Nodes[name].Address, c.Kubernetes.APIServerPort)
	}
	return b.String()
}

func portRange(from, to int) nix.Expr {
	return nix.NewAttrs().Set("from", nix.Int(int64(from))).Set("to", nix.Int(int64(to)))
}
