package nixos

import (
	"fmt"
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
	p.hostNetworking(m, name)
	// The host's own secrets file, which .sops.yaml gives to the admins and
	// this node alone. It is encrypted, so it may be copied to the store;
	// it need not exist until a secret uses it.
	set(m, repoPath(file, p.layout.SpecFile(model.HostSecretsFile(name))), "sops", "defaultSopsFile")
	set(m, nix.String(c.Cluster.TimeZone), "time", "timeZone")
	set(m, nix.String(c.Cluster.StateVersion), "system", "stateVersion")

	p.hostFirewall(m, name)
	if n.Tailscale {
		p.hostTailscale(m, name)
	}
	if n.IsKubernetes() {
		p.hostK3s(m, name)
	}
	if n.Role == model.RoleControlPlane {
		p.hostKeepalived(m, name)
	}
	args := []string(nil)
	if n.Tailscale {
		args = []string{"config"}
	}
	return nix.Lambda(args, true, m)
}

// hostNetworking sets the node's LAN: its interface, or the bond built
// from its members, or the VLAN on either, with the address (static, or
// from DHCP) on the device that carries the LAN.
func (p *plan) hostNetworking(m *nix.AttrSet, name string) {
	c := p.c
	n := c.Nodes[name]
	dev := n.LANDevice()
	m.Comment("Interfaces take no address by DHCP unless the LAN's does.")
	set(m, nix.Bool(false), "networking", "useDHCP")
	if n.IsBond() {
		// The bond's members carry no address of their own.
		for _, member := range n.BondMembers {
			set(m, nix.Bool(false), "networking", "interfaces", member, "useDHCP")
		}
		opts := nix.NewAttrs().Set("mode", nix.String(n.BondMode))
		opts.Comment("Check the members' links every 100 ms; without link monitoring the bond never notices a dead member.").
			Set("miimon", nix.String("100"))
		if n.BondMode == "802.3ad" {
			opts.Comment("LACP: fast partner updates, and flows spread by address and port.").
				Set("lacp_rate", nix.String("fast")).
				Set("xmit_hash_policy", nix.String("layer3+4"))
		}
		set(m, nix.NewAttrs().
			Set("interfaces", strList(n.BondMembers)).
			Set("driverOptions", opts),
			"networking", "bonds", n.Interface)
	}
	if n.VLAN != 0 {
		set(m, nix.NewAttrs().
			Set("id", nix.Int(int64(n.VLAN))).
			Set("interface", nix.String(n.Interface)),
			"networking", "vlans", dev)
		if !n.IsBond() {
			set(m, nix.Bool(false), "networking", "interfaces", n.Interface, "useDHCP")
		}
	}
	lan := nix.NewAttrs()
	if n.DHCP {
		m.Comment("The LAN's address comes from DHCP" + dhcpNote(n) + ".")
		lan.Set("useDHCP", nix.Bool(true))
	} else {
		m.Comment("A static address on the LAN.")
		lan.Set("useDHCP", nix.Bool(false)).
			SetPath([]string{"ipv4", "addresses"}, nix.List(nix.NewAttrs().
				Set("address", nix.String(n.Address.String())).
				Set("prefixLength", nix.Int(int64(c.Network.Subnet.Bits())))))
	}
	set(m, lan, "networking", "interfaces", dev)
	if !n.Offsite {
		if !n.DHCP {
			set(m, nix.NewAttrs().
				Set("address", nix.String(c.Network.Gateway.String())).
				Set("interface", nix.String(dev)),
				"networking", "defaultGateway")
		}
		set(m, strList(model.Strings(c.Network.Nameservers)), "networking", "nameservers")
	}
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
}

func dhcpNote(n model.Node) string {
	switch {
	case n.Offsite:
		return " (off site: its provider's network, not the LAN)"
	case n.Address.IsValid():
		return fmt.Sprintf(" (reserved: %s)", n.Address)
	}
	return ""
}

