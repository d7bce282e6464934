package nixostest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// repoRoot is the repository, whose committed generated/ tree is evaluated.
const repoRoot = "../.."

func TestCommittedTreeEvaluates(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(repoRoot, "generated", "hosts"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		if e.IsDir() {
			want = append(want, e.Name())
		}
	}
	if len(want) == 0 {
		t.Fatal("no hosts under generated/hosts")
	}

	hosts := EvalHosts(t, repoRoot, "config: config.networking.hostName")
	var got []string
	for name, raw := range hosts {
		got = append(got, name)
		var hostName string
		if err := json.Unmarshal(raw, &hostName); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if hostName != name {
			t.Errorf("nixosConfigurations.%s has networking.hostName %q", name, hostName)
		}
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nixosConfigurations = %v, want the hosts %v", got, want)
	}
}

func TestCommittedTreeWiring(t *testing.T) {
	hosts := EvalHosts(t, repoRoot, `config: {
		tokenFile = config.services.k3s.tokenFile;
		k3s = config.services.k3s.enable;
		extraFlags = config.services.k3s.extraFlags;
		trusted = config.nix.settings.trusted-users;
	}`)
	for name, raw := range hosts {
		var v struct {
			TokenFile *string  `json:"tokenFile"`
			K3s       bool     `json:"k3s"`
			Trusted   []string `json:"trusted"`
		}
		mustUnmarshal(t, raw, &v)
		if len(v.Trusted) == 0 || v.Trusted[0] != "root" {
			t.Errorf("%s: nix.settings.trusted-users = %v", name, v.Trusted)
		}
		if !v.K3s {
			continue
		}
		// The token file is the decrypted secret, a string outside the
		// store: the server token on servers, the agent token on agents.
		want := "/run/secrets/k3s/agent_token"
		if strings.HasPrefix(name, "cp") {
			want = "/run/secrets/k3s/token"
		}
		if v.TokenFile == nil || *v.TokenFile != want {
			t.Errorf("%s: services.k3s.tokenFile = %v, want %s", name, v.TokenFile, want)
		}
	}
}

// tree writes a rendered tree with one host, h1, whose module imports a
// minimal hardware file and the given modules (each the source of a NixOS
// module), and returns its root.
func tree(t *testing.T, modules ...string) string {
	t.Helper()
	return treeWith(t, "[ sops-nix.nixosModules.sops ./hosts/h1 ]", modules...)
}

// treeWith is tree with the module list of nixosSystem given as Nix source.
func treeWith(t *testing.T, hostModules string, modules ...string) string {
	t.Helper()
	root := t.TempDir()
	var imports []string
	files := map[string]string{
		"generated/default.nix": `{ self, nixpkgs, sops-nix, deploy-rs, ... }:
{
  nixosConfigurations.h1 = nixpkgs.lib.nixosSystem {
    system = "x86_64-linux";
    modules = ` + hostModules + `;
  };
  deploy.nodes.h1.profiles.system.path = deploy-rs.lib.x86_64-linux.activate.nixos self.nixosConfigurations.h1;
}
`,
		"hardware/h1.nix": `{ lib, modulesPath, ... }:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
  boot.initrd.availableKernelModules = [ "ahci" "nvme" ];
  boot.loader.systemd-boot.enable = true;
  boot.loader.efi.canTouchEfiVariables = true;
  fileSystems."/" = { device = "/dev/disk/by-label/root"; fsType = "ext4"; };
  fileSystems."/boot" = { device = "/dev/disk/by-label/boot"; fsType = "vfat"; options = [ "fmask=0077" "dmask=0077" ]; };
  networking.useDHCP = lib.mkDefault true;
  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
}
`,
	}
	for i, m := range modules {
		name := "m" + string(rune('a'+i)) + ".nix"
		files["generated/hosts/h1/"+name] = m
		imports = append(imports, "./"+name)
	}
	files["generated/hosts/h1/default.nix"] = `{ ... }:
{
  imports = [ ../../../hardware/h1.nix ` + strings.Join(imports, " ") + ` ];
  system.stateVersion = "25.05";
}
`
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// eval1 evaluates the tree's only host and unmarshals the probe's value into v.
func eval1(t *testing.T, root, probe string, v any) {
	t.Helper()
	hosts := EvalHosts(t, root, probe)
	raw, ok := hosts["h1"]
	if !ok || len(hosts) != 1 {
		t.Fatalf("hosts = %v, want h1 alone", hosts)
	}
	mustUnmarshal(t, raw, v)
}

func mustUnmarshal(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
}

// wantError checks that evaluating root fails with a message containing every
// one of wants.
func wantError(t *testing.T, root string, wants ...string) {
	t.Helper()
	msg := EvalError(t, root, "config: config.networking.hostName")
	t.Logf("evaluation failed as expected:\n%s", msg)
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not mention %q:\n%s", w, msg)
		}
	}
}

