package validate

import (
	"fmt"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// checkControlPlane: k3s with embedded etcd needs a majority of servers up.
// An odd number of servers is the only sensible count: 2 servers tolerate
// no failure (worse than 1), 4 tolerate one (like 3).
func checkControlPlane(rc *ruleContext) {
	c := rc.c
	checkClusterInit(rc)
	if !rc.rolesKnown() {
		return
	}
	cps := rc.inFileOrder(c.ControlPlaneNodes(), "nodes")
	switch {
	case len(cps) == 0:
		at := rc.wholeFile()
		if names := rc.inFileOrder(c.NodeNames(), "nodes"); len(names) > 0 {
			at = rc.value("nodes", names[0], "role")
		}
		rc.add(diag.NoControlPlane, at,
			"No node has role = \"control-plane\", so nothing runs the Kubernetes API and etcd. Make one node (or three, for high availability) a control-plane node.")
	case len(cps)%2 == 0:
		last := cps[len(cps)-1]
		fix := fmt.Sprintf("etcd needs a majority, so %d servers tolerate no more failures than %d do. Make one of them a worker, or add one", len(cps), len(cps)-1)
		if len(cps) == 2 {
			fix = "2 servers tolerate no failure: etcd stops when either is down, which is worse than 1. Make one of them a worker, or add a third"
		}
		rc.add(diag.EvenControlPlane, rc.value("nodes", last, "role"),
			"There are %d control-plane nodes (%s); %s.", len(cps), quoteList(cps), fix)
	case len(cps) == 1:
		rc.add(diag.SingleControlPlane, rc.value("nodes", cps[0], "role"),
			"Node %q is the only control-plane node: when it is down, the Kubernetes API and etcd are down. That is fine for a lab; for high availability use three control-plane nodes.", cps[0])
	}
}

// checkClusterInit: exactly one server bootstraps etcd (services.k3s
// clusterInit). Marking none is fine, model.BootstrapNode then picks the
// first control-plane node by name.
func checkClusterInit(rc *ruleContext) {
	c := rc.c
	var marked []string
	for _, n := range rc.inFileOrder(c.NodeNames(), "nodes") {
		node := c.Nodes[n]
		if !node.ClusterInit {
			continue
		}
		at := rc.value("nodes", n, "cluster_init")
		switch node.Role {
		case "":
			// Unknown role: the schema reported it.
		case model.RoleControlPlane:
			if len(marked) > 0 {
				rc.add(diag.ClusterInit, at,
					"Node %q has cluster_init = true, but node %q already has it (%s). Exactly one server bootstraps etcd and the others join it: remove cluster_init from all but one.",
					n, marked[0], line(rc.value("nodes", marked[0], "cluster_init")))
			}
			marked = append(marked, n)
		default:
			rc.add(diag.ClusterInit, at,
				"Node %q is %s, and only a control-plane node runs etcd. Remove cluster_init here (and set it on one control-plane node, or on none to bootstrap from the first control-plane node by name).",
				n, roleNoun(node.Role))
		}
	}
}

// roleNoun names a role in a sentence: "Node w1 is a worker".
func roleNoun(role string) string {
	switch role {
	case model.RoleStandalone:
		return "standalone"
	case model.RoleControlPlane:
		return "a control-plane node"
	}
	return "a " + role
}
