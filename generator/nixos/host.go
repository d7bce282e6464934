package nixos

import (
	"fmt"
	"path"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// hostFile renders generated/hosts/<name>/default.nix: the node's imports
// and every setting that differs from node to node. It is `{ ... }: { … }`
// and needs no module arguments, so it evaluates without nixpkgs.
func (p *plan) hostFile(name string) ([]byte, error) {
	n := p.c.Nodes[name]
	imports, err := p.hostImports(name)
	if err != nil {
		return nil, err
	}
	m := nix.NewAttrs().Set("imports", nix.List(imports...))

	// networking.hostName admits no dots; the domain goes separately
	// (nixos/modules/tasks/network-interfaces.nix).
	set(m, nix.String(name), "networking", "hostName")
	set(m, nix.String(p.c.Cluster.Domain), "networking", "domain")
	m.Comment("A static address: no DHCP, on any interface.")
	set(m, nix.Bool(false), "networking", "useDHCP")
	set(m, nix.NewAttrs().
		Set("useDHCP", nix.Bool(false)).
		SetPath([]string{"ipv4", "addresses"}, nix.List(nix.NewAttrs().
			Set("address", nix.String(n.Address)).
			Set("prefixLength", nix.Int(int64(p.subnet.Bits()))))),
		"networking", "interfaces", n.Interface)
	set(m, nix.NewAttrs().
		Set("address", nix.String(p.c.Network.Gateway)).
		Set("interface", nix.String(n.Interface)),
		"networking", "defaultGateway")
	set(m, strList(p.c.Network.Nameservers), "networking", "nameservers")
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
	sopsFile, err := nix.Path(relFrom(path.Dir(hostPath(name)), model.HostSecretsFile(name)))
	if err != nil {
		return nil, fmt.Errorf("node %q: its secrets file cannot be written as a Nix path literal: %w", name, err)
	}
	set(m, sopsFile, "sops", "defaultSopsFile")
	set(m, nix.String(p.c.Cluster.TimeZone), "time", "timeZone")
	set(m, nix.String(p.c.Cluster.StateVersion), "system", "stateVersion")

	if n.IsKubernetes() {
		p.hostK3s(m, name)
	}
	if n.Role == model.RoleControlPlane {
		p.hostKeepalived(m, name)
	}
	return nix.File(generator.Header, nix.Lambda(nil, true, m)), nil
}

// set binds a dotted attribute path, the way NixOS configurations are
// usually written (`networking.hostName = …;`).
func set(m *nix.AttrSet, v nix.Expr, attrPath ...string) {
	m.SetPath(attrPath, v)
}

// hostImports lists, as path literals relative to the host file: the
// hardware module, the role module, the node's extra modules, the
// cluster's, then the modules of every group the node is in.
func (p *plan) hostImports(name string) ([]nix.Expr, error) {
	n := p.c.Nodes[name]
	dir := path.Dir(hostPath(name))

	var repoPaths []string // relative to the repository root
	add := func(paths ...string) error {
		for _, rp := range paths {
			clean, err := modulePath(name, rp)
			if err != nil {
				return err
			}
			repoPaths = append(repoPaths, clean)
		}
		return nil
	}
	if err := add(n.Hardware); err != nil {
		return nil, err
	}
	repoPaths = append(repoPaths, path.Join(modulesDir, roleModule(n.Role)))
	if err := add(n.ExtraModules...); err != nil {
		return nil, err
	}
	if err := add(p.c.Cluster.ExtraModules...); err != nil {
		return nil, err
	}
	for _, g := range n.Groups {
		if err := add(p.c.Groups[g].Modules...); err != nil {
			return nil, err
		}
	}

	var out []nix.Expr
	for _, rp := range dedupe(repoPaths) {
		e, err := nix.Path(relFrom(dir, rp))
		if err != nil {
			return nil, fmt.Errorf("node %q: module %q cannot be written as a Nix path literal (letters, digits and . _ + - only): %w", name, rp, err)
		}
		out = append(out, e)
	}
	return out, nil
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
	if name == p.bootstrap {
		m.Comment("This server bootstraps the embedded etcd; it joins no one.")
		set(m, nix.Bool(true), "services", "k3s", "clusterInit")
	} else {
		m.Comment("Joins through the floating API address.")
		set(m, nix.String(p.serverAddr), "services", "k3s", "serverAddr")
	}
	m.Comment("Joined into services.k3s.extraFlags by k8s-common.nix.")
	set(m, strList(p.nodeFlags[name]), "hlcgen", "k3s", "nodeFlags")
}

// hostKeepalived sets the node's part of the VRRP instance declared in
// k8s-control-plane.nix: its interface, a priority no other server has,
// and unicast peers that never include itself.
func (p *plan) hostKeepalived(m *nix.AttrSet, name string) {
	n := p.c.Nodes[name]
	state := "BACKUP"
	if p.priority[name] == topPriority {
		state = "MASTER"
	}
	var peers []string
	for _, s := range p.servers {
		if s != name {
			peers = append(peers, p.c.Nodes[s].Address)
		}
	}
	set(m, nix.NewAttrs().
		Set("interface", nix.String(n.Interface)).
		Set("state", nix.String(state)).
		Set("priority", nix.Int(int64(p.priority[name]))).
		Set("unicastSrcIp", nix.String(n.Address)).
		Set("unicastPeers", strList(peers)),
		"services", "keepalived", "vrrpInstances", vrrpInstance)
}
