package validate

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// checkNodeAddressing: every Kubernetes node has its LAN address, with DHCP
// too (it is then the DHCP server's reservation): k3s's --node-ip,
// keepalived's peers and HAProxy's backends are made from it. A standalone
// node may go without one when it takes its address from DHCP or is off
// site; deploy-rs then needs deploy_host to find it.
func checkNodeAddressing(rc *ruleContext) {
	for _, n := range rc.inFileOrder(rc.c.NodeNames(), "nodes") {
		node := rc.c.Nodes[n]
		if node.Address.IsValid() || rc.has("nodes", n, "address") || node.Role == "" {
			continue // it has one, or the schema reported it
		}
		at := rc.name("nodes", n)
		switch {
		case node.IsKubernetes() && node.DHCP:
			rc.add(diag.Addressing, at,
				"Node %q is %s on DHCP, but k3s's node IP, keepalived's peers and HAProxy's backends need its address: add address = \"...\", the DHCP server's reservation for it (dhcp = true stays).", n, roleNoun(node.Role))
		case node.IsKubernetes():
			rc.add(diag.Addressing, at, "Node %q is %s and has no address: add address = \"...\", its address on network.subnet.", n, roleNoun(node.Role))
		case !node.DHCP && !node.Offsite:
			rc.add(diag.Addressing, at,
				"Node %q has no address. Give it its static address (address = \"...\"), or set dhcp = true with a deploy_host deploy-rs can reach it at.", n)
		case !rc.has("nodes", n, "deploy_host"):
			rc.add(diag.Addressing, at,
				"Node %q has no address, so deploy-rs cannot derive where to connect: add deploy_host, a host name or address it can be reached at (its DNS name, or its Tailscale name).", n)
		}
	}
}

// checkInterfaces: the LAN device a node's settings follow must exist and
// have a name Linux accepts.
func checkInterfaces(rc *ruleContext) {
	for _, n := range rc.c.NodeNames() {
		node := rc.c.Nodes[n]
		if node.VLAN != 0 {
			// The VLAN device is named <interface>.<id>, and Linux
			// names are at most 15 characters (IFNAMSIZ - 1).
			if dev := node.LANDevice(); len(dev) > 15 {
				rc.add(diag.VLAN, rc.value("nodes", n, "vlan"),
					"Node %q's VLAN device would be %q, %d characters, but Linux allows 15 in an interface name. Rename the interface with mac = \"...\" and a shorter interface name, such as \"lan0\".",
					n, dev, len(dev))
			}
		}
		if !node.IsBond() {
			if rc.has("nodes", n, "bond_mode") {
				rc.add(diag.Bond, rc.value("nodes", n, "bond_mode"),
					"Node %q has bond_mode but no bond_members: interface %q is not a bond. List the bond's members (bond_members = [\"enp2s0f0\", \"enp2s0f1\"]) or remove bond_mode.", n, node.Interface)
			}
			continue
		}
		seen := map[string]int{}
		for i, m := range node.BondMembers {
			at := rc.value("nodes", n, "bond_members", idx(i))
			switch {
			case m == node.Interface:
				rc.add(diag.Bond, at, "Node %q's bond %q lists itself as a member; the members are the physical interfaces it is built from.", n, m)
			case seen[m] > 0:
				rc.add(diag.Bond, at, "Node %q lists %q twice in bond_members.", n, m)
			}
			seen[m]++
		}
		if node.MAC != "" {
			rc.add(diag.Bond, rc.value("nodes", n, "mac"),
				"Node %q's interface %q is a bond, which takes its MAC address from its members; mac names a physical interface. Remove mac (the members keep their names).", n, node.Interface)
		}
	}
}