// hostFirewall opens what the node's and its groups' firewall blocks ask
// for, beside what the role modules open; NixOS merges the lists.
func (p *plan) hostFirewall(m *nix.AttrSet, name string) {
	c := p.c
	n := c.Nodes[name]
	var tcp, udp []int
	var from []string
	add := func(fw *model.Firewall, what string) {
		if fw == nil || len(fw.AllowedTCPPorts)+len(fw.AllowedUDPPorts) == 0 {
			return
		}
		tcp = append(tcp, fw.AllowedTCPPorts...)
		udp = append(udp, fw.AllowedUDPPorts...)
		from = append(from, what)
	}
	add(n.Firewall, "its own firewall block")
	for _, g := range n.Groups {
		add(c.Groups[g].Firewall, fmt.Sprintf("group %q", g))
	}
	if len(from) == 0 {
		return
	}
	m.Comment("Opened for " + joinAnd(from) + " in cluster.hcl.")
	fw := nix.NewAttrs()
	if tcp = uniqueInts(tcp); len(tcp) > 0 {
		fw.Set("allowedTCPPorts", intList(tcp))
	}
	if udp = uniqueInts(udp); len(udp) > 0 {
		fw.Set("allowedUDPPorts", intList(udp))
	}
	set(m, fw, "networking", "firewall")
}

// hostTailscale joins the node to the tailnet with the auth key sops-nix
// decrypts (services.tailscale.authKeyFile, read by tailscaled-autoconnect
// at boot; never in the store). The tailnet's interface is trusted by
// nothing hlcgen opens.
func (p *plan) hostTailscale(m *nix.AttrSet, name string) {
	c := p.c
	n := c.Nodes[name]
	key := c.Tailscale.AuthKeySecret
	ts := nix.NewAttrs().
		Set("enable", nix.Bool(true)).
		Set("authKeyFile", secretPath(key)).
		Comment(fmt.Sprintf("UDP %d, so that peers connect directly rather than through a relay.", model.TailscalePort)).
		Set("openFirewall", nix.Bool(true))
	if n.TailscaleSubnetRouter {
		routes := strList([]string{"--advertise-routes=" + c.Network.Subnet.String()})
		ts.Comment("A subnet router: IP forwarding on (useRoutingFeatures), and network.subnet advertised when the node first joins (tailscale up) and on every start (tailscale set).").
			Set("useRoutingFeatures", nix.String("server")).
			Set("extraUpFlags", routes).
			Set("extraSetFlags", routes)
	}
	set(m, ts, "services", "tailscale")
	if n.TailscaleSubnetRouter {
		m.Comment("Routed tailnet traffic leaves by another interface than it came in on, which strict reverse-path filtering drops.")
		set(m, nix.String("loose"), "networking", "firewall", "checkReversePath")
	}
	m.Comment("Tailscale's auth key, from the file only the nodes with tailscale = true can decrypt.")
	p.sopsSecret(m, hostPath(name), key, c.Secrets.TailscaleSopsFile, "tailscaled-autoconnect.service")
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

// hostK3s sets how the node joins the cluster, and its own k3s settings.
func (p *plan) hostK3s(m *nix.AttrSet, name string) {
	if name == p.c.BootstrapNode() {
		m.Comment("This server bootstraps the embedded etcd; it joins no one.")
		set(m, nix.Bool(true), "services", "k3s", "clusterInit")
	} else {
		m.Comment("Joins through the floating API address.")
		set(m, nix.String(p.c.JoinURL()), "services", "k3s", "serverAddr")
	}
	m.Comment("This node's own k3s settings, after config.yaml's.")
	m.SetPath([]string{"environment", "etc", k3sNodeDropIn, "text"}, nix.MultilineString(p.nodeConfig(name).yaml()))
}

// hostKeepalived sets the node's part of the VRRP instance declared in
// k8s-control-plane.nix: its interface, a priority no other server has,
// and unicast peers that never include itself.
func (p *plan) hostKeepalived(m *nix.AttrSet, name string) {
	c := p.c
	n := c.Nodes[name]
	state := "BACKUP"
	if c.KeepalivedMaster() == name {
		state = "MASTER"
	}
	var peers []string
	for _, s := range c.ControlPlaneNodes() {
		if s != name {
			peers = append(peers, c.Nodes[s].Address.String())
		}
	}
	set(m, nix.NewAttrs().
		Set("interface", nix.String(n.LANDevice())).
		Set("state", nix.String(state)).
		Set("priority", nix.Int(int64(c.KeepalivedPriority(name)))).
		Set("unicastSrcIp", nix.String(n.Address.String())).
		Set("unicastPeers", strList(peers)),
		"services", "keepalived", "vrrpInstances", vrrpInstance)
}
