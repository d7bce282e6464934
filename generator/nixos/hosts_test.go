package nixos

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/internal/nixostest"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
)

// hostProbe returns, for every host evaluated in the NixOS module harness
// (nixpkgs' real option types, merged across every module the host
// imports), what the host's configuration says about the cluster.
const hostProbe = `config:
let
  orNull = c: v: if c then v else null;
  iface = i: {
    inherit (i) useDHCP;
    addresses = map (a: a.address + "/" + toString a.prefixLength) i.ipv4.addresses;
  };
  k = config.services.k3s;
in
{
  inherit (config.networking) hostName domain useDHCP nameservers;
  interfaces = builtins.mapAttrs (_: iface) config.networking.interfaces;
  vlans = config.networking.vlans;
  bonds = builtins.mapAttrs (_: b: { inherit (b) interfaces driverOptions; }) config.networking.bonds;
  gateway = config.networking.defaultGateway;
  links = builtins.mapAttrs (_: l: l.linkConfig.Name) config.systemd.network.links;
  firewall = {
    tcp = config.networking.firewall.allowedTCPPorts;
    udp = config.networking.firewall.allowedUDPPorts;
    tcpRanges = config.networking.firewall.allowedTCPPortRanges;
    trusted = config.networking.firewall.trustedInterfaces;
    rpf = config.networking.firewall.checkReversePath;
  };
  k3s = orNull k.enable {
    inherit (k) role serverAddr clusterInit tokenFile agentTokenFile token agentToken extraFlags;
    package = toString k.package;
  };
  etc = builtins.mapAttrs (_: e: e.text) (builtins.removeAttrs config.environment.etc
    (builtins.filter (n: builtins.substring 0 12 n != "rancher/k3s/") (builtins.attrNames config.environment.etc)));
  restartTriggers = (config.systemd.services.k3s or { restartTriggers = [ ]; }).restartTriggers;
  secrets = builtins.mapAttrs (_: s: { sopsFile = toString s.sopsFile; inherit (s) path restartUnits; }) config.sops.secrets;
  templates = builtins.mapAttrs (_: t: { inherit (t) content path mode restartUnits; }) config.sops.templates;
  placeholders = config.sops.placeholder;
  keepalived = orNull config.services.keepalived.enable {
    inherit (config.services.keepalived) openFirewall;
    instance = config.services.keepalived.vrrpInstances.k8s-api;
    inherit (config.services.keepalived) enableScriptSecurity;
    scripts = builtins.mapAttrs (_: s: { inherit (s) script interval fall rise timeout weight user group; }) config.services.keepalived.vrrpScripts;
  };
  haproxy = orNull config.services.haproxy.enable config.services.haproxy.config;
  tailscale = orNull config.services.tailscale.enable {
    inherit (config.services.tailscale) authKeyFile useRoutingFeatures extraUpFlags extraSetFlags openFirewall;
  };
  ssh = config.services.openssh.settings;
  sshKeyPaths = config.sops.age.sshKeyPaths;
}`

type hostResult struct {
	HostName, Domain string
	UseDHCP          bool
	Nameservers      []string
	Interfaces       map[string]struct {
		UseDHCP   bool
		Addresses []string
	}
	Vlans map[string]struct {
		ID        int
		Interface string
	}
	Bonds map[string]struct {
		Interfaces    []string
		DriverOptions map[string]string
	}
	Gateway *struct{ Address, Interface string }
	Links   map[string]string
	Fire    struct {
		TCP, UDP  []int
		TCPRanges []struct{ From, To int }
		Trusted   []string
		RPF       any
	} `json:"firewall"`
	K3s *struct {
		Role, ServerAddr, Token, AgentToken, Package string
		ClusterInit                                  bool
		TokenFile, AgentTokenFile                    *string
		ExtraFlags                                   any
	}
	Etc             map[string]string
	RestartTriggers []string
	Secrets         map[string]struct {
		SopsFile, Path string
		RestartUnits   []string
	}
	Templates map[string]struct {
		Content, Path, Mode string
		RestartUnits        []string
	}
	Placeholders map[string]string
	Keepalived   *keepalivedOptions
	Haproxy      *string
	Tailscale    *struct {
		AuthKeyFile                 *string
		UseRoutingFeatures          string
		ExtraUpFlags, ExtraSetFlags []string
		OpenFirewall                bool
	}
	SSH         map[string]any
	SSHKeyPaths []string
}

