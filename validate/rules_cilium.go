package validate

import (
	"fmt"
	"slices"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// pool is one lb_pool, with where it is written.
type pool struct {
	name string
	model.LBPool
}

func (rc *ruleContext) lbPools() []pool {
	var out []pool
	for _, name := range rc.inFileOrder(model.SortedKeys(rc.c.Cilium.LBPools), "cilium", "lb_pools") {
		p := rc.c.Cilium.LBPools[name]
		if p.Start.Is4() && p.Stop.Is4() {
			out = append(out, pool{name, p})
		}
	}
	return out
}

// checkLBPools: Cilium's LB-IPAM hands out the pools' addresses to
// LoadBalancer Services, and L2 announcements answer ARP for them on the
// LAN, so a pool must lie in network.subnet, run upwards, and hold no
// address anything else on the LAN has.
func checkLBPools(rc *ruleContext) {
	subnet, subnetOK := rc.subnet()
	pools := rc.lbPools()
	var ok []pool
	for _, p := range pools {
		base := []string{"cilium", "lb_pools", p.name}
		switch {
		case p.Start.Compare(p.Stop) > 0:
			rc.add(diag.LBPool, rc.value(append(base, "stop")...),
				"lb_pool %q runs from %s down to %s: stop must not come before start. Swap them.", p.name, p.Start, p.Stop)
			continue
		case !subnetOK:
		case !subnet.Contains(p.Start) || !subnet.Contains(p.Stop):
			at := append(base, "start")
			if subnet.Contains(p.Start) {
				at = append(base, "stop")
			}
			rc.add(diag.LBPool, rc.value(at...),
				"lb_pool %q (%s to %s) is not inside network.subnet %s, whose host addresses are %s. Cilium answers ARP for these addresses on the LAN, so they must be LAN addresses: pick a free range of the subnet, outside your DHCP pool.",
				p.name, p.Start, p.Stop, subnet, hostRange(subnet))
			continue
		case subnet.Bits() <= 30 && (p.Start == subnet.Addr() || p.Stop == lastAddr(subnet)):
			rc.add(diag.LBPool, rc.value(base...),
				"lb_pool %q (%s to %s) includes the network or broadcast address of %s, which no Service can use. Keep the pool within %s.",
				p.name, p.Start, p.Stop, subnet, hostRange(subnet))
			continue
		}
		ok = append(ok, p)
	}
	// Overlaps, reported at the later of the two.
	for i, p := range ok {
		for _, q := range ok[:i] {
			if p.Start.Compare(q.Stop) <= 0 && q.Start.Compare(p.Stop) <= 0 {
				rc.add(diag.LBPoolOverlap, rc.name("cilium", "lb_pools", p.name),
					"lb_pool %q (%s to %s) overlaps lb_pool %q (%s to %s) (%s); Cilium would hand out one address from both. Make them disjoint.",
					p.name, p.Start, p.Stop, q.name, q.Start, q.Stop, line(rc.name("cilium", "lb_pools", q.name)))
			}
		}
		for _, s := range rc.lanAddresses() {
			if p.Contains(s.addr) {
				rc.add(diag.LBPoolOverlap, rc.name("cilium", "lb_pools", p.name),
					"lb_pool %q (%s to %s) includes %s %s (%s); a LoadBalancer Service given it would fight that machine for the address. Move the pool, or the address.",
					p.name, p.Start, p.Stop, s.what, s.addr, line(s.at))
			}
		}
	}
}

// checkLoadBalancing: what Cilium's L2 announcements and ingress
// controller need, and what would fight them.
func checkLoadBalancing(rc *ruleContext) {
	c := rc.c
	cil := c.Cilium
	pools := rc.lbPools()
	ing := cil.IngressController

	// Both work on kube-proxy replacement's service handling: L2
	// announcements only announce what it serves (docs.cilium.io
	// "L2 Announcements", prerequisites), and the ingress controller needs
	// it or nodePort.enabled, which hlcgen does not set.
	if !cil.KubeProxyReplacement {
		if cil.L2Announcements {
			rc.add(diag.NeedsKubeProxyReplacement, rc.value("cilium", "l2_announcements"),
				"L2 announcements need Cilium's kube-proxy replacement, which is off (kube_proxy_replacement = false). Set kube_proxy_replacement = true, or remove l2_announcements.")
		}
		if ing != nil {
			rc.add(diag.NeedsKubeProxyReplacement, rc.value("cilium", "ingress_controller"),
				"Cilium's ingress controller needs its kube-proxy replacement, which is off (kube_proxy_replacement = false). Set kube_proxy_replacement = true, or remove ingress_controller.")
		}
	}

	if ing != nil && ing.LoadBalancerIP.IsValid() {
		in := slices.ContainsFunc(pools, func(p pool) bool { return p.Contains(ing.LoadBalancerIP) })
		if !in {
			detail := "no lb_pool is declared"
			if len(pools) > 0 {
				var names []string
				for _, p := range pools {
					names = append(names, fmt.Sprintf("%q (%s to %s)", p.name, p.Start, p.Stop))
				}
				detail = "it is in none of the pools: " + joinAnd(names)
			}
			rc.add(diag.IngressAddress, rc.value("cilium", "ingress_controller", "load_balancer_ip"),
				"ingress_controller.load_balancer_ip %s is an address Cilium's LB-IPAM cannot give, as %s. Pick an address of an lb_pool.", ing.LoadBalancerIP, detail)
		}
	}

	switch {
	case len(pools) > 0 && !cil.L2Announcements:
		rc.add(diag.NothingAnnounces, rc.name("cilium", "lb_pools", pools[0].name),
			"Cilium hands out the lb_pool addresses, but without l2_announcements nothing answers ARP for them on the LAN, so Services get an address no one can reach (unless your router learns them another way, such as BGP). Set l2_announcements = true.")
	case len(cil.LBPools) == 0 && cil.L2Announcements:
		rc.add(diag.NothingAnnounces, rc.value("cilium", "l2_announcements"),
			"l2_announcements = true, but there is no lb_pool, so no LoadBalancer Service gets an address to announce. Add an lb_pool \"<name>\" { start = \"...\", stop = \"...\" }.")
	}

	// k3s's servicelb (klipper-lb) also answers LoadBalancer Services:
	// with Cilium's pools both would claim every Service.
	if len(cil.LBPools) > 0 && !slices.Contains(c.Kubernetes.Disable, "servicelb") {
		at := rc.value("kubernetes", "disable")
		if !rc.has("kubernetes", "disable") {
			at = rc.value("kubernetes")
		}
		rc.add(diag.ServiceLB, at,
			"Cilium hands out LoadBalancer addresses from the lb_pools, but k3s's servicelb is enabled and would answer the same Services. Add \"servicelb\" to kubernetes.disable.")
	}
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := ""
	for i, it := range items {
		switch {
		case i == 0:
			out = it
		case i == len(items)-1:
			out += " and " + it
		default:
			out += ", " + it
		}
	}
	return out
}
