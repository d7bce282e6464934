package validate

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/hlcgen/hlcgen/diag"
)

// subnet returns network.subnet as a network (host bits cleared, so that a
// non-canonical subnet, reported by checkCIDRs, still gives useful answers
// here), and false when it did not parse.
func (rc *ruleContext) subnet() (netip.Prefix, bool) {
	p := rc.c.Network.Subnet
	if !p.IsValid() || !p.Addr().Is4() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// lastAddr is the highest address of an IPv4 prefix: its broadcast address.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	hostBits := 32 - p.Bits()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	if hostBits >= 32 {
		v = ^uint32(0)
	} else {
		v |= (uint32(1) << hostBits) - 1
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// hostRange describes the usable addresses of a subnet, for details.
func hostRange(p netip.Prefix) string {
	if p.Bits() >= 31 {
		return fmt.Sprintf("%s to %s", p.Addr(), lastAddr(p))
	}
	return fmt.Sprintf("%s to %s", p.Addr().Next(), lastAddr(p).Prev())
}

// addressSite is an address the spec assigns on the LAN.
type addressSite struct {
	addr netip.Addr
	site
	kind string // "gateway", "vip" or "node"
}

// lanAddresses are the gateway, the API VIP and every node's address, in
// file order. Nameservers are not among them: they may live anywhere.
func (rc *ruleContext) lanAddresses() []addressSite {
	c := rc.c
	var out []addressSite
	addSite := func(a netip.Addr, kind, what string, path ...string) {
		if !a.Is4() {
			return // missing, or the schema reported it
		}
		out = append(out, addressSite{addr: a, kind: kind, site: site{what: what, at: rc.value(path...)}})
	}
	addSite(c.Network.Gateway, "gateway", "network.gateway", "network", "gateway")
	addSite(c.Network.APIVIP, "vip", "network.api_vip", "network", "api_vip")
	for _, n := range c.NodeNames() {
		if c.Nodes[n].Offsite {
			continue // not on the LAN
		}
		addSite(c.Nodes[n].Address, "node", fmt.Sprintf("node %q's address", n), "nodes", n, "address")
	}
	sortAddressSites(out)
	return out
}

func sortAddressSites(s []addressSite) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].at.Start.Byte < s[j].at.Start.Byte })
}

// checkAddresses: every LAN address is a host address inside
// network.subnet, and no two are the same.
func checkAddresses(rc *ruleContext) {
	subnet, subnetOK := rc.subnet()
	first := map[netip.Addr]addressSite{}
	for _, s := range rc.lanAddresses() {
		if prev, dup := first[s.addr]; dup {
			rc.add(diag.DuplicateAddress, s.at, "%s %s is already %s (%s). %s",
				s.what, s.addr, prev.what, line(prev.at), duplicateHint(prev, s))
			continue
		}
		first[s.addr] = s
		if !subnetOK {
			continue
		}
		switch {
		case !subnet.Contains(s.addr):
			rc.add(diag.OutsideSubnet, s.at, "%s %s is outside network.subnet %s, whose host addresses are %s. %s",
				s.what, s.addr, subnet, hostRange(subnet), outsideHint(s.kind))
		case subnet.Bits() <= 30 && s.addr == subnet.Addr():
			rc.add(diag.ReservedAddress, s.at, "%s %s is the network address of %s, which no host can use. Pick a host address from %s.",
				s.what, s.addr, subnet, hostRange(subnet))
		case subnet.Bits() <= 30 && s.addr == lastAddr(subnet):
			rc.add(diag.ReservedAddress, s.at, "%s %s is the broadcast address of %s, which no host can use. Pick a host address from %s.",
				s.what, s.addr, subnet, hostRange(subnet))
		}
	}
}

func outsideHint(kind string) string {
	switch kind {
	case "vip":
		return "Keepalived holds the VIP on the control-plane nodes' LAN interface, so pick a free address in the subnet (outside your DHCP pool), or correct network.subnet."
	case "gateway":
		return "The default route must be reachable on the LAN: correct the gateway or network.subnet."
	}
	return "Nodes get a static address with the subnet's prefix length: use an address in the subnet, or correct network.subnet."
}

func duplicateHint(first, second addressSite) string {
	if first.kind == "vip" || second.kind == "vip" {
		return "The API VIP floats between the control-plane nodes, so no machine may own it: pick a free address for one of them."
	}
	return "Every node, the gateway and the API VIP need their own address: change one of them."
}