// checkVRRPPriority: keepalived elects the server with the highest
// priority as the VIP's master. An explicit priority is a server's; two
// servers with one priority would tie (keepalived then picks by address,
// which is not what anyone means); and hlcgen's priorities for the others
// must still fit between it and 1.
func checkVRRPPriority(rc *ruleContext) {
	c := rc.c
	first := map[int]string{}
	for _, n := range rc.inFileOrder(c.NodeNames(), "nodes") {
		node := c.Nodes[n]
		if node.VRRPPriority == 0 {
			continue
		}
		at := rc.value("nodes", n, "vrrp_priority")
		if node.Role != model.RoleControlPlane {
			if node.Role != "" {
				rc.add(diag.VRRPPriority, at, "Node %q is %s; only control-plane nodes run keepalived and hold the VIP. Remove vrrp_priority.", n, roleNoun(node.Role))
			}
			continue
		}
		if prev, dup := first[node.VRRPPriority]; dup {
			rc.add(diag.VRRPPriority, at,
				"Nodes %q and %q both have vrrp_priority = %d; keepalived needs distinct priorities to elect one master. Change one of them.", prev, n, node.VRRPPriority)
			continue
		}
		first[node.VRRPPriority] = n
	}
	for _, n := range c.ControlPlaneNodes() {
		// Without explicit priorities, HLC034 bounds the servers.
		if len(first) > 0 && c.KeepalivedPriority(n) < 1 {
			lowest := slices.Min(slices.Collect(maps.Keys(first)))
			rc.add(diag.VRRPPriority, rc.value("nodes", first[lowest], "vrrp_priority"),
				"With vrrp_priority = %d, the other %d control-plane nodes do not fit below it: hlcgen gives them distinct priorities 10 apart, all at least 1. Raise vrrp_priority (to %d or more).",
				lowest, len(c.ControlPlaneNodes())-len(first), 10*(len(c.ControlPlaneNodes())-len(first))+1)
			break
		}
	}
}

// Ports hlcgen opens on every node of a kind; a firewall block listing one
// again is harmless but misleading, so it is a warning.
func (rc *ruleContext) openedPorts(node model.Node) (tcp, udp map[int]string) {
	tcp, udp = map[int]string{22: "SSH"}, map[int]string{}
	if node.Tailscale {
		udp[model.TailscalePort] = "Tailscale"
	}
	if !node.IsKubernetes() {
		return tcp, udp
	}
	for _, p := range model.K8sTCPPorts {
		tcp[p.Port] = p.What
	}
	for _, p := range model.K8sUDPPorts {
		udp[p.Port] = p.What
	}
	if rc.c.Ceph != nil {
		for _, p := range model.CephTCPPorts {
			tcp[p.Port] = p.What
		}
		for p := model.CephDaemonPorts[0]; p <= model.CephDaemonPorts[1]; p++ {
			tcp[p] = "Ceph's daemons"
		}
	}
	if node.Role == model.RoleControlPlane {
		tcp[rc.c.Kubernetes.APIServerPort] = "the k3s apiserver"
		tcp[rc.c.Network.APIPort] = "HAProxy for the API VIP"
		tcp[2379], tcp[2380] = "etcd", "etcd"
	}
	return tcp, udp
}

// checkFirewall: a port listed in a node's or group's firewall block that
// hlcgen opens on that node anyway.
func checkFirewall(rc *ruleContext) {
	c := rc.c
	report := func(fw *model.Firewall, base []string, where string, nodes []string) {
		if fw == nil {
			return
		}
		for _, proto := range []struct {
			attr  string
			ports []int
			tcp   bool
		}{{"allowed_tcp_ports", fw.AllowedTCPPorts, true}, {"allowed_udp_ports", fw.AllowedUDPPorts, false}} {
			for i, p := range proto.ports {
				// Already open on every node this opening reaches.
				what := ""
				for j, n := range nodes {
					tcp, udp := rc.openedPorts(c.Nodes[n])
					open := udp
					if proto.tcp {
						open = tcp
					}
					w, ok := open[p]
					if !ok {
						what = ""
						break
					}
					if j == 0 {
						what = w
					}
				}
				if what != "" {
					rc.add(diag.PortAlreadyOpen, rc.value(append(base, proto.attr, idx(i))...),
						"%s opens port %d, which hlcgen already opens there for %s. Remove it from the list.", where, p, what)
				}
			}
		}
	}
	for _, n := range c.NodeNames() {
		report(c.Nodes[n].Firewall, []string{"nodes", n, "firewall"}, fmt.Sprintf("Node %q's firewall", n), []string{n})
	}
	members := map[string][]string{}
	for _, n := range c.NodeNames() {
		for _, g := range c.Nodes[n].Groups {
			members[g] = append(members[g], n)
		}
	}
	for _, g := range model.SortedKeys(c.Groups) {
		if len(members[g]) > 0 {
			report(c.Groups[g].Firewall, []string{"groups", g, "firewall"}, fmt.Sprintf("Group %q's firewall", g), members[g])
		}
	}
}

