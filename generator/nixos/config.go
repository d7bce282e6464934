package nixos

import (
	"path"
	"sort"

	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
)

// configFileContent renders generated/config/default.nix: the cluster as
// plain Nix data, with no function and nothing secret (age keys are public
// recipients). Hand-written modules may `import` it, and the Makefile reads
// group membership from it with `nix-instantiate --eval --json`, which needs
// no nixpkgs.
func (p *plan) config() nix.Expr {
	c := p.c
	cfg := nix.NewAttrs()

	cfg.Set("cluster", nix.NewAttrs().
		Set("name", nix.String(c.Cluster.Name)).
		Set("domain", nix.String(c.Cluster.Domain)).
		Set("timeZone", nix.String(c.Cluster.TimeZone)).
		Set("stateVersion", nix.String(c.Cluster.StateVersion)))

	cfg.Set("network", nix.NewAttrs().
		Set("subnet", nix.String(c.Network.Subnet.String())).
		Set("prefixLength", nix.Int(int64(c.Network.Subnet.Bits()))).
		Set("gateway", nix.String(c.Network.Gateway.String())).
		Set("nameservers", strList(model.Strings(c.Network.Nameservers))).
		Set("apiVip", nix.String(c.Network.APIVIP.String())).
		Set("apiPort", nix.Int(int64(c.Network.APIPort))).
		Set("vrrpId", nix.Int(int64(c.Network.VRRPID))))

	if len(c.KubernetesNodes()) > 0 {
		// The VIP and its port are in network; serverAddr is the URL
		// made from them that every joining node uses.
		cfg.Set("k3s", nix.NewAttrs().
			Set("apiserverPort", nix.Int(int64(c.Kubernetes.APIServerPort))).
			Set("serverAddr", nix.String(c.JoinURL())).
			Set("clusterCidr", nix.String(c.Kubernetes.ClusterCIDR.String())).
			Set("serviceCidr", nix.String(c.Kubernetes.ServiceCIDR.String())).
			Set("bootstrapNode", nix.String(c.BootstrapNode())).
			Set("controlPlane", strList(c.ControlPlaneNodes())).
			Set("tokenSecret", nix.String(c.Kubernetes.TokenSecret)).
			Set("disable", strList(c.Kubernetes.Disable)))
	} else {
		cfg.Set("k3s", nix.Null())
	}

	if c.Flux != nil {
		cfg.Set("flux", nix.NewAttrs().
			Set("url", nix.String(c.Flux.URL)).
			Set("branch", nix.String(c.Flux.Branch)).
			Set("path", nix.String(c.Flux.Path)).
			Set("interval", nix.String(c.Flux.Interval)))
	} else {
		cfg.Set("flux", nix.Null())
	}
	// Where the rendered Kubernetes manifests go: the directory Flux
	// applies. flake.nix's manifests app writes there.
	cfg.Set("manifestsDir", nix.String(manifestsDir(c)))

	nodes := nix.NewAttrs()
	for _, name := range c.NodeNames() {
		n := c.Nodes[name]
		mac := nix.Null()
		if n.MAC != "" {
			mac = nix.String(n.MAC)
		}
		labels := map[string]nix.Expr{}
		for k, v := range n.Labels {
			labels[k] = nix.String(v)
		}
		address := nix.Null()
		if n.Address.IsValid() {
			address = nix.String(n.Address.String())
		}
		nodes.Set(name, nix.NewAttrs().
			Set("name", nix.String(name)).
			Set("role", nix.String(n.Role)).
			Set("system", nix.String(n.System)).
			Set("address", address).
			Set("dhcp", nix.Bool(n.DHCP)).
			Set("offsite", nix.Bool(n.Offsite)).
			Set("interface", nix.String(n.Interface)).
			Comment("The device the LAN address is on: the interface, or its VLAN.").
			Set("lanDevice", nix.String(n.LANDevice())).
			Set("mac", mac).
			Set("deployHost", nix.String(n.DeployHost)).
			Set("tailscale", nix.Bool(n.Tailscale)).
			Set("ageKey", nix.String(n.AgeKey)).
			Set("groups", strList(n.Groups)).
			Set("labels", nix.SortedAttrs(labels)).
			Set("taints", strList(n.Taints)).
			Set("cephOsdDevices", strList(n.CephOSDDevices)))
	}
	cfg.Set("nodes", nodes)

	groups := nix.NewAttrs()
	members := groupMembers(c)
	for _, g := range model.SortedKeys(members) {
		groups.Set(g, nix.NewAttrs().
			Set("description", nix.String(c.Groups[g].Description)).
			Set("nodes", strList(members[g])))
	}
	cfg.Set("groups", groups)

	users := nix.NewAttrs()
	for _, name := range model.SortedKeys(c.Users) {
		u := c.Users[name]
		users.Set(name, nix.NewAttrs().
			Set("name", nix.String(name)).
			Set("admin", nix.Bool(u.Admin)).
			Set("sshKeys", strList(u.SSHKeys)))
	}
	cfg.Set("users", users)

	return cfg
}

// groupMembers maps every group, declared with a group block or only named
// by a node, to its sorted member nodes.
func groupMembers(c *model.Cluster) map[string][]string {
	members := map[string][]string{}
	for g := range c.Groups {
		members[g] = nil
	}
	for _, name := range c.NodeNames() {
		for _, g := range dedupe(c.Nodes[name].Groups) {
			members[g] = append(members[g], name)
		}
	}
	for g := range members {
		sort.Strings(members[g])
	}
	return members
}

// manifestsDir is the repository directory of the rendered Kubernetes
// manifests: flux.path, or kubernetes/manifests without a flux block.
func manifestsDir(c *model.Cluster) string {
	if c.Flux != nil && c.Flux.Path != "" {
		return path.Clean(c.Flux.Path)
	}
	return "kubernetes/manifests"
}
