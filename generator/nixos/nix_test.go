package nixos

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
)

// These tests hand the rendered files to the real Nix evaluator. Plain
// nix-instantiate has no nixpkgs, so the modules are called with small
// stubs for lib and pkgs; the host modules and generated/config need none.

// writeTree writes files under a fresh directory and returns it.
func writeTree(t *testing.T, files []generator.File) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// evalJSON evaluates the Nix expression expr with dir as its directory and
// decodes the JSON result into out.
func evalJSON(t *testing.T, dir, expr string, out any) []byte {
	t.Helper()
	f := filepath.Join(dir, "probe-"+strconv.Itoa(len(expr))+".nix")
	if err := os.WriteFile(f, []byte(expr), 0o644); err != nil {
		t.Fatal(err)
	}
	b := testtool.NixInstantiate(t, "--eval", "--strict", "--json", f)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("decoding %s: %v", b, err)
		}
	}
	return b
}

// TestNixParse parses every generated .nix file, and the hand-written Nix
// files at the repository root, with the real Nix parser.
func TestNixParse(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range allCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			dir := writeTree(t, render(t, tc))
			var paths []string
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".nix") {
					paths = append(paths, p)
				}
				return err
			})
			testtool.NixInstantiate(t, append([]string{"--parse"}, paths...)...)
		})
	}
	t.Run("hand-written", func(t *testing.T) {
		paths := []string{"../../flake.nix"}
		for _, glob := range []string{"../../hardware/*.nix", "../../custom/*.nix"} {
			m, _ := filepath.Glob(glob)
			paths = append(paths, m...)
		}
		testtool.NixInstantiate(t, append([]string{"--parse"}, paths...)...)
	})
}

// TestNixConfig evaluates generated/config as plain data.
func TestNixConfig(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range allCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c := loadCase(t, tc)
			dir := writeTree(t, render(t, tc))
			var got struct {
				Cluster struct{ Name, Domain string }
				Network struct {
					PrefixLength int
					APIVIP       netip.Addr `json:"apiVip"`
					APIPort      int        `json:"apiPort"`
				}
				K3s *struct {
					ServerAddr, BootstrapNode string
					APIServerPort             int `json:"apiserverPort"`
				}
				Nodes map[string]struct {
					Name, Role, System, Interface, DeployHost string
					Address                                   netip.Addr
					Groups                                    []string
					CephOsdDevices                            []string
				}
				Groups map[string]struct{ Nodes []string }
				Users  map[string]struct {
					Name    string
					Admin   bool
					SSHKeys []string `json:"sshKeys"`
				}
			}
			evalJSON(t, dir, "import ./generated/config", &got)

			if got.Cluster.Name != c.Cluster.Name || got.Cluster.Domain != c.Cluster.Domain {
				t.Errorf("cluster = %+v", got.Cluster)
			}
			if got.Network.APIVIP != c.Network.APIVIP || got.Network.APIPort != c.Network.APIPort {
				t.Errorf("network = %+v", got.Network)
			}
			if got.K3s == nil || got.K3s.APIServerPort != c.Kubernetes.APIServerPort || got.K3s.BootstrapNode != c.BootstrapNode() ||
				got.K3s.ServerAddr != "https://"+c.Network.APIVIP.String()+":"+strconv.Itoa(c.Network.APIPort) {
				t.Errorf("k3s = %+v", got.K3s)
			}
			if len(got.Nodes) != len(c.Nodes) {
				t.Errorf("%d nodes, want %d", len(got.Nodes), len(c.Nodes))
			}
			for name, n := range c.Nodes {
				g := got.Nodes[name]
				if g.Name != name || g.Role != n.Role || g.Address != n.Address || g.System != n.System ||
					g.Interface != n.Interface || g.DeployHost != n.DeployHost ||
					!slices.Equal(g.Groups, n.Groups) || !slices.Equal(g.CephOsdDevices, n.CephOSDDevices) {
					t.Errorf("node %s = %+v, want %+v", name, g, n)
				}
				for _, grp := range n.Groups {
					if !slices.Contains(got.Groups[grp].Nodes, name) {
						t.Errorf("group %s does not list %s", grp, name)
					}
				}
			}
			for name, u := range c.Users {
				if g := got.Users[name]; g.Name != name || g.Admin != u.Admin || !slices.Equal(g.SSHKeys, u.SSHKeys) {
					t.Errorf("user %s = %+v", name, g)
				}
			}
		})
	}
	// The reference cluster, spelled out.
	dir := writeTree(t, render(t, allCases(t)[0]))
	var roles map[string]string
	evalJSON(t, dir, `builtins.mapAttrs (_: n: n.role + " " + n.address) (import ./generated/config).nodes`, &roles)
	want := map[string]string{
		"cp1": "control-plane 10.10.10.11", "cp2": "control-plane 10.10.10.12", "cp3": "control-plane 10.10.10.13",
		"w1": "worker 10.10.10.21", "w2": "worker 10.10.10.22", "backup": "standalone 10.10.10.30",
	}
	for n, w := range want {
		if roles[n] != w {
			t.Errorf("reference node %s: %q, want %q", n, roles[n], w)
		}
	}
}

