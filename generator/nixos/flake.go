package nixos

import (
	"encoding/json"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/nix"
)

// flakeInputs are the flake inputs generated/default.nix takes; flake.nix
// passes all of its inputs (`import ./generated inputs`).
var flakeInputs = []string{"self", "nixpkgs", "sops-nix", "deploy-rs"}

// deployPathPlaceholder stands for the activation derivation in the deploy
// data checked against deploy-rs's schema; in Nix the path is
// `deploy-rs.lib.<system>.activate.nixos self.nixosConfigurations.<node>`,
// a derivation whose JSON form is its store path, a string.
const deployPathPlaceholder = "/nix/store/deploy-rs-activation"

// flakeFile renders generated/default.nix, a function from the flake inputs
// to nixosConfigurations.<node> and deploy.nodes.<node>. It hands the
// pipeline the same deploy data, as JSON, to check against deploy-rs's
// published schema (schema/deploy-rs.schema.json), which deploy-rs's
// deployChecks apply to `builtins.toJSON deploy`.
func (p *plan) flakeFile() generator.File {
	c := p.c

	systems := nix.NewAttrs()
	nodes := nix.NewAttrs()
	for _, name := range c.NodeNames() {
		n := c.Nodes[name]
		// generated/default.nix imports ./hosts/<node> (its default.nix).
		host := repoPath(flakeFile, hostsDir+"/"+name)
		systems.Set(name, nix.Apply(
			nix.Select(nix.Var("nixpkgs"), "lib", "nixosSystem"),
			nix.NewAttrs().
				Set("system", nix.String(n.System)).
				Set("modules", nix.List(nix.Select(nix.Var("sops-nix"), "nixosModules", "sops"), host)),
		))

		node := nix.NewAttrs().Set("hostname", nix.String(n.DeployHost))
		for _, s := range p.deploySettings() {
			node.Set(s.key, s.nix)
		}
		node.SetPath([]string{"profiles", "system"}, nix.NewAttrs().
			Set("user", nix.String("root")).
			// deploy-rs activates the evaluated system, not a module.
			Set("path", nix.Apply(
				nix.Select(nix.Var("deploy-rs"), "lib", n.System, "activate", "nixos"),
				nix.Select(nix.Var("self"), "nixosConfigurations", name),
			)))
		nodes.Set(name, node)
	}

	out := nix.NewAttrs().
		Set("nixosConfigurations", systems).
		SetPath([]string{"deploy", "nodes"}, nodes)
	f := nixFile(flakeFile, nix.Lambda(flakeInputs, true, out))
	deploy, err := json.Marshal(p.deployJSON())
	if err != nil {
		panic("nixos: deploy data: " + err.Error())
	}
	f.Checks = []generator.Check{{Schema: "deploy-rs.schema.json", What: "deploy-rs's deploy attribute", JSON: deploy}}
	return f
}

// deploySetting is one deploy-rs node setting, in Nix and as JSON.
type deploySetting struct {
	key  string
	nix  nix.Expr
	json any
}

// deploySettings are the settings every node carries, from the deploy
// block. They are repeated per node rather than set once at the top of
// `deploy` so that each node reads completely on its own.
func (p *plan) deploySettings() []deploySetting {
	d := p.c.Deploy
	opts := d.SSHOpts
	if opts == nil {
		opts = []string{}
	}
	return []deploySetting{
		{"sshUser", nix.String(d.SSHUser), d.SSHUser},
		// deploy-rs activates as root (through sudo unless sshUser is root).
		{"user", nix.String("root"), "root"},
		{"sshOpts", strList(opts), opts},
		{"magicRollback", nix.Bool(d.MagicRollback), d.MagicRollback},
		{"autoRollback", nix.Bool(d.AutoRollback), d.AutoRollback},
		{"confirmTimeout", nix.Int(int64(d.ConfirmTimeout)), d.ConfirmTimeout},
		{"activationTimeout", nix.Int(int64(d.ActivationTimeout)), d.ActivationTimeout},
		{"remoteBuild", nix.Bool(d.RemoteBuild), d.RemoteBuild},
	}
}

// deployJSON is the deploy attribute as `builtins.toJSON` would print it,
// with the activation path replaced by a placeholder string.
func (p *plan) deployJSON() map[string]any {
	nodes := map[string]any{}
	for _, name := range p.c.NodeNames() {
		node := map[string]any{"hostname": p.c.Nodes[name].DeployHost}
		for _, s := range p.deploySettings() {
			node[s.key] = s.json
		}
		node["profiles"] = map[string]any{"system": map[string]any{"user": "root", "path": deployPathPlaceholder}}
		nodes[name] = node
	}
	return map[string]any{"nodes": nodes}
}
