// Package nixos renders the NixOS half of the repository from a validated
// cluster model:
//
//	generated/config/default.nix         cluster data (no functions, no secrets)
//	generated/modules/common.nix         users, SSH, sops-nix: every node
//	generated/modules/k8s-common.nix     k3s, kernel and firewall: every k3s node
//	generated/modules/k8s-control-plane.nix  k3s server, HAProxy, Keepalived
//	generated/modules/k8s-worker.nix     k3s agent
//	generated/hosts/<node>/default.nix   one module per node: imports and
//	                                     everything that differs per node
//	generated/default.nix                nixosConfigurations and deploy-rs
//	                                     nodes, a function of the flake inputs
//
// generated/modules/k8s-bootstrap.nix, imported by the control-plane module,
// is written by generator/kubernetes.
//
// The role modules take their shape from the skeletons in package templates;
// every other file is built from printer expressions. Either way, every
// value from cluster.hcl goes through package nix.
package nixos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
)

// Output paths, relative to the repository root.
const (
	configFile    = "generated/config/default.nix"
	flakeFile     = "generated/default.nix"
	modulesDir    = "generated/modules"
	hostsDir      = "generated/hosts"
	commonModule  = "common.nix"
	k8sModule     = "k8s-common.nix"
	serverModule  = "k8s-control-plane.nix"
	agentModule   = "k8s-worker.nix"
	vrrpInstance  = "k8s-api"
	topPriority   = 150
	priorityStep  = 10
	maxPriorities = topPriority / priorityStep
)

var (
	// hostnameRE is the check of networking.hostName in nixpkgs
	// (nixos/modules/tasks/network-interfaces.nix): no dots, so no FQDN.
	hostnameRE = regexp.MustCompile(`^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$`)
	// deployNameRE is the node-name pattern of deploy-rs's interface.json
	// (anchored here; deploy-rs writes it [A-z][A-z0-9_-]*).
	deployNameRE = regexp.MustCompile(`^[A-z][A-z0-9_-]*$`)
)