// flakeStubs calls generated/default.nix with inputs whose functions return
// their arguments, so `deploy` evaluates to JSON without nixpkgs.
const flakeStubs = `
let
  stubSystem = system: {
    activate.nixos = cfg: "/nix/store/stub-activate-" + system + "-" + cfg.hostName;
  };
  outputs = import ./generated {
    self = outputs // {
      # What nixosSystem would return, reduced to the one value the stub uses.
      nixosConfigurations = builtins.mapAttrs (name: _: { hostName = name; }) outputs.nixosConfigurations;
    };
    nixpkgs.lib.nixosSystem = args: args;
    sops-nix.nixosModules.sops = "sops-nix-module";
    deploy-rs.lib = {
      x86_64-linux = stubSystem "x86_64-linux";
      aarch64-linux = stubSystem "aarch64-linux";
    };
  };
in
`

// TestNixDeploy evaluates the deploy-rs data of generated/default.nix and
// checks it against deploy-rs's schema, as deploy-rs's deployChecks do.
func TestNixDeploy(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range allCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c := loadCase(t, tc)
			dir := writeTree(t, render(t, tc))
			raw := evalJSON(t, dir, flakeStubs+"outputs.deploy", nil)
			if err := schema.CheckJSON("deploy-rs.schema.json", raw); err != nil {
				t.Fatalf("deploy does not match deploy-rs's schema: %v\n%s", err, raw)
			}
			var deploy struct {
				Nodes map[string]struct {
					Hostname, SSHUser, User string
					Profiles                map[string]struct{ User, Path string }
				}
			}
			if err := json.Unmarshal(raw, &deploy); err != nil {
				t.Fatal(err)
			}
			if len(deploy.Nodes) != len(c.Nodes) {
				t.Errorf("%d deploy nodes, want %d", len(deploy.Nodes), len(c.Nodes))
			}
			for name, n := range c.Nodes {
				d := deploy.Nodes[name]
				wantPath := "/nix/store/stub-activate-" + n.System + "-" + name
				if d.Hostname != n.DeployHost || d.SSHUser != c.Deploy.SSHUser || d.User != "root" ||
					d.Profiles["system"].Path != wantPath || d.Profiles["system"].User != "root" {
					t.Errorf("deploy.nodes.%s = %+v", name, d)
				}
			}

			var systems map[string]struct {
				System  string
				Modules int
			}
			evalJSON(t, dir, flakeStubs+`builtins.mapAttrs (_: s: { inherit (s) system; modules = builtins.length s.modules; }) outputs.nixosConfigurations`, &systems)
			for name, n := range c.Nodes {
				if s := systems[name]; s.System != n.System || s.Modules != 2 {
					t.Errorf("nixosConfigurations.%s = %+v", name, s)
				}
			}
		})
	}
}

