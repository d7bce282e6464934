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
	"github.com/hlcgen/hlcgen/internal/e2e"
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
	e2e.WriteFiles(t, dir, files)
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
	if !slices.Equal(got.Inputs, []string{"deploy-rs", "kubenix", "nixpkgs", "sops-nix"}) || !strings.HasSuffix(got.Nixpkgs, "/nixos-"+model.NixOSRelease) {
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
