package validate

import (
	"slices"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// ciliumNodeMaskSize is the pod range Cilium gives every node out of
// cluster_cidr; the Kubernetes generator sets it in Cilium's values.
const ciliumNodeMaskSize = model.CiliumPodCIDRMaskSize

// checkAddons checks the limits of what hlcgen installs on the cluster.
func checkAddons(rc *ruleContext) {
	c := rc.c
	if servers := c.ControlPlaneNodes(); len(servers) > model.MaxControlPlaneNodes {
		last := rc.inFileOrder(servers, "nodes")[len(servers)-1]
		rc.add(diag.TooManyServers, rc.value("nodes", last, "role"),
			"There are %d control-plane nodes; hlcgen gives each a distinct keepalived priority and supports at most %d. etcd itself is best at 3, 5 or 7 members: make the others workers.",
			len(servers), model.MaxControlPlaneNodes)
	}

	if p := c.Kubernetes.ClusterCIDR; p.IsValid() && p.Addr().Is4() {
		nodes := len(c.KubernetesNodes())
		switch {
		case p.Bits() > ciliumNodeMaskSize:
			rc.add(diag.PodCIDRTooSmall, rc.value("kubernetes", "cluster_cidr"),
				"cluster_cidr %s is smaller than the /%d Cilium gives each node for its pods. Use a /16 such as \"10.42.0.0/16\".",
				c.Kubernetes.ClusterCIDR, ciliumNodeMaskSize)
		case p.Bits() > ciliumNodeMaskSize-20 && 1<<(ciliumNodeMaskSize-p.Bits()) < nodes:
			rc.add(diag.PodCIDRTooSmall, rc.value("kubernetes", "cluster_cidr"),
				"cluster_cidr %s holds %d per-node /%d pod ranges, but there are %d Kubernetes nodes; the rest would get no pod addresses. Use a larger range such as \"10.42.0.0/16\".",
				c.Kubernetes.ClusterCIDR, 1<<(ciliumNodeMaskSize-p.Bits()), ciliumNodeMaskSize, nodes)
		}
	}

	// k3s's local-path provisioner marks its StorageClass as the default.
	// With a Ceph class marked default too, Kubernetes has two defaults
	// and picks the newest for claims without a class.
	if c.Ceph != nil && !slices.Contains(c.Kubernetes.Disable, "local-storage") {
		for _, sc := range rc.storageClasses() {
			if sc.DefaultClass {
				rc.add(diag.TwoDefaultClasses, rc.value(append(sc.path, "default_class")...),
					"Storage class %q is marked default, but k3s also installs local-path as a default StorageClass, so claims without a class may land on local disks. Add \"local-storage\" to kubernetes.disable.", sc.StorageClass)
				break
			}
		}
	}
}