func TestMinimalHostEvaluates(t *testing.T) {
	t.Parallel()
	var got struct {
		HostName string `json:"hostName"`
		Firmware bool   `json:"firmware"`
		Grub     bool   `json:"grub"`
	}
	eval1(t, tree(t), `config: {
		hostName = config.networking.hostName;
		firmware = config.hardware.enableRedistributableFirmware;
		grub = config.boot.loader.grub.enable;
	}`, &got)
	// nixpkgs' defaults: the host name is "nixos", not-detected.nix turns on
	// firmware, systemd-boot turns off GRUB.
	if got.HostName != "nixos" || !got.Firmware || got.Grub {
		t.Errorf("got %+v", got)
	}
}

func TestMisspeltOptionFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ networking.hostNmae = "h1"; }`),
		"option `networking.hostNmae' is not declared")
}

func TestMisspeltOptionInSubmoduleFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ users.users.ops = { isNormalUser = true; extraGroup = [ "wheel" ]; }; }`),
		"option `users.users.ops.extraGroup' is not declared")
}

func TestStringWhereListExpectedFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ networking.nameservers = "9.9.9.9"; }`),
		"networking.nameservers", "wants list of string")
}

func TestWrongElementTypeFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ networking.firewall.allowedTCPPorts = [ 22 "443" ]; }`),
		"networking.firewall.allowedTCPPorts", "unsigned 16-bit integer")
}

func TestExtraFlagsStringAndListFail(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t,
		`{ services.k3s.extraFlags = "--node-ip=10.0.0.1"; }`,
		`{ services.k3s.extraFlags = [ "--disable=traefik" ]; }`),
		"option `services.k3s.extraFlags': takes one definition")
}

func TestExtraFlagsTwoStringsFail(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t,
		`{ services.k3s.extraFlags = "--node-ip=10.0.0.1"; }`,
		`{ services.k3s.extraFlags = "--disable=traefik"; }`),
		"option `services.k3s.extraFlags': two definitions differ")
}

func TestExtraFlagsListsConcatenate(t *testing.T) {
	t.Parallel()
	var got []string
	eval1(t, tree(t,
		`{ services.k3s.extraFlags = [ "--node-ip=10.0.0.1" ]; }`,
		`{ services.k3s.extraFlags = [ "--disable=traefik" ]; }`),
		"config: config.services.k3s.extraFlags", &got)
	if want := []string{"--node-ip=10.0.0.1", "--disable=traefik"}; !reflect.DeepEqual(got, want) {
		t.Errorf("services.k3s.extraFlags = %q, want %q", got, want)
	}
}

func TestDifferentHostNamesFail(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ networking.hostName = "a"; }`, `{ networking.hostName = "b"; }`),
		"option `networking.hostName': two definitions differ")
}

func TestInvalidHostNameFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ networking.hostName = "h1.home.arpa"; }`),
		"networking.hostName", "wants string matching")
}

func TestEqualHostNamesMerge(t *testing.T) {
	t.Parallel()
	var got string
	eval1(t, tree(t, `{ networking.hostName = "a"; }`, `{ networking.hostName = "a"; }`),
		"config: config.networking.hostName", &got)
	if got != "a" {
		t.Errorf("networking.hostName = %q, want a", got)
	}
}

func TestListsConcatenateInModuleOrder(t *testing.T) {
	t.Parallel()
	var got []string
	eval1(t, tree(t,
		`{ networking.nameservers = [ "10.0.0.1" ]; }`,
		`{ lib, ... }: { networking.nameservers = lib.mkAfter [ "9.9.9.9" ]; }`,
		`{ lib, ... }: { networking.nameservers = lib.mkBefore [ "1.1.1.1" ]; }`,
		`{ networking.nameservers = [ "10.0.0.2" ]; }`),
		"config: config.networking.nameservers", &got)
	if want := []string{"1.1.1.1", "10.0.0.1", "10.0.0.2", "9.9.9.9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("networking.nameservers = %q, want %q", got, want)
	}
}

func TestMkDefaultLosesToPlainDefinition(t *testing.T) {
	t.Parallel()
	var got string
	eval1(t, tree(t,
		`{ lib, ... }: { networking.hostName = lib.mkDefault "a"; }`,
		`{ networking.hostName = "b"; }`),
		"config: config.networking.hostName", &got)
	if got != "b" {
		t.Errorf("networking.hostName = %q, want b", got)
	}
}

func TestMkForceWins(t *testing.T) {
	t.Parallel()
	var got string
	eval1(t, tree(t,
		`{ networking.hostName = "b"; }`,
		`{ lib, ... }: { networking.hostName = lib.mkForce "a"; }`,
		`{ networking.hostName = "c"; }`),
		"config: config.networking.hostName", &got)
	if got != "a" {
		t.Errorf("networking.hostName = %q, want a", got)
	}
}

func TestMkIfFalseVanishes(t *testing.T) {
	t.Parallel()
	var got string
	eval1(t, tree(t,
		`{ networking.hostName = "a"; }`,
		`{ config, lib, ... }: { config = lib.mkIf (!config.services.k3s.enable) { networking.hostName = "b"; }; }`,
		`{ lib, ... }: { services.k3s.enable = true; }`),
		"config: config.networking.hostName", &got)
	if got != "a" {
		t.Errorf("networking.hostName = %q, want a", got)
	}
}

func TestSubmoduleOptionWrongTypeFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{
		networking.interfaces.eth0.ipv4.addresses = [ { address = "10.0.0.5"; prefixLength = "24"; } ];
	}`),
		"networking.interfaces.eth0.ipv4.addresses", "prefixLength", "wants signed integer")
}

func TestSubmoduleRequiredOptionMissingFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{
		services.keepalived.enable = true;
		services.keepalived.vrrpInstances.api = { virtualRouterId = 51; };
	}`),
		"option `services.keepalived.vrrpInstances.api.interface': read, but nothing defines it")
}

func TestDefaultGatewayCoercedFromString(t *testing.T) {
	t.Parallel()
	var got map[string]any
	eval1(t, tree(t, `{ networking.defaultGateway = "10.0.0.1"; }`),
		"config: config.networking.defaultGateway", &got)
	want := map[string]any{"address": "10.0.0.1", "interface": nil, "metric": nil, "source": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("networking.defaultGateway = %v, want %v", got, want)
	}
}

func TestSopsSecretPaths(t *testing.T) {
	t.Parallel()
	var got struct {
		Token     string `json:"token"`
		ForUsers  string `json:"forUsers"`
		Key       string `json:"key"`
		Template  string `json:"template"`
		Holder    string `json:"holder"`
		TokenFile string `json:"tokenFile"`
	}
	root := tree(t, `{ config, ... }: {
		sops.defaultSopsFile = ../../../secrets/hosts/h1.yaml;
		sops.age.keyFile = "/var/lib/sops-nix/key.txt";
		sops.secrets."k3s/token" = { sopsFile = ../../../secrets/cluster.yaml; restartUnits = [ "k3s.service" ]; };
		sops.secrets.password.neededForUsers = true;
		sops.templates."app.env".content = "TOKEN=${config.sops.placeholder."k3s/token"}";
		services.k3s = { enable = true; tokenFile = config.sops.secrets."k3s/token".path; };
	}`)
	eval1(t, root, `config: {
		token = config.sops.secrets."k3s/token".path;
		forUsers = config.sops.secrets.password.path;
		key = config.sops.secrets."k3s/token".key;
		template = config.sops.templates."app.env".path;
		holder = config.sops.placeholder."k3s/token";
		tokenFile = config.services.k3s.tokenFile;
	}`, &got)
	if got.Token != "/run/secrets/k3s/token" || got.TokenFile != got.Token {
		t.Errorf("secret path %q, k3s tokenFile %q, want /run/secrets/k3s/token", got.Token, got.TokenFile)
	}
	if got.ForUsers != "/run/secrets-for-users/password" {
		t.Errorf("neededForUsers secret path = %q", got.ForUsers)
	}
	if got.Key != "k3s/token" {
		t.Errorf("secret key = %q, want the attribute name", got.Key)
	}
	if got.Template != "/run/secrets/rendered/app.env" {
		t.Errorf("template path = %q", got.Template)
	}
	if !strings.HasPrefix(got.Holder, "<SOPS:") || !strings.HasSuffix(got.Holder, ":PLACEHOLDER>") {
		t.Errorf("placeholder = %q", got.Holder)
	}
}