// Render returns the NixOS files for c, sorted by path. c must be a valid,
// fully defaulted model. Render re-checks the few properties its output
// depends on to be correct (names NixOS and deploy-rs accept, flags k3s's
// systemd unit passes through intact, module paths Nix can write as path
// literals) and returns an error naming the node or setting instead of
// writing a configuration that would break the cluster.
func Render(c *model.Cluster) ([]generator.File, error) {
	p, err := newPlan(c)
	if err != nil {
		return nil, err
	}
	var files []generator.File
	add := func(file string, content []byte, err error) error {
		if err != nil {
			return fmt.Errorf("nixos: %s: %w", file, err)
		}
		files = append(files, generator.File{Path: file, Content: content})
		return nil
	}

	if err := add(configFile, configFileContent(p), nil); err != nil {
		return nil, err
	}
	modules, err := p.roleModules()
	if err != nil {
		return nil, err
	}
	for _, name := range model.SortedKeys(modules) {
		if err := add(path.Join(modulesDir, name), modules[name], nil); err != nil {
			return nil, err
		}
	}
	for _, name := range c.NodeNames() {
		content, err := p.hostFile(name)
		if err := add(hostPath(name), content, err); err != nil {
			return nil, err
		}
	}
	content, err := p.flakeFile()
	if err := add(flakeFile, content, err); err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func hostPath(node string) string { return path.Join(hostsDir, node, "default.nix") }

// plan is what Render derives from the model once: checked addresses,
// the bootstrap server, Keepalived priorities and the k3s flags.
type plan struct {
	c          *model.Cluster
	subnet     netip.Prefix
	bootstrap  string
	servers    []string
	priority   map[string]int
	serverAddr string // https://<vip>:<api_port>, where agents and joining servers register

	serverFlags []string
	agentFlags  []string
	nodeFlags   map[string][]string
}

func newPlan(c *model.Cluster) (*plan, error) {
	if c == nil {
		return nil, fmt.Errorf("nixos: no cluster model")
	}
	// Nix strings cannot hold NUL (the printer panics on it); reject it
	// once here for every string of the model.
	if b, err := json.Marshal(c); err != nil {
		return nil, fmt.Errorf("nixos: %w", err)
	} else if bytes.Contains(b, []byte(`\u0000`)) {
		return nil, fmt.Errorf("nixos: the cluster spec contains a NUL character, which Nix strings cannot hold")
	}

	p := &plan{c: c, servers: c.ControlPlaneNodes(), priority: map[string]int{}, nodeFlags: map[string][]string{}}
	var err error
	if p.subnet, err = netip.ParsePrefix(c.Network.Subnet); err != nil || !p.subnet.Addr().Is4() {
		return nil, fmt.Errorf("nixos: network.subnet %q is not an IPv4 CIDR", c.Network.Subnet)
	}
	for what, addr := range map[string]string{"network.gateway": c.Network.Gateway, "network.api_vip": c.Network.APIVIP} {
		if err := checkIPv4(what, addr); err != nil {
			return nil, err
		}
	}
	for i, ns := range c.Network.Nameservers {
		if err := checkIPv4(fmt.Sprintf("network.nameservers[%d]", i), ns); err != nil {
			return nil, err
		}
	}
	for _, name := range c.NodeNames() {
		if err := p.checkNode(name); err != nil {
			return nil, err
		}
	}

	if len(c.KubernetesNodes()) > 0 {
		if err := p.planKubernetes(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func checkIPv4(what, s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return fmt.Errorf("nixos: %s %q is not an IPv4 address", what, s)
	}
	return nil
}

// checkNode checks what the host module and the deploy-rs node of name
// need from it.
func (p *plan) checkNode(name string) error {
	n := p.c.Nodes[name]
	if !hostnameRE.MatchString(name) {
		return fmt.Errorf("nixos: node %q: the name is not a valid NixOS networking.hostName (letters, digits, '-' and '_', no dots, at most 63 characters)", name)
	}
	if !deployNameRE.MatchString(name) {
		return fmt.Errorf("nixos: node %q: deploy-rs node names must start with a letter (pattern [A-z][A-z0-9_-]*)", name)
	}
	if err := checkIPv4(fmt.Sprintf("node %q: address", name), n.Address); err != nil {
		return err
	}
	if n.Interface == "" {
		return fmt.Errorf("nixos: node %q: no interface", name)
	}
	switch n.Role {
	case model.RoleControlPlane, model.RoleWorker, model.RoleStandalone:
	default:
		return fmt.Errorf("nixos: node %q: unknown role %q", name, n.Role)
	}
	if _, ok := systems[n.System]; !ok {
		return fmt.Errorf("nixos: node %q: unsupported system %q", name, n.System)
	}
	if n.DeployHost == "" {
		return fmt.Errorf("nixos: node %q: no deploy host", name)
	}
	return nil
}

// systems are the Nix system doubles a node may have; deploy-rs.lib has
// both.
var systems = map[string]bool{"x86_64-linux": true, "aarch64-linux": true}

func (p *plan) planKubernetes() error {
	c := p.c
	if len(p.servers) == 0 {
		return fmt.Errorf("nixos: the cluster has Kubernetes workers but no control-plane node")
	}
	p.bootstrap = c.BootstrapNode()

	apiserver := c.Kubernetes.APIServerPort
	switch c.Network.APIPort {
	case apiserver:
		return fmt.Errorf("nixos: network.api_port %d is kubernetes.apiserver_port: HAProxy and the apiserver both run on every server and cannot share a port", apiserver)
	case apiserver + 1:
		// k3s runs kube-apiserver itself on 127.0.0.1:<https-listen-port+1>
		// behind its supervisor; HAProxy's wildcard bind would collide.
		return fmt.Errorf("nixos: network.api_port %d is taken on every server by the kube-apiserver k3s runs behind its supervisor (apiserver_port + 1)", c.Network.APIPort)
	}
	p.serverAddr = "https://" + c.Network.APIVIP + ":" + strconv.Itoa(c.Network.APIPort)

	// Keepalived: a distinct priority per server, highest first by name,
	// so the election never ties.
	if len(p.servers) > maxPriorities {
		return fmt.Errorf("nixos: %d control-plane nodes; Keepalived priorities are assigned for at most %d", len(p.servers), maxPriorities)
	}
	for i, name := range p.servers {
		p.priority[name] = topPriority - i*priorityStep
	}

	p.serverFlags = append(p.serverFlags,
		"--tls-san="+c.Network.APIVIP,
		// Cilium is the CNI and enforces network policy.
		"--flannel-backend=none",
		"--disable-network-policy",
	)
	if c.Cilium.KubeProxyReplacement {
		p.serverFlags = append(p.serverFlags, "--disable-kube-proxy")
	}
	for _, d := range c.Kubernetes.Disable {
		p.serverFlags = append(p.serverFlags, "--disable="+d)
	}
	p.serverFlags = append(p.serverFlags,
		"--cluster-cidr="+c.Kubernetes.ClusterCIDR,
		"--service-cidr="+c.Kubernetes.ServiceCIDR,
		"--https-listen-port="+strconv.Itoa(apiserver),
	)
	p.serverFlags = append(p.serverFlags, c.Kubernetes.ExtraServerFlags...)
	p.agentFlags = append([]string(nil), c.Kubernetes.ExtraAgentFlags...)
	if err := checkFlags("kubernetes.extra_server_flags", p.serverFlags); err != nil {
		return err
	}
	if err := checkFlags("kubernetes.extra_agent_flags", p.agentFlags); err != nil {
		return err
	}

	for _, name := range c.KubernetesNodes() {
		n := c.Nodes[name]
		// The node IP is explicit: on the server holding the VIP the
		// interface has two addresses, and k3s must not advertise the VIP.
		flags := []string{"--node-ip=" + n.Address}
		for _, k := range model.SortedKeys(n.Labels) {
			flags = append(flags, "--node-label="+k+"="+n.Labels[k])
		}
		for _, t := range n.Taints {
			flags = append(flags, "--node-taint="+t)
		}
		if err := checkFlags(fmt.Sprintf("node %q", name), flags); err != nil {
			return err
		}
		p.nodeFlags[name] = flags
	}
	return nil
}

// checkFlags rejects k3s flags that would not reach k3s as one argument.
// The nixpkgs k3s module (nixos/modules/services/cluster/k3s/default.nix)
// pastes extraFlags unquoted into the unit's ExecStart, where systemd splits
// words at whitespace, expands % specifiers and $VARIABLES, and interprets
// quotes and backslashes.
func checkFlags(where string, flags []string) error {
	for _, f := range flags {
		if f == "" || strings.ContainsAny(f, " \t\n\r\v\f%$\\\"'") {
			return fmt.Errorf("nixos: %s: k3s flag %q contains whitespace, a quote, a backslash, %% or $, which the k3s systemd unit would split or expand", where, f)
		}
	}
	return nil
}

// modulePath checks a module path from cluster.hcl (relative to the
// repository root) and returns it cleaned.
func modulePath(node, p string) (string, error) {
	clean := path.Clean(p)
	if p == "" || path.IsAbs(p) || clean != p || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("node %q: module path %q must be a clean relative path inside the repository", node, p)
	}
	return clean, nil
}