// checkTailscale: tailscale = true needs the auth key's name (the
// tailscale block); a subnet router is a Tailscale node.
func checkTailscale(rc *ruleContext) {
	c := rc.c
	var users []string
	for _, n := range rc.inFileOrder(c.NodeNames(), "nodes") {
		node := c.Nodes[n]
		if node.Tailscale {
			users = append(users, n)
		}
		if node.TailscaleSubnetRouter && !node.Tailscale {
			rc.add(diag.TailscaleSetting, rc.value("nodes", n, "tailscale_subnet_router"),
				"Node %q is a Tailscale subnet router but does not run Tailscale: add tailscale = true.", n)
		}
		if node.TailscaleSubnetRouter && node.Offsite {
			rc.add(diag.TailscaleSetting, rc.value("nodes", n, "tailscale_subnet_router"),
				"Node %q is off site, so it cannot route network.subnet: the subnet router must be on the LAN. Make a LAN node the subnet router.", n)
		}
	}
	if len(users) > 0 && c.Tailscale == nil {
		rc.add(diag.TailscaleSetting, rc.value("nodes", users[0], "tailscale"),
			"Node %q runs Tailscale, which needs an auth key to join the tailnet: add a tailscale block naming its key in %s, such as tailscale { auth_key_secret = \"tailscale/auth_key\" }.",
			users[0], c.Secrets.TailscaleSopsFile)
	}
	if len(users) == 0 && c.Tailscale != nil {
		rc.add(diag.TailscaleSetting, rc.value("tailscale"),
			"The tailscale block names an auth key, but no node sets tailscale = true, so nothing uses it. Set tailscale = true on the nodes that join the tailnet, or remove the block.")
	}
}

// checkOffsite: an off-site node is not on the LAN: only a standalone node
// can be (k3s, etcd, Ceph and keepalived need the LAN), and deploy-rs
// reaches it over the tailnet or the internet.
func checkOffsite(rc *ruleContext) {
	for _, n := range rc.c.NodeNames() {
		node := rc.c.Nodes[n]
		if !node.Offsite {
			continue
		}
		at := rc.value("nodes", n, "offsite")
		switch {
		case node.IsKubernetes():
			rc.add(diag.Offsite, at,
				"Node %q is %s, so it must be on the LAN: etcd, Cilium, Ceph and the API VIP need it there. Only standalone nodes may be off site; make it standalone, or remove offsite.", n, roleNoun(node.Role))
		case node.VLAN != 0:
			rc.add(diag.Offsite, rc.value("nodes", n, "vlan"), "Node %q is off site, where the LAN's VLAN does not exist. Remove vlan.", n)
		case !node.DHCP:
			// hlcgen knows the LAN's prefix length and gateway, not
			// those of a network elsewhere: a static address with the
			// LAN's would leave the machine without a route.
			rc.add(diag.Offsite, at,
				"Node %q is off site, but has no dhcp = true: hlcgen knows the prefix length and gateway of network.subnet only, so it cannot give the node a static address elsewhere. Set dhcp = true, so that it takes its address from its provider's network (a module of the node's own may still override networking.interfaces).", n)
		case node.Address.IsValid() && rc.c.Network.Subnet.Contains(node.Address):
			rc.add(diag.Offsite, rc.value("nodes", n, "address"),
				"Node %q is off site, but its address %s is on network.subnet %s, so hosts on the LAN would look for it there. Remove address (deploy_host finds the node), or remove offsite.", n, node.Address, rc.c.Network.Subnet)
		case !rc.has("nodes", n, "deploy_host"):
			rc.add(diag.Offsite, at, "Node %q is off site, so its address (if any) is not one deploy-rs can reach from the LAN: add deploy_host, such as its Tailscale name.", n)
		}
	}
}