// clusterProbe evaluates every host module and the role modules with stub
// arguments, and joins each node's k3s flags the way k8s-common.nix does.
const clusterProbe = `
let
  cluster = import ./generated/config;
  lib = {
    mkOption = option: option;
    types = {
      listOf = type: "list of " + type;
      str = "string";
    };
    concatStringsSep = builtins.concatStringsSep;
  };
  pkgs.procps = "/nix/store/stub-procps";
  tokenPath = "/run/secrets/stub-token-path";
  modules = ./generated/modules;
  isK8s = cluster.k3s != null;
  roleFile = {
    control-plane = modules + "/k8s-control-plane.nix";
    worker = modules + "/k8s-worker.nix";
    standalone = modules + "/common.nix";
  };
  # k8s-common.nix as the module system would call it, with the flag lists
  # the role and host modules set.
  k8sCommon = clusterFlags: nodeFlags:
    import (modules + "/k8s-common.nix") {
      inherit lib;
      config = {
        hlcgen.k3s = { inherit clusterFlags nodeFlags; };
        sops.secrets.${cluster.k3s.tokenSecret}.path = tokenPath;
      };
    };
  probe = name:
    let
      host = import (./generated/hosts + "/${name}") { };
      role = import roleFile.${cluster.nodes.${name}.role} { inherit pkgs; };
      k3s = host.services.k3s or { };
    in
    {
      hostName = host.networking.hostName;
      imports = map toString host.imports;
      # The host's own sops file, as a path literal (never a string, which
      # sops-nix would not copy into the store).
      sopsFile = if builtins.isPath host.sops.defaultSopsFile then toString host.sops.defaultSopsFile else null;
      clusterInit = k3s.clusterInit or false;
      serverAddr = k3s.serverAddr or null;
      setsToken = k3s ? token;
      k3sRole = role.services.k3s.role or null;
      keepalived = host.services.keepalived.vrrpInstances.k8s-api or null;
      extraFlags =
        if role ? hlcgen then
          (k8sCommon role.hlcgen.k3s.clusterFlags host.hlcgen.k3s.nodeFlags).config.services.k3s.extraFlags
        else
          null;
    };
  common = import (modules + "/common.nix") { };
in
{
  nodes = builtins.mapAttrs (name: _: probe name) (builtins.readDir ./generated/hosts);
  common = {
    ssh = common.services.openssh.settings;
    sshKeyPaths = common.sops.age.sshKeyPaths;
  };
  k8s =
    if isK8s then
      let
        m = (k8sCommon [ ] [ ]).config;
        secret = m.sops.secrets.${cluster.k3s.tokenSecret};
      in
      {
        tokenFile = m.services.k3s.tokenFile;
        tokenFileType = builtins.typeOf m.services.k3s.tokenFile;
        setsToken = m.services.k3s ? token;
        sopsFileIsPath = builtins.isPath secret.sopsFile;
        restartUnits = secret.restartUnits;
        tcp = m.networking.firewall.allowedTCPPorts;
        udp = m.networking.firewall.allowedUDPPorts;
        trusted = m.networking.firewall.trustedInterfaces;
      }
    else
      null;
  server =
    if isK8s then
      let
        s = import (modules + "/k8s-control-plane.nix") { inherit pkgs; };
        k = s.services.keepalived;
      in
      {
        haproxy = s.services.haproxy.config;
        tcp = s.networking.firewall.allowedTCPPorts;
        openFirewall = k.openFirewall;
        scripts = builtins.attrNames k.vrrpScripts;
        scriptUsers = map (n: k.vrrpScripts.${n}.user) (builtins.attrNames k.vrrpScripts);
        trackScripts = k.vrrpInstances.k8s-api.trackScripts;
        virtualIps = map (ip: ip.addr) k.vrrpInstances.k8s-api.virtualIps;
        virtualRouterId = k.vrrpInstances.k8s-api.virtualRouterId;
        scriptUser = s.users.users.keepalived_script;
        scriptGroup = s.users.groups ? keepalived_script;
      }
    else
      null;
}
`

type keepalivedInstance struct {
	Interface, State, UnicastSrcIP string
	Priority                       int
	UnicastPeers                   []string
}

type clusterProbeResult struct {
	Nodes map[string]struct {
		HostName    string
		Imports     []string
		SopsFile    *string
		ClusterInit bool
		ServerAddr  *string
		SetsToken   bool
		K3sRole     *string
		Keepalived  *keepalivedInstance
		ExtraFlags  *string
	}
	Common struct {
		SSH         map[string]any
		SSHKeyPaths []string
	}
	K8s *struct {
		TokenFile, TokenFileType string
		SetsToken                bool
		SopsFileIsPath           bool
		RestartUnits             []string
		TCP, UDP                 []int
		Trusted                  []string
	}
	Server *struct {
		Haproxy                  string
		TCP                      []int
		OpenFirewall             bool
		Scripts, ScriptUsers     []string
		TrackScripts, VirtualIps []string
		VirtualRouterID          int
		ScriptUser               map[string]any
		ScriptGroup              bool
	}
}