func TestSopsOptionsNeedTheSopsModule(t *testing.T) {
	t.Parallel()
	root := treeWith(t, "[ ./hosts/h1 ]", `{ sops.age.keyFile = "/var/lib/sops-nix/key.txt"; }`)
	wantError(t, root, "option `sops' is not declared")
}

func TestKeepalivedStateEnumEnforced(t *testing.T) {
	t.Parallel()
	instance := func(state string) string {
		return `{
			services.keepalived.enable = true;
			services.keepalived.vrrpInstances.k8s-api = {
				interface = "eth0";
				virtualRouterId = 51;
				state = "` + state + `";
			};
		}`
	}
	wantError(t, tree(t, instance("PRIMARY")),
		"services.keepalived.vrrpInstances.k8s-api.state", "one of \"MASTER\", \"BACKUP\"")

	var got string
	eval1(t, tree(t, instance("MASTER")), `config: config.services.keepalived.vrrpInstances.k8s-api.state`, &got)
	if got != "MASTER" {
		t.Errorf("state = %q", got)
	}
}

func TestKeepalivedVirtualRouterIdRange(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{
		services.keepalived.vrrpInstances.k8s-api = { interface = "eth0"; virtualRouterId = 300; };
	}`),
		"services.keepalived.vrrpInstances.k8s-api.virtualRouterId", "integer in 1..255")
}

func TestKeepalivedTrackScriptMustExist(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{
		services.keepalived.enable = true;
		services.keepalived.vrrpInstances.k8s-api = { interface = "eth0"; virtualRouterId = 51; trackScripts = [ "haproxy" ]; };
	}`),
		"assertions failed", "vrrp instance k8s-api", "script haproxy")
}

func TestTailscaleRoutingFeaturesEnum(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ services.tailscale = { enable = true; useRoutingFeatures = "exit-node"; }; }`),
		"services.tailscale.useRoutingFeatures", `one of "none", "client", "server", "both"`)

	var got struct {
		Forwarding  bool `json:"forwarding"`
		ReversePath any  `json:"reversePath"`
	}
	eval1(t, tree(t, `{ services.tailscale = { enable = true; useRoutingFeatures = "both"; }; }`), `config: {
		forwarding = config.boot.kernel.sysctl."net.ipv4.conf.all.forwarding";
		reversePath = config.networking.firewall.checkReversePath;
	}`, &got)
	if !got.Forwarding || got.ReversePath != "loose" {
		t.Errorf("routing features \"both\": %+v, want forwarding and loose reverse path filtering", got)
	}
}

func TestFailedAssertionFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ services.k3s = { enable = true; role = "agent"; clusterInit = true; serverAddr = "https://10.0.0.1:6443"; }; }`),
		"assertions failed", "k3s: an agent cannot set clusterInit")
}