// keepalivedOptions are the host's services.keepalived settings.
type keepalivedOptions struct {
	OpenFirewall bool
	Instance     struct {
		Interface, State, UnicastSrcIp string
		Priority, VirtualRouterId      int
		UnicastPeers                   []string
		VirtualIps                     []struct{ Addr string }
		TrackScripts                   []string
	}
	EnableScriptSecurity bool
	Scripts              map[string]keepalivedScript
}

// evalHosts evaluates every host of a case, with this package's files
// freshly rendered, in the NixOS module harness.
func evalHosts(t *testing.T, tc e2e.Case) (*model.Cluster, map[string]hostResult, string) {
	t.Helper()
	c := loadCase(t, tc)
	tree := tc.TreeWith(t, Render(c))
	out := map[string]hostResult{}
	for name, raw := range nixostest.EvalHosts(t, tree, hostProbe) {
		var h hostResult
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, raw)
		}
		out[name] = h
	}
	if len(out) != len(c.Nodes) {
		t.Fatalf("%d hosts evaluated, want %d", len(out), len(c.Nodes))
	}
	return c, out, tree
}

// TestHostsEvaluate evaluates every host of every case with nixpkgs' real
// option types and checks what each host's merged configuration says
// against the spec: the mistakes that break a cluster (one clusterInit,
// everyone else joining through the VIP, the VIP in the servers'
// certificate, an explicit node IP, keepalived's distinct priorities and
// peers, HAProxy on its own port) and every networking setting of the
// second edition (VLANs, bonds, DHCP, firewall openings, Tailscale).
func TestHostsEvaluate(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range allCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c, hosts, tree := evalHosts(t, tc)
			nixostest.CheckNoStoreCopies(t, tree)
			var inits []string
			priorities := map[int]string{}
			var masters []string
			for _, name := range c.NodeNames() {
				n, h := c.Nodes[name], hosts[name]
				checkHostNetworking(t, c, name, h)
				checkHostFirewall(t, c, name, h)
				checkHostTailscale(t, c, name, h)
				checkHostSecrets(t, c, name, h)
				if h.SSH["PasswordAuthentication"] != false || h.SSH["KbdInteractiveAuthentication"] != false {
					t.Errorf("%s: SSH allows passwords: %v", name, h.SSH)
				}
				if !slices.Equal(h.SSHKeyPaths, []string{"/etc/ssh/ssh_host_ed25519_key"}) {
					t.Errorf("%s: sops-nix decrypts with %v", name, h.SSHKeyPaths)
				}
				if !n.IsKubernetes() {
					if h.K3s != nil || h.Keepalived != nil || len(h.Etc) > 0 {
						t.Errorf("standalone %s runs k3s or keepalived: %+v", name, h)
					}
					continue
				}
				if h.K3s.ClusterInit {
					inits = append(inits, name)
				}
				checkHostK3s(t, c, name, h)
				if n.Role == model.RoleControlPlane {
					k := h.Keepalived
					if k == nil {
						t.Fatalf("server %s has no keepalived", name)
					}
					if other, dup := priorities[k.Instance.Priority]; dup {
						t.Errorf("%s and %s share keepalived priority %d", name, other, k.Instance.Priority)
					}
					priorities[k.Instance.Priority] = name
					if k.Instance.State == "MASTER" {
						masters = append(masters, name)
					}
					checkHostKeepalived(t, c, name, h)
				} else if h.Keepalived != nil || h.Haproxy != nil {
					t.Errorf("%s is not a server but runs keepalived or HAProxy", name)
				}
			}
			if len(c.KubernetesNodes()) > 0 && len(inits) != 1 {
				t.Errorf("clusterInit on %v, want exactly one server", inits)
			}
			if len(priorities) > 0 {
				top := -1
				for p := range priorities {
					top = max(top, p)
				}
				if len(masters) != 1 || masters[0] != priorities[top] {
					t.Errorf("MASTER on %v, want exactly the server with the highest priority, %s", masters, priorities[top])
				}
				for _, name := range c.ControlPlaneNodes() {
					if p := c.Nodes[name].VRRPPriority; p > 0 && priorities[p] != name {
						t.Errorf("%s has vrrp_priority %d, but keepalived gives it another", name, p)
					}
					if p := c.Nodes[name].VRRPPriority; p > 0 && p == top && masters[0] != name {
						t.Errorf("%s has the highest vrrp_priority but is not MASTER", name)
					}
				}
			}
		})
	}
}