// clusterWideFlag reports whether a k3s server flag must be identical on
// every server.
func clusterWideFlag(f string) bool {
	for _, p := range []string{"--disable", "--flannel-backend", "--cluster-cidr", "--service-cidr", "--tls-san", "--https-listen-port"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

// TestNixClusterInvariants checks, on evaluated modules, the mistakes that
// break a cluster and that this layer can make: one clusterInit, every
// other node joining through the VIP, the VIP in the servers' certificate,
// an explicit node IP, distinct keepalived priorities, HAProxy on its own
// port with TCP checks and long timeouts.
func TestNixClusterInvariants(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range allCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c := loadCase(t, tc)
			files := render(t, tc)
			dir := writeTree(t, files)
			var got clusterProbeResult
			evalJSON(t, dir, clusterProbe, &got)

			vip := c.Network.APIVIP.String()
			serverAddr := "https://" + vip + ":" + strconv.Itoa(c.Network.APIPort)

			// Host names: no dots, distinct, one per node.
			seen := map[string]bool{}
			for name, h := range got.Nodes {
				if h.HostName != name || strings.Contains(h.HostName, ".") || seen[h.HostName] {
					t.Errorf("%s: hostName %q", name, h.HostName)
				}
				seen[h.HostName] = true
				// Each host's default sops file is its own, the one
				// .sops.yaml gives to the admins and that node alone.
				if h.SopsFile == nil || !strings.HasSuffix(*h.SopsFile, "/"+model.HostSecretsFile(name)) {
					t.Errorf("%s: sops.defaultSopsFile %v, want a path literal to %s", name, h.SopsFile, model.HostSecretsFile(name))
				}
			}
			if len(got.Nodes) != len(c.Nodes) {
				t.Errorf("%d host modules, want %d", len(got.Nodes), len(c.Nodes))
			}

			// Exactly one clusterInit, without serverAddr; everyone else
			// joins through the VIP.
			var inits []string
			for name, h := range got.Nodes {
				n := c.Nodes[name]
				if h.SetsToken {
					t.Errorf("%s sets services.k3s.token", name)
				}
				if !n.IsKubernetes() {
					if h.ClusterInit || h.ServerAddr != nil || h.K3sRole != nil || h.ExtraFlags != nil || h.Keepalived != nil {
						t.Errorf("standalone %s has Kubernetes settings: %+v", name, h)
					}
					continue
				}
				if h.ClusterInit {
					inits = append(inits, name)
					if h.ServerAddr != nil {
						t.Errorf("%s has clusterInit and serverAddr %q", name, *h.ServerAddr)
					}
				} else if h.ServerAddr == nil || *h.ServerAddr != serverAddr {
					t.Errorf("%s: serverAddr %v, want %q", name, h.ServerAddr, serverAddr)
				}
				wantRole := map[string]string{model.RoleControlPlane: "server", model.RoleWorker: "agent"}[n.Role]
				if h.K3sRole == nil || *h.K3sRole != wantRole {
					t.Errorf("%s: k3s role %v, want %s", name, h.K3sRole, wantRole)
				}

				// Explicit node IP, never the VIP.
				if h.ExtraFlags == nil {
					t.Fatalf("%s: no k3s flags", name)
				}
				flags := strings.Fields(*h.ExtraFlags)
				if !slices.Contains(flags, "--node-ip="+n.Address.String()) || slices.Contains(flags, "--node-ip="+vip) {
					t.Errorf("%s: flags %q lack --node-ip=%s", name, flags, n.Address.String())
				}
				for k, v := range n.Labels {
					if !slices.Contains(flags, "--node-label="+k+"="+v) {
						t.Errorf("%s: label %s=%s missing from %q", name, k, v, flags)
					}
				}
				for _, taint := range n.Taints {
					if !slices.Contains(flags, "--node-taint="+taint) {
						t.Errorf("%s: taint %s missing from %q", name, taint, flags)
					}
				}
			}
			if len(c.KubernetesNodes()) > 0 && (len(inits) != 1 || inits[0] != c.BootstrapNode()) {
				t.Errorf("clusterInit on %v, want exactly [%s]", inits, c.BootstrapNode())
			}

			// Servers: the VIP in the certificate, identical cluster-wide
			// flags, Cilium as the CNI.
			var reference []string
			for _, name := range c.ControlPlaneNodes() {
				flags := strings.Fields(*got.Nodes[name].ExtraFlags)
				var wide []string
				for _, f := range flags {
					if clusterWideFlag(f) {
						wide = append(wide, f)
					}
				}
				for _, f := range []string{"--tls-san=" + vip, "--flannel-backend=none", "--disable-network-policy",
					"--https-listen-port=" + strconv.Itoa(c.Kubernetes.APIServerPort)} {
					if !slices.Contains(flags, f) {
						t.Errorf("server %s lacks %s: %q", name, f, flags)
					}
				}
				if c.Cilium.KubeProxyReplacement != slices.Contains(flags, "--disable-kube-proxy") {
					t.Errorf("server %s: --disable-kube-proxy does not follow kube_proxy_replacement: %q", name, flags)
				}
				if reference == nil {
					reference = wide
				} else if !slices.Equal(reference, wide) {
					t.Errorf("server %s has cluster-wide flags %q, another server %q", name, wide, reference)
				}
			}

			// Keepalived: distinct priorities, one MASTER (the highest),
			// every other server a peer and never itself.
			priorities := map[int]string{}
			var masters []string
			for _, name := range c.ControlPlaneNodes() {
				n := c.Nodes[name]
				k := got.Nodes[name].Keepalived
				if k == nil {
					t.Fatalf("server %s has no keepalived instance", name)
				}
				if other, dup := priorities[k.Priority]; dup {
					t.Errorf("%s and %s share priority %d", name, other, k.Priority)
				}
				priorities[k.Priority] = name
				if k.Priority < 1 || k.Priority > 254 {
					t.Errorf("%s: priority %d", name, k.Priority)
				}
				if k.State == "MASTER" {
					masters = append(masters, name)
				}
				if k.Interface != n.Interface || k.UnicastSrcIP != n.Address.String() {
					t.Errorf("%s: keepalived %+v", name, k)
				}
				var wantPeers []string
				for _, other := range c.ControlPlaneNodes() {
					if other != name {
						wantPeers = append(wantPeers, c.Nodes[other].Address.String())
					}
				}
				if slices.Contains(k.UnicastPeers, n.Address.String()) || !slices.Equal(k.UnicastPeers, wantPeers) {
					t.Errorf("%s: unicastPeers %q, want %q", name, k.UnicastPeers, wantPeers)
				}
			}
			if len(priorities) > 0 {
				top := -1
				for prio := range priorities {
					top = max(top, prio)
				}
				if len(masters) != 1 || masters[0] != priorities[top] {
					t.Errorf("MASTER on %v, want exactly [%s] (priority %d)", masters, priorities[top], top)
				}
			}
			for _, name := range c.NodeNames() {
				if c.Nodes[name].Role != model.RoleControlPlane && got.Nodes[name].Keepalived != nil {
					t.Errorf("%s is not a server but runs keepalived", name)
				}
			}

			// SSH by key only; sops-nix with the host key.
			if got.Common.SSH["PasswordAuthentication"] != false || got.Common.SSH["KbdInteractiveAuthentication"] != false {
				t.Errorf("openssh settings %v", got.Common.SSH)
			}
			wantRoot := "no"
			if c.Deploy.SSHUser == "root" {
				wantRoot = "prohibit-password"
			}
			if got.Common.SSH["PermitRootLogin"] != wantRoot {
				t.Errorf("PermitRootLogin %v, want %s", got.Common.SSH["PermitRootLogin"], wantRoot)
			}
			if !slices.Equal(got.Common.SSHKeyPaths, []string{"/etc/ssh/ssh_host_ed25519_key"}) {
				t.Errorf("sops %+v", got.Common)
			}

			if len(c.KubernetesNodes()) == 0 {
				return
			}
			// The token: a string path from sops-nix, never the token.
			k := got.K8s
			if k.TokenFile != "/run/secrets/stub-token-path" || k.TokenFileType != "string" || k.SetsToken {
				t.Errorf("tokenFile %q (%s), sets token: %v", k.TokenFile, k.TokenFileType, k.SetsToken)
			}
			if !k.SopsFileIsPath || !slices.Contains(k.RestartUnits, "k3s.service") {
				t.Errorf("token secret %+v", k)
			}
			for _, port := range []int{10250, 4240, 4244} {
				if !slices.Contains(k.TCP, port) {
					t.Errorf("k8s nodes do not open %d/tcp: %v", port, k.TCP)
				}
			}
			if c.Ceph != nil && (!slices.Contains(k.TCP, 3300) || !slices.Contains(k.TCP, 6789)) {
				t.Errorf("Ceph monitor ports not open: %v", k.TCP)
			}
			if !slices.Contains(k.UDP, 8472) || !slices.Equal(k.Trusted, []string{"cilium+", "lxc+"}) {
				t.Errorf("Cilium firewall: udp %v, trusted %v", k.UDP, k.Trusted)
			}

			// HAProxy: its own port, TCP checks, long timeouts, every
			// apiserver.
			s := got.Server
			p := newPlan(c)
			if s.Haproxy != p.haproxyConfig() {
				t.Errorf("HAProxy config changed on its way through Nix:\n%s", s.Haproxy)
			}
			bind := regexp.MustCompile(`(?m)^\s*bind \*:(\d+)$`).FindAllStringSubmatch(s.Haproxy, -1)
			if len(bind) != 1 || bind[0][1] != strconv.Itoa(c.Network.APIPort) || bind[0][1] == strconv.Itoa(c.Kubernetes.APIServerPort) {
				t.Errorf("HAProxy binds %v; api_port %d, apiserver_port %d", bind, c.Network.APIPort, c.Kubernetes.APIServerPort)
			}
			for _, line := range []string{"mode tcp", "option tcp-check", "timeout client 1h", "timeout server 1h", "timeout tunnel 24h"} {
				if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(line) + `$`).MatchString(s.Haproxy) {
					t.Errorf("HAProxy config lacks %q", line)
				}
			}
			if strings.Contains(s.Haproxy, "httpchk") || strings.Contains(s.Haproxy, "mode http") {
				t.Errorf("HAProxy uses HTTP")
			}
			for _, name := range c.ControlPlaneNodes() {
				server := "server " + name + " " + c.Nodes[name].Address.String() + ":" + strconv.Itoa(c.Kubernetes.APIServerPort) + " check"
				if !strings.Contains(s.Haproxy, server) {
					t.Errorf("HAProxy lacks %q", server)
				}
			}
			for _, port := range []int{c.Network.APIPort, c.Kubernetes.APIServerPort} {
				if !slices.Contains(s.TCP, port) {
					t.Errorf("servers do not open %d/tcp: %v", port, s.TCP)
				}
			}

			// Keepalived: VRRP allowed, the script user exists, every
			// tracked script is defined, the VIP carries the prefix.
			if !s.OpenFirewall {
				t.Errorf("VRRP is not allowed through the firewall")
			}
			for _, ts := range s.TrackScripts {
				if !slices.Contains(s.Scripts, ts) {
					t.Errorf("track script %s is not defined", ts)
				}
			}
			for _, u := range s.ScriptUsers {
				if u != "keepalived_script" {
					t.Errorf("vrrp script runs as %s", u)
				}
			}
			if s.ScriptUser["isSystemUser"] != true || s.ScriptUser["group"] != "keepalived_script" || !s.ScriptGroup {
				t.Errorf("keepalived_script user %v, group %v", s.ScriptUser, s.ScriptGroup)
			}
			wantVIP := vip + "/" + strconv.Itoa(c.Network.Subnet.Bits())
			if !slices.Equal(s.VirtualIps, []string{wantVIP}) || s.VirtualRouterID != c.Network.VRRPID {
				t.Errorf("VRRP instance: VIPs %v, router id %d", s.VirtualIps, s.VirtualRouterID)
			}
		})
	}
}