// checkCIDROverlaps: the LAN, the pod network and the service network must
// be disjoint, or traffic for one is routed into another.
func checkCIDROverlaps(rc *ruleContext) {
	type net struct {
		cidrSetting
		p netip.Prefix
	}
	var nets []net
	for _, s := range rc.cidrSettings() {
		if !s.p.IsValid() || !s.p.Addr().Is4() {
			continue
		}
		nets = append(nets, net{s, s.p.Masked()})
	}
	for i := 0; i < len(nets); i++ {
		for j := i + 1; j < len(nets); j++ {
			a, b := nets[i], nets[j]
			if !a.p.Overlaps(b.p) {
				continue
			}
			// Point at the later setting of the pair that the user
			// wrote; a defaulted one has no range of its own.
			at := b
			if !rc.has(b.path...) && rc.has(a.path...) {
				at = a
			}
			rc.add(diag.CIDROverlap, rc.value(at.path...), "%s %s overlaps %s %s%s%s. %s",
				b.name, b.p, a.name, a.p, a.defaulted(rc), b.defaulted(rc), overlapHint(a.cidrSetting, b.cidrSetting))
		}
	}
}

func (s cidrSetting) defaulted(rc *ruleContext) string {
	if rc.has(s.path...) {
		return ""
	}
	return fmt.Sprintf(" (%s is the default of %s)", s.p, s.name)
}

func overlapHint(a, b cidrSetting) string {
	if a.name == "network.subnet" {
		return "Pods and services would get addresses of machines on your LAN. Choose a " + b.name + " outside the LAN, such as k3s' defaults 10.42.0.0/16 (cluster_cidr) and 10.43.0.0/16 (service_cidr), or other ranges your LAN does not use."
	}
	return "Pod and service addresses must not collide: use disjoint ranges, such as k3s' defaults 10.42.0.0/16 (cluster_cidr) and 10.43.0.0/16 (service_cidr)."
}

// checkAPIPort: HAProxy on the VIP and the k3s apiserver both run on every
// control-plane node, so they cannot share a port. kubeadm's guide to
// keepalived and HAProxy on the control-plane nodes (kubernetes/kubeadm
// docs/ha-considerations.md, "Options for Software Load Balancing") moves
// one of them for the same reason.
func checkAPIPort(rc *ruleContext) {
	n, k := rc.c.Network, rc.c.Kubernetes
	if n.APIPort == 0 || k.APIServerPort == 0 {
		return
	}
	if n.APIPort == k.APIServerPort+1 {
		// k3s' supervisor listens on apiserver_port and runs the
		// kube-apiserver itself on the next port (6444 by default).
		rc.add(diag.PortClash, rc.value("network", "api_port"),
			"network.api_port %d is taken on every control-plane node: k3s listens on kubernetes.apiserver_port (%d) and runs the kube-apiserver behind it on the next port, %d. Use another port for the VIP, such as api_port = %d.",
			n.APIPort, k.APIServerPort, n.APIPort, otherPort(k.APIServerPort))
		return
	}
	if n.APIPort != k.APIServerPort {
		return
	}
	at := rc.value("network", "api_port")
	if !rc.has("network", "api_port") && rc.has("kubernetes", "apiserver_port") {
		at = rc.value("kubernetes", "apiserver_port")
	}
	otherVIP := otherPort(n.APIPort)
	rc.add(diag.PortClash, at,
		"network.api_port and kubernetes.apiserver_port are both %d, but HAProxy (serving the VIP) and the k3s apiserver both listen on every control-plane node. Either put the VIP on another port, as kubeadm does for a colocated load balancer: network { api_port = %d }; or keep the VIP on %d and move the apiservers: kubernetes { apiserver_port = %d }.",
		n.APIPort, otherVIP, n.APIPort, movedAPIServerPort(n.APIPort))
}

// otherPort suggests a VIP port that clashes with neither the apiserver
// port p nor the kube-apiserver k3s runs on p+1.
func otherPort(p int) int {
	if p == 8443 || p+1 == 8443 {
		return 9443
	}
	return 8443
}

func movedAPIServerPort(p int) int {
	if p == 6443 {
		return 6444
	}
	if p < 65535 {
		return p + 1
	}
	return 6444
}