// checkHostSecrets: a host is handed only the secrets of files whose
// audience it belongs to. The audiences are written out here, from the
// secrets issue, as the test's own oracle: its own file, the control
// plane's file on servers, the nodes' file on Kubernetes nodes, the
// Tailscale file on the nodes that run Tailscale.
func checkHostSecrets(t *testing.T, c *model.Cluster, name string, h hostResult) {
	t.Helper()
	n := c.Nodes[name]
	mayRead := map[string]bool{
		"secrets/hosts/" + name + ".yaml": true,
		c.Secrets.SopsFile:                n.Role == model.RoleControlPlane,
		c.Secrets.NodesSopsFile:           n.IsKubernetes(),
		c.Secrets.TailscaleSopsFile:       n.Tailscale,
	}
	// A placeholder stands for a secret only inside a sops-nix template,
	// which sops-nix renders outside the store; anywhere else (a file in
	// /etc, which lives in the store) it would be a secret reference put
	// into the store, and the consumer would read the placeholder itself.
	for key, ph := range h.Placeholders {
		for p, text := range h.Etc {
			if strings.Contains(text, ph) {
				t.Errorf("%s: /etc/%s holds the placeholder of secret %q: a store file", name, p, key)
			}
		}
		if h.Haproxy != nil && strings.Contains(*h.Haproxy, ph) {
			t.Errorf("%s: HAProxy's configuration holds the placeholder of secret %q", name, key)
		}
	}
	for key, s := range h.Secrets {
		file, ok := "", false
		for f, may := range mayRead {
			if strings.HasSuffix(s.SopsFile, "/"+f) {
				file, ok = f, may
			}
		}
		if !ok {
			t.Errorf("%s: secret %q comes from %s (%s), whose audience %s is not in", name, key, s.SopsFile, file, name)
		}
	}
}

// lanDevice is the device a node's LAN address sits on, worked out here
// from the spec as the test's own oracle.
func lanDevice(n model.Node) string {
	if n.VLAN != 0 {
		return n.Interface + "." + strconv.Itoa(n.VLAN)
	}
	return n.Interface
}

