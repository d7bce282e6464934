package nixos

import (
	"path"
	"strings"

	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// hostModule renders generated/hosts/<name>/default.nix: the node's imports
// and every setting that differs from node to node. It is `{ ... }: { … }`
// and needs no module arguments, so it evaluates without nixpkgs.
func (p *plan) hostModule(name string) nix.Expr {
	c := p.c
	n := c.Nodes[name]
	file := hostPath(name)
	m := nix.NewAttrs().Set("imports", nix.List(p.hostImports(name)...))

	// networking.hostName admits no dots; the domain goes separately
	// (nixos/modules/tasks/network-interfaces.nix).
	set(m, nix.String(name), "networking", "hostName")
	set(m, nix.String(c.Cluster.Domain), "networking", "domain")
	m.Comment("A static address: no DHCP, on any interface.")
	set(m, nix.Bool(false), "networking", "useDHCP")
	set(m, nix.NewAttrs().
		Set("useDHCP", nix.Bool(false)).
		SetPath([]string{"ipv4", "addresses"}, nix.List(nix.NewAttrs().
			Set("address", nix.String(n.Address.String())).
			Set("prefixLength", nix.Int(int64(c.Network.Subnet.Bits()))))),
		"networking", "interfaces", n.Interface)
	set(m, nix.NewAttrs().
		Set("address", nix.String(c.Network.Gateway.String())).
		Set("interface", nix.String(n.Interface)),
		"networking", "defaultGateway")
	set(m, strList(model.Strings(c.Network.Nameservers)), "networking", "nameservers")
	if n.MAC != "" {
		// Name the interface after its MAC address with a systemd .link
		// file, which udev applies whether or not systemd-networkd runs
		// (nixos/modules/system/boot/networkd.nix). The option
		// networking.interfaces.<if>.macAddress would instead overwrite
		// the card's address.
		m.Comment("The interface is named by its MAC address; 10- sorts before systemd's 99-default.link.")
		set(m, nix.NewAttrs().
			SetPath([]string{"matchConfig", "PermanentMACAddress"}, nix.String(strings.ToLower(n.MAC))).
			SetPath([]string{"linkConfig", "Name"}, nix.String(n.Interface)),
			"systemd", "network", "links", "10-"+n.Interface)
	}
	// The host's own secrets file, which .sops.yaml gives to the admins and
	// this node alone. It is encrypted, so it may be copied to the store;
	// it need not exist until a secret uses it.
	set(m, repoPath(file, p.layout.SpecFile(model.HostSecretsFile(name))), "sops", "defaultSopsFile")
	set(m, nix.String(c.Cluster.TimeZone), "time", "timeZone")
	set(m, nix.String(c.Cluster.StateVersion), "system", "stateVersion")

	if n.IsKubernetes() {
		p.hostK3s(m, name)
	}
	if n.Role == model.RoleControlPlane {
		p.hostKeepalived(m, name)
	}
	return nix.Lambda(nil, true, m)
}

// set binds a dotted attribute path, the way NixOS configurations are
// usually written (`networking.hostName = …;`).
func set(m *nix.AttrSet, v nix.Expr, attrPath ...string) {
	m.SetPath(attrPath, v)
}

// hostImports lists, as path literals relative to the host file: the
// hardware module, the role module, the node's extra modules, the
// cluster's, then the modules of every group the node is in.
func (p *plan) hostImports(name string) []nix.Expr {
	n := p.c.Nodes[name]
	spec := p.layout.SpecFile // hand-written modules are in the spec's directory
	repoPaths := []string{spec(n.Hardware), path.Join(modulesDir, roleModule(n.Role))}
	for _, m := range n.ExtraModules {
		repoPaths = append(repoPaths, spec(m))
	}
	for _, m := range p.c.Cluster.ExtraModules {
		repoPaths = append(repoPaths, spec(m))
	}
	for _, g := range n.Groups {
		for _, m := range p.c.Groups[g].Modules {
			repoPaths = append(repoPaths, spec(m))
		}
	}
	var out []nix.Expr
	for _, rp := range dedupe(repoPaths) {
		out = append(out, repoPath(hostPath(name), rp))
	}
	return out
}

func roleModule(role string) string {
	switch role {
	case model.RoleControlPlane:
		return serverModule
	case model.RoleWorker:
		return agentModule
	}
	return commonModule
}

// hostK3s sets how the node joins the cluster and its own k3s flags.
func (p *plan) hostK3s(m *nix.AttrSet, name string) {
	if name == p.c.BootstrapNode() {
		m.Comment("This server bootstraps the embedded etcd; it joins no one.")
		set(m, nix.Bool(true), "services", "k3s", "clusterInit")
	} else {
		m.Comment("Joins through the floating API address.")
		set(m, nix.String(p.c.JoinURL()), "services", "k3s", "serverAddr")
	}
	m.Comment("Joined into services.k3s.extraFlags by k8s-common.nix.")
	set(m, strList(p.nodeFlags[name]), "hlcgen", "k3s", "nodeFlags")
}

// hostKeepalived sets the node's part of the VRRP instance declared in
// k8s-control-plane.nix: its interface, a priority no other server has,
// and unicast peers that never include itself.
func (p *plan) hostKeepalived(m *nix.AttrSet, name string) {
	c := p.c
	n := c.Nodes[name]
	state := "BACKUP"
	if c.KeepalivedMaster(name) {
		state = "MASTER"
	}
	var peers []string
	for _, s := range c.ControlPlaneNodes() {
		if s != name {
			peers = append(peers, c.Nodes[s].Address.String())
		}
	}
	set(m, nix.NewAttrs().
		Set("interface", nix.String(n.Interface)).
		Set("state", nix.String(state)).
		Set("priority", nix.Int(int64(c.KeepalivedPriority(name)))).
		Set("unicastSrcIp", nix.String(n.Address.String())).
		Set("unicastPeers", strList(peers)),
		"services", "keepalived", "vrrpInstances", vrrpInstance)
}