func TestUserWithoutGroupFails(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ users.users.keepalived_script = { isSystemUser = true; group = "keepalived_script"; }; }`),
		"assertions failed", "users.users.keepalived_script", "primary group keepalived_script")
}

func TestSysctlDefinedTwiceFails(t *testing.T) {
	t.Parallel()
	// The freeform sysctl values merge with mergeOneOption: even equal values
	// may be defined once only (at the same priority).
	wantError(t, tree(t,
		`{ boot.kernel.sysctl."net.ipv4.ip_forward" = 1; }`,
		`{ boot.kernel.sysctl."net.ipv4.ip_forward" = 1; }`),
		"boot.kernel.sysctl.\"net.ipv4.ip_forward\"", "takes one definition")
}

func TestRenamedOptionStillWorks(t *testing.T) {
	t.Parallel()
	var got string
	eval1(t, tree(t, `{ services.openssh = { enable = true; permitRootLogin = "no"; }; }`),
		"config: config.services.openssh.settings.PermitRootLogin", &got)
	if got != "no" {
		t.Errorf("services.openssh.settings.PermitRootLogin = %q, want no", got)
	}
}

func TestOpenSSHSettingsTyped(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ services.openssh.settings.PermitRootLogin = false; }`),
		"services.openssh.settings.PermitRootLogin", "wants null or one of")
	// Freeform settings take atoms: a list is not one.
	wantError(t, tree(t, `{ services.openssh.settings.AllowTcpForwarding = [ "no" ]; }`),
		"services.openssh.settings.AllowTcpForwarding")
}

func TestFirewallPortsFromModules(t *testing.T) {
	t.Parallel()
	var got []int
	eval1(t, tree(t,
		`{ services.openssh.enable = true; networking.firewall.allowedTCPPorts = [ 6443 ]; }`,
		`{ networking.firewall.allowedTCPPorts = [ 443 6443 ]; }`),
		"config: config.networking.firewall.allowedTCPPorts", &got)
	// Concatenated, then sorted and deduplicated by the option's apply; sshd
	// opens its port.
	if want := []int{22, 443, 6443}; !reflect.DeepEqual(got, want) {
		t.Errorf("networking.firewall.allowedTCPPorts = %v, want %v", got, want)
	}
}

func TestTimeZoneWithoutSpaces(t *testing.T) {
	t.Parallel()
	wantError(t, tree(t, `{ time.timeZone = "Europe/Berlin Time"; }`),
		"time.timeZone", "time zone name (no spaces)")
}

func TestLinkConfigChecked(t *testing.T) {
	t.Parallel()
	var got map[string]any
	eval1(t, tree(t, `{
		systemd.network.links."10-lan0" = {
			matchConfig.PermanentMACAddress = "52:54:00:ab:cd:ef";
			linkConfig.Name = "lan0";
		};
	}`), `config: config.systemd.network.links."10-lan0".linkConfig`, &got)
	if got["Name"] != "lan0" {
		t.Errorf("linkConfig = %v", got)
	}
	wantError(t, tree(t, `{ systemd.network.links."10-lan0".linkConfig.Nmae = "lan0"; }`),
		"systemd.network.links.\"10-lan0\".linkConfig")
}

func TestCommittedTreeCopiesNothingIntoTheStore(t *testing.T) {
	CheckNoStoreCopies(t, repoRoot)
}

func TestStoreCopyDetected(t *testing.T) {
	t.Parallel()
	root := tree(t, `{ environment.etc."k3s-token".text = builtins.readFile ./token; }`,
		`{ services.k3s.environmentFile = "${./token}"; }`)
	if err := os.WriteFile(filepath.Join(root, "generated", "hosts", "h1", "token"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Plain evaluation, like nixos-rebuild's, accepts the copy...
	EvalHosts(t, root, "config: config.services.k3s.environmentFile")
	// ...which CheckNoStoreCopies refuses.
	_, stderr, err := run(t, root, "config: true", true)
	if err == nil || !strings.Contains(stderr, "is not supported by store 'dummy'") {
		t.Errorf("copying ./token into the store: err %v, stderr:\n%s", err, stderr)
	}
}

func TestPathValuedSecretFileWarns(t *testing.T) {
	t.Parallel()
	root := tree(t, `{ services.k3s = { enable = true; tokenFile = ./token; }; }`)
	var got string
	eval1(t, root, "config: toString config.services.k3s.tokenFile", &got)
	if !strings.HasSuffix(got, "/generated/hosts/h1/token") {
		t.Errorf("tokenFile = %q, want the path itself, not a store path", got)
	}
	_, stderr, err := run(t, root, "config: true", false)
	if err != nil || !strings.Contains(stderr, "services.k3s.tokenFile is a Nix path value") {
		t.Errorf("want a warning about the path-valued tokenFile; err %v, stderr:\n%s", err, stderr)
	}
}