// TestNoTokenInOutput greps every generated file: the k3s token option must
// never be set, and no file may hold a token-looking literal.
func TestNoTokenInOutput(t *testing.T) {
	tokenOption := regexp.MustCompile(`(?m)(\bk3s\.token\s*=|^\s*token\s*=)`)
	for _, tc := range allCases(t) {
		for _, f := range render(t, tc) {
			if tokenOption.Match(f.Content) {
				t.Errorf("%s: %s sets the k3s token", tc.Name, f.Path)
			}
			if strings.Contains(string(f.Content), "K10") {
				t.Errorf("%s: %s contains what looks like a k3s token", tc.Name, f.Path)
			}
		}
	}
}

// flakeProbe calls the hand-written flake.nix's outputs with stub inputs
// and reports the shape of what it returns.
const flakeProbe = `
let
  systems = [ "x86_64-linux" "aarch64-linux" ];
  genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
  nixpkgs = {
    lib = {
      inherit genAttrs;
      nixosSystem = args: args;
      escapeShellArg = arg: "'" + arg + "'";
    };
    legacyPackages = genAttrs systems (system: {
      coreutils = "/nix/store/stub-coreutils";
      writeShellApplication = { name, text, ... }: "/nix/store/stub-" + name + "-" + builtins.hashString "sha256" text;
    });
  };
  deploy-rs.lib = genAttrs systems (system: {
    activate.nixos = cfg: "/nix/store/stub-activate";
    deployChecks = deploy: { schema = builtins.attrNames deploy.nodes; };
  });
  kubenix.evalModules = genAttrs systems (system: { module }: {
    config.kubernetes.resultYAML = "/nix/store/stub-manifests.yaml";
  });
  sops-nix.nixosModules.sops = "sops-nix-module";
  flake = import ./flake.nix;
  outputs = flake.outputs {
    self = outputs;
    inherit nixpkgs deploy-rs kubenix sops-nix;
  };
in
{
  inputs = builtins.attrNames flake.inputs;
  nixpkgs = flake.inputs.nixpkgs.url;
  outputs = builtins.attrNames outputs;
  hosts = builtins.attrNames outputs.nixosConfigurations;
  deployNodes = builtins.attrNames outputs.deploy.nodes;
  checks = outputs.checks;
  packages = builtins.mapAttrs (_: p: p.manifests) outputs.packages;
  app = outputs.apps.x86_64-linux.manifests;
  manifestsDir = (import ./generated/config).manifestsDir;
}
`

