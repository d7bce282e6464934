package model

// PortUse is a port hlcgen opens in a node's firewall, and what for. The
// NixOS generator opens them, writing its comments from What, and
// validation warns about a firewall block that lists one again.
type PortUse struct {
	Port int
	What string
}

// Ports every k3s node opens. k3s: the kubelet on 10250; Cilium: its
// health checks on 4240, Hubble on 4244 and VXLAN on 8472/udp
// (docs.cilium.io, "System Requirements", firewall rules).
var (
	K8sTCPPorts = []PortUse{{10250, "kubelet"}, {4240, "Cilium health checks"}, {4244, "Hubble"}}
	K8sUDPPorts = []PortUse{{8472, "Cilium's VXLAN overlay"}}
)

// Ceph's ports on every k3s node when the cluster runs Ceph: the monitors'
// msgr2 and legacy ports, and the range the OSDs, managers and metadata
// servers bind in (docs.ceph.com, "Network Configuration Reference":
// ms_bind_port_min/max).
var (
	CephTCPPorts    = []PortUse{{3300, "Ceph monitors"}, {6789, "Ceph monitors"}}
	CephDaemonPorts = [2]int{6800, 7300}
)

// TailscalePort is tailscaled's UDP port (services.tailscale.port's
// default), which hlcgen opens so peers can connect directly.
const TailscalePort = 41641