func checkHostNetworking(t *testing.T, c *model.Cluster, name string, h hostResult) {
	t.Helper()
	n := c.Nodes[name]
	if h.HostName != name || strings.Contains(h.HostName, ".") || h.Domain != c.Cluster.Domain {
		t.Errorf("%s: hostName %q domain %q", name, h.HostName, h.Domain)
	}
	if h.UseDHCP {
		t.Errorf("%s: networking.useDHCP is on for every interface", name)
	}
	dev := lanDevice(n)
	lan, ok := h.Interfaces[dev]
	if !ok {
		t.Fatalf("%s: no networking.interfaces.%s (interfaces %v)", name, dev, slices.Sorted(mapsKeys(h.Interfaces)))
	}
	want := []string(nil)
	if !n.DHCP {
		want = []string{fmt.Sprintf("%s/%d", n.Address, c.Network.Subnet.Bits())}
	}
	if lan.UseDHCP != n.DHCP || !slices.Equal(lan.Addresses, want) {
		t.Errorf("%s: %s = %+v, want DHCP %v, addresses %v", name, dev, lan, n.DHCP, want)
	}
	// No other interface takes an address.
	for other, i := range h.Interfaces {
		if other != dev && (i.UseDHCP || len(i.Addresses) > 0) {
			t.Errorf("%s: interface %s has an address too: %+v", name, other, i)
		}
	}
	if n.VLAN != 0 {
		v := h.Vlans[dev]
		if v.ID != n.VLAN || v.Interface != n.Interface || len(h.Vlans) != 1 {
			t.Errorf("%s: vlans %+v, want %s = { id = %d; interface = %s; }", name, h.Vlans, dev, n.VLAN, n.Interface)
		}
	} else if len(h.Vlans) > 0 {
		t.Errorf("%s: vlans %+v", name, h.Vlans)
	}
	if len(n.BondMembers) > 0 {
		b := h.Bonds[n.Interface]
		if !slices.Equal(b.Interfaces, n.BondMembers) || b.DriverOptions["mode"] != n.BondMode || b.DriverOptions["miimon"] == "" {
			t.Errorf("%s: bond %s = %+v, want members %v in mode %s with link monitoring", name, n.Interface, b, n.BondMembers, n.BondMode)
		}
	} else if len(h.Bonds) > 0 {
		t.Errorf("%s: bonds %+v", name, h.Bonds)
	}
	switch {
	case n.Offsite:
		if h.Gateway != nil || len(h.Nameservers) > 0 {
			t.Errorf("off-site %s gets the LAN's gateway or nameservers: %+v %v", name, h.Gateway, h.Nameservers)
		}
	case n.DHCP:
		if h.Gateway != nil {
			t.Errorf("%s takes its route from DHCP, but has a static gateway %+v", name, h.Gateway)
		}
	default:
		if h.Gateway == nil || h.Gateway.Address != c.Network.Gateway.String() || h.Gateway.Interface != dev {
			t.Errorf("%s: defaultGateway %+v, want %s on %s", name, h.Gateway, c.Network.Gateway, dev)
		}
	}
	if n.MAC != "" && h.Links["10-"+n.Interface] != n.Interface {
		t.Errorf("%s: the interface is not named by its MAC: %v", name, h.Links)
	}
	if secret := h.Secrets; secret == nil {
		t.Errorf("%s: no sops-nix secrets at all", name)
	}
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkHostFirewall: hlcgen's ports for the node's role, plus every port
// its own and its groups' firewall blocks open, merged by the module
// system; the tailnet's interface is trusted by nothing.
func checkHostFirewall(t *testing.T, c *model.Cluster, name string, h hostResult) {
	t.Helper()
	n := c.Nodes[name]
	var tcp, udp []int
	if n.IsKubernetes() {
		tcp = append(tcp, 10250, 4240, 4244)
		udp = append(udp, 8472)
		if c.Ceph != nil {
			tcp = append(tcp, 3300, 6789)
		}
	}
	if n.Role == model.RoleControlPlane {
		tcp = append(tcp, c.Kubernetes.APIServerPort, c.Network.APIPort)
	}
	fws := []*model.Firewall{n.Firewall}
	for _, g := range n.Groups {
		fws = append(fws, c.Groups[g].Firewall)
	}
	for _, fw := range fws {
		if fw != nil {
			tcp = append(tcp, fw.AllowedTCPPorts...)
			udp = append(udp, fw.AllowedUDPPorts...)
		}
	}
	for _, p := range tcp {
		if !slices.Contains(h.Fire.TCP, p) {
			t.Errorf("%s does not open %d/tcp: %v", name, p, h.Fire.TCP)
		}
	}
	for _, p := range udp {
		if !slices.Contains(h.Fire.UDP, p) {
			t.Errorf("%s does not open %d/udp: %v", name, p, h.Fire.UDP)
		}
	}
	for _, i := range h.Fire.Trusted {
		if strings.HasPrefix(i, "tailscale") {
			t.Errorf("%s trusts the tailnet's interface %s", name, i)
		}
	}
	// NixOS trusts lo itself.
	if n.IsKubernetes() && !slices.Equal(h.Fire.Trusted, []string{"lo", "cilium+", "lxc+"}) {
		t.Errorf("%s trusts %v, want Cilium's own interfaces", name, h.Fire.Trusted)
	}
}

func checkHostTailscale(t *testing.T, c *model.Cluster, name string, h hostResult) {
	t.Helper()
	n := c.Nodes[name]
	if !n.Tailscale {
		if h.Tailscale != nil {
			t.Errorf("%s runs Tailscale", name)
		}
		return
	}
	ts := h.Tailscale
	key := c.Tailscale.AuthKeySecret
	if ts == nil || ts.AuthKeyFile == nil || *ts.AuthKeyFile != h.Secrets[key].Path || !strings.HasPrefix(*ts.AuthKeyFile, "/run/secrets/") {
		t.Fatalf("%s: tailscale %+v, want the auth key from sops-nix (%s)", name, ts, h.Secrets[key].Path)
	}
	if !strings.HasSuffix(h.Secrets[key].SopsFile, "/"+c.Secrets.TailscaleSopsFile) {
		t.Errorf("%s: the auth key comes from %s, want the Tailscale file", name, h.Secrets[key].SopsFile)
	}
	route := "--advertise-routes=" + c.Network.Subnet.String()
	if n.TailscaleSubnetRouter {
		if ts.UseRoutingFeatures != "server" && ts.UseRoutingFeatures != "both" || !slices.Contains(ts.ExtraUpFlags, route) || !slices.Contains(ts.ExtraSetFlags, route) || h.Fire.RPF == true || h.Fire.RPF == "strict" {
			t.Errorf("subnet router %s: %+v, reverse path filter %v", name, ts, h.Fire.RPF)
		}
	} else if slices.Contains(ts.ExtraUpFlags, route) {
		t.Errorf("%s advertises the subnet but is no subnet router", name)
	}
}

// effectiveK3sConfig is a host's effective k3s configuration: config.yaml, then
// every drop-in in lexical order (the sops-nix template's rendered with
// the secrets sops-nix would put there), a later file's key replacing an
// earlier one's and "key+" appending (k3s-io/k3s pkg/configfilearg).
func effectiveK3sConfig(t *testing.T, h hostResult, secrets map[string]string) map[string]any {
	t.Helper()
	files := map[string]string{}
	for path, text := range h.Etc {
		files["/etc/"+path] = text
	}
	for _, tpl := range h.Templates {
		if strings.HasPrefix(tpl.Path, "/etc/rancher/k3s/") {
			content := tpl.Content
			for name, ph := range h.Placeholders {
				content = strings.ReplaceAll(content, ph, secrets[name])
			}
			files[tpl.Path] = content
		}
	}
	var dropIns []string
	for path := range files {
		if strings.HasPrefix(path, "/etc/rancher/k3s/config.yaml.d/") {
			dropIns = append(dropIns, path)
		}
	}
	sort.Strings(dropIns)
	out := map[string]any{}
	for _, path := range append([]string{"/etc/rancher/k3s/config.yaml"}, dropIns...) {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(files[path]), &doc); err != nil {
			t.Fatalf("%s is not YAML: %v\n%s", path, err, files[path])
		}
		for key, v := range doc {
			if base, ok := strings.CutSuffix(key, "+"); ok {
				prev, _ := out[base].([]any)
				if s, isScalar := out[base].(string); isScalar {
					prev = []any{s}
				}
				add, isList := v.([]any)
				if !isList {
					add = []any{v}
				}
				out[base] = append(prev, add...)
				continue
			}
			out[key] = v
		}
	}
	return out
}