// TestFlakeWiring evaluates the repository's hand-written flake.nix over a
// rendered reference cluster, with stub inputs: generated/ must be wired
// into nixosConfigurations and deploy, deploy-rs's checks must see every
// node, and the manifests package and app must exist for each system.
func TestFlakeWiring(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	c := loadCase(t, allCases(t)[0])
	dir := writeTree(t, render(t, allCases(t)[0]))
	flake, err := os.ReadFile("../../flake.nix")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), flake, 0o644); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Inputs, Outputs, Hosts, DeployNodes []string
		Nixpkgs                             string
		Checks                              map[string]struct{ Schema []string }
		Packages                            map[string]string
		App                                 struct{ Type, Program string }
		ManifestsDir                        string
	}
	evalJSON(t, dir, flakeProbe, &got)
	nodes := c.NodeNames()
	if !slices.Equal(got.Inputs, []string{"deploy-rs", "kubenix", "nixpkgs", "sops-nix"}) || !strings.Contains(got.Nixpkgs, "nixos-25.05") {
		t.Errorf("inputs %v, nixpkgs %q", got.Inputs, got.Nixpkgs)
	}
	for _, o := range []string{"apps", "checks", "deploy", "nixosConfigurations", "packages"} {
		if !slices.Contains(got.Outputs, o) {
			t.Errorf("flake outputs %v lack %s", got.Outputs, o)
		}
	}
	if !slices.Equal(got.Hosts, nodes) || !slices.Equal(got.DeployNodes, nodes) {
		t.Errorf("hosts %v, deploy nodes %v, want %v", got.Hosts, got.DeployNodes, nodes)
	}
	for _, system := range []string{"x86_64-linux", "aarch64-linux"} {
		if !slices.Equal(got.Checks[system].Schema, nodes) {
			t.Errorf("checks.%s = %+v", system, got.Checks[system])
		}
		if got.Packages[system] != "/nix/store/stub-manifests.yaml" {
			t.Errorf("packages.%s.manifests = %q", system, got.Packages[system])
		}
	}
	if got.App.Type != "app" || !strings.HasSuffix(got.App.Program, "/bin/write-manifests") {
		t.Errorf("apps.x86_64-linux.manifests = %+v", got.App)
	}
	if got.ManifestsDir != c.Flux.Path {
		t.Errorf("manifestsDir %q, want flux.path %q", got.ManifestsDir, c.Flux.Path)
	}
}