// values returns a k3s setting's values, a list or one scalar, as strings.
func values(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

func checkHostK3s(t *testing.T, c *model.Cluster, name string, h hostResult) {
	t.Helper()
	n := c.Nodes[name]
	k := h.K3s
	server := n.Role == model.RoleControlPlane
	wantRole := map[bool]string{true: "server", false: "agent"}[server]
	if k.Role != wantRole || k.Token != "" || k.AgentToken != "" {
		t.Errorf("%s: k3s role %q, tokens in the store %q %q", name, k.Role, k.Token, k.AgentToken)
	}
	if k.Package != "/nix/store/stub-k3s_"+strings.ReplaceAll(c.Kubernetes.Version, ".", "_") {
		t.Errorf("%s: k3s package %s, want k3s %s", name, k.Package, c.Kubernetes.Version)
	}
	if k.ClusterInit != (name == c.BootstrapNode()) {
		t.Errorf("%s: clusterInit %v", name, k.ClusterInit)
	}
	if wantAddr := "https://" + netip.AddrPortFrom(c.Network.APIVIP, uint16(c.Network.APIPort)).String(); !k.ClusterInit && k.ServerAddr != wantAddr {
		t.Errorf("%s: serverAddr %q, want %q", name, k.ServerAddr, wantAddr)
	}
	if s, _ := k.ExtraFlags.(string); s != "" || len(values(k.ExtraFlags)) > 0 && s == "" {
		t.Errorf("%s: extraFlags %v; hlcgen's settings are in k3s's configuration file", name, k.ExtraFlags)
	}
	// Tokens: a path from sops-nix, from the file of the right audience.
	agentKey, serverKey := c.Kubernetes.AgentTokenSecret, c.Kubernetes.TokenSecret
	token := func(key, file string) string {
		s, ok := h.Secrets[key]
		if !ok || !strings.HasPrefix(s.Path, "/run/secrets/") || !strings.HasSuffix(s.SopsFile, "/"+file) || !slices.Contains(s.RestartUnits, "k3s.service") {
			t.Errorf("%s: secret %s = %+v, want it from %s, restarting k3s", name, key, s, file)
		}
		return s.Path
	}
	if server {
		if k.TokenFile == nil || *k.TokenFile != token(serverKey, c.Secrets.SopsFile) || k.AgentTokenFile == nil || *k.AgentTokenFile != token(agentKey, c.Secrets.NodesSopsFile) {
			t.Errorf("%s: tokenFile %v agentTokenFile %v", name, k.TokenFile, k.AgentTokenFile)
		}
	} else {
		if k.TokenFile == nil || *k.TokenFile != token(agentKey, c.Secrets.NodesSopsFile) || k.AgentTokenFile != nil {
			t.Errorf("%s: an agent joins with tokenFile %v (agentTokenFile %v), want the agent token", name, k.TokenFile, k.AgentTokenFile)
		}
		if _, ok := h.Secrets[serverKey]; ok {
			t.Errorf("%s: an agent gets the server token", name)
		}
	}
	// k3s restarts when its configuration changes.
	for path, text := range h.Etc {
		if !slices.Contains(h.RestartTriggers, text) {
			t.Errorf("%s: k3s does not restart when /etc/%s changes", name, path)
		}
	}

	secrets := map[string]string{}
	for key := range h.Placeholders {
		secrets[key] = "secret value of " + key + " with: spaces, 'quotes' and $HOME"
	}
	cfg := effectiveK3sConfig(t, h, secrets)
	known := schema.K3sFlags()
	for key := range cfg {
		cmd, ok := known[key]
		switch {
		case !ok:
			t.Errorf("%s: k3s has no setting %q", name, key)
		case server && !cmd.Server, !server && !cmd.Agent:
			t.Errorf("%s: %q is not a k3s %s setting", name, key, wantRole)
		}
	}
	// The node's own settings.
	if got := values(cfg["node-ip"]); !slices.Equal(got, []string{n.Address.String()}) {
		t.Errorf("%s: node-ip %v, want %s", name, got, n.Address)
	}
	var labels []string
	for k, v := range n.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	if got := values(cfg["node-label"]); !slices.Equal(got, labels) {
		t.Errorf("%s: node-label %v, want %v", name, got, labels)
	}
	if got := values(cfg["node-taint"]); !slices.Equal(got, n.Taints) {
		t.Errorf("%s: node-taint %v, want %v", name, got, n.Taints)
	}
	// Kubelet: the node's settings over the cluster's, key by key, as
	// kubelet flags; then any --kubelet-arg of the extra flags.
	var want []string
	eff := map[string]map[string]string{"system-reserved": {}, "kube-reserved": {}, "eviction-hard": {}}
	maxPods := 0
	for _, kl := range []*model.Kubelet{c.Kubernetes.Kubelet, n.Kubelet} {
		if kl == nil {
			continue
		}
		for k, v := range kl.SystemReserved {
			eff["system-reserved"][k] = v
		}
		for k, v := range kl.KubeReserved {
			eff["kube-reserved"][k] = v
		}
		for k, v := range kl.EvictionHard {
			eff["eviction-hard"][k] = v
		}
		if kl.MaxPods > 0 {
			maxPods = kl.MaxPods
		}
	}
	for _, flag := range []string{"system-reserved", "kube-reserved", "eviction-hard"} {
		sep := "="
		if flag == "eviction-hard" {
			sep = "<"
		}
		var parts []string
		for _, k := range slices.Sorted(mapsKeys(eff[flag])) {
			parts = append(parts, k+sep+eff[flag][k])
		}
		if len(parts) > 0 {
			want = append(want, flag+"="+strings.Join(parts, ","))
		}
	}
	if maxPods > 0 {
		want = append(want, "max-pods="+strconv.Itoa(maxPods))
	}
	extra := c.Kubernetes.ExtraAgentFlags
	if server {
		extra = c.Kubernetes.ExtraServerFlags
	}
	var kubeletExtra []string
	for _, f := range append(append([]string(nil), extra...), n.ExtraFlags...) {
		if v, ok := strings.CutPrefix(f, "--kubelet-arg="); ok {
			kubeletExtra = append(kubeletExtra, v)
		}
	}
	if got := values(cfg["kubelet-arg"]); len(got) != len(want)+len(kubeletExtra) || !containsAll(got, want) || !containsAll(got, kubeletExtra) {
		t.Errorf("%s: kubelet-arg %v, want %v and %v", name, got, want, kubeletExtra)
	}
	// Every extra flag, of the role and of the node, reaches k3s exactly.
	for _, f := range append(append([]string(nil), extra...), n.ExtraFlags...) {
		key, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if !hasValue {
			value = "true"
		}
		if !slices.Contains(values(cfg[key]), value) {
			t.Errorf("%s: extra flag %q is not in k3s's configuration: %s = %v", name, f, key, cfg[key])
		}
	}
	// No other node's own flags.
	for _, other := range c.KubernetesNodes() {
		if other == name {
			continue
		}
		for _, f := range c.Nodes[other].ExtraFlags {
			if !slices.Contains(n.ExtraFlags, f) && !slices.Contains(extra, f) {
				key, value, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
				if slices.Contains(values(cfg[key]), value) {
					t.Errorf("%s has node %s's own flag %q", name, other, f)
				}
			}
		}
	}
	if !server {
		for _, key := range []string{"tls-san", "cluster-cidr", "disable", "flannel-backend", "etcd-snapshot-schedule-cron", "etcd-s3", "etcd-s3-access-key"} {
			if _, ok := cfg[key]; ok {
				t.Errorf("agent %s has the server setting %s", name, key)
			}
		}
		return
	}
	// What every server shares.
	if !slices.Contains(values(cfg["tls-san"]), c.Network.APIVIP.String()) || values(cfg["flannel-backend"])[0] != "none" ||
		values(cfg["disable-network-policy"])[0] != "true" || !slices.Equal(values(cfg["disable"]), c.Kubernetes.Disable) ||
		!slices.Equal(values(cfg["cluster-cidr"]), []string{c.Kubernetes.ClusterCIDR.String()}) ||
		!slices.Equal(values(cfg["service-cidr"]), []string{c.Kubernetes.ServiceCIDR.String()}) ||
		!slices.Equal(values(cfg["https-listen-port"]), []string{strconv.Itoa(c.Kubernetes.APIServerPort)}) {
		t.Errorf("server %s's cluster-wide settings: %v", name, cfg)
	}
	if _, ok := cfg["disable-kube-proxy"]; ok != c.Cilium.KubeProxyReplacement {
		t.Errorf("server %s: disable-kube-proxy does not follow kube_proxy_replacement", name)
	}
	es := c.Kubernetes.EtcdSnapshots
	if es == nil {
		for key := range cfg {
			if strings.HasPrefix(key, "etcd-s") {
				t.Errorf("server %s: %s without etcd_snapshots", name, key)
			}
		}
		return
	}
	if got := values(cfg["etcd-snapshot-schedule-cron"]); !slices.Equal(got, []string{es.Schedule}) || values(cfg["etcd-snapshot-retention"])[0] != strconv.Itoa(es.Retention) {
		t.Errorf("server %s: schedule %q retention %v, want %q and %d", name, got, cfg["etcd-snapshot-retention"], es.Schedule, es.Retention)
	}
	if s3 := es.S3; s3 != nil {
		for key, want := range map[string]string{
			"etcd-s3": "true", "etcd-s3-endpoint": s3.Endpoint, "etcd-s3-bucket": s3.Bucket, "etcd-s3-folder": s3.Folder,
			"etcd-s3-access-key": secrets[s3.AccessKeySecret], "etcd-s3-secret-key": secrets[s3.SecretKeySecret],
		} {
			if want == "" && cfg[key] == nil {
				continue
			}
			if got := values(cfg[key]); !slices.Equal(got, []string{want}) {
				t.Errorf("server %s: %s = %v, want %q", name, key, got, want)
			}
		}
		for _, tpl := range h.Templates {
			if strings.HasPrefix(tpl.Path, "/etc/rancher/k3s/") && (tpl.Mode != "0600" || !slices.Contains(tpl.RestartUnits, "k3s.service")) {
				t.Errorf("server %s: the S3 drop-in %+v is not private or does not restart k3s", name, tpl)
			}
		}
		if strings.Contains(h.Etc[k3sConfigFile], "secret value") {
			t.Errorf("server %s: an S3 key is in the store", name)
		}
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func checkHostKeepalived(t *testing.T, c *model.Cluster, name string, h hostResult) {
	t.Helper()
	n := c.Nodes[name]
	k := h.Keepalived
	in := k.Instance
	var peers []string
	for _, other := range c.ControlPlaneNodes() {
		if other != name {
			peers = append(peers, c.Nodes[other].Address.String())
		}
	}
	if in.Interface != lanDevice(n) || in.UnicastSrcIp != n.Address.String() || !slices.Equal(in.UnicastPeers, peers) ||
		in.Priority < 1 || in.Priority > 254 || in.VirtualRouterId != c.Network.VRRPID {
		t.Errorf("%s: keepalived %+v, want interface %s, source %s, peers %v", name, in, lanDevice(n), n.Address, peers)
	}
	wantVIP := fmt.Sprintf("%s/%d", c.Network.APIVIP, c.Network.Subnet.Bits())
	if len(in.VirtualIps) != 1 || in.VirtualIps[0].Addr != wantVIP || !k.OpenFirewall {
		t.Errorf("%s: VIPs %+v, open firewall %v", name, in.VirtualIps, k.OpenFirewall)
	}
	for _, ts := range in.TrackScripts {
		if _, ok := k.Scripts[ts]; !ok {
			t.Errorf("%s: track script %s is not defined", name, ts)
		}
	}
	hp := *h.Haproxy
	bind := regexp.MustCompile(`(?m)^\s*bind \*:(\d+)$`).FindAllStringSubmatch(hp, -1)
	if len(bind) != 1 || bind[0][1] != strconv.Itoa(c.Network.APIPort) {
		t.Errorf("%s: HAProxy binds %v, want only api_port %d", name, bind, c.Network.APIPort)
	}
	for _, line := range []string{"mode tcp", "option tcp-check", "timeout client 1h", "timeout server 1h", "timeout tunnel 24h"} {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(line) + `$`).MatchString(hp) {
			t.Errorf("%s: HAProxy config lacks %q", name, line)
		}
	}
	for _, s := range c.ControlPlaneNodes() {
		backend := fmt.Sprintf("server %s %s:%d check", s, c.Nodes[s].Address, c.Kubernetes.APIServerPort)
		if !strings.Contains(hp, backend) {
			t.Errorf("%s: HAProxy lacks %q", name, backend)
		}
	}
}
