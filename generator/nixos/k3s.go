package nixos

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
)

// k3s reads its settings from /etc/rancher/k3s/config.yaml and then the
// drop-ins in /etc/rancher/k3s/config.yaml.d/*.yaml, in lexical order; a key
// is a flag's name without its dashes, a later file's value replaces an
// earlier one, and a key ending in "+" appends to a list instead (k3s-io/k3s
// pkg/configfilearg; docs.k3s.io "Configuration File"). Every value is
// carried as written, spaces and all, which a command line cannot do.
//
// hlcgen writes what a role shares into config.yaml (from the role
// module), each node's own settings into a drop-in (from its host module),
// and the settings that are secrets through a sops-nix template into
// another drop-in at activation. The NixOS module's options keep what the
// module itself owns: role, serverAddr, tokenFile, agentTokenFile,
// clusterInit and package.
const (
	k3sConfigFile  = "rancher/k3s/config.yaml" // under /etc
	k3sNodeDropIn  = "rancher/k3s/config.yaml.d/50-hlcgen-node.yaml"
	k3sS3DropIn    = "/etc/rancher/k3s/config.yaml.d/90-hlcgen-etcd-s3.yaml"
	k3sS3Template  = "k3s-etcd-s3.yaml"
	k3sServiceUnit = "k3s.service"
)

// k3sListFlags are the k3s flags that take several values (urfave/cli
// StringSliceFlags in k3s-io/k3s pkg/cli/cmds): written as YAML lists, one
// value each.
var k3sListFlags = map[string]bool{
	"tls-san": true, "disable": true, "kubelet-arg": true, "kube-proxy-arg": true,
	"kube-apiserver-arg": true, "etcd-arg": true, "kube-controller-manager-arg": true,
	"kube-scheduler-arg": true, "kube-cloud-controller-manager-arg": true,
	"node-label": true, "node-taint": true, "node-ip": true, "node-external-ip": true,
	"node-internal-dns": true, "node-external-dns": true, "cluster-cidr": true,
	"service-cidr": true, "cluster-dns": true,
}

// k3sConfig is one k3s configuration file: keys in the order they are
// first set.
type k3sConfig struct {
	keys   []string
	values map[string]*yaml.Node
}

func newK3sConfig() *k3sConfig { return &k3sConfig{values: map[string]*yaml.Node{}} }

func (k *k3sConfig) set(key string, v *yaml.Node) {
	if _, ok := k.values[key]; !ok {
		k.keys = append(k.keys, key)
	}
	k.values[key] = v
}

// add appends values to a list key.
func (k *k3sConfig) add(key string, values ...string) {
	v, ok := k.values[key]
	if !ok {
		v = generator.YAMLList()
		k.set(key, v)
	}
	for _, s := range values {
		v.Content = append(v.Content, generator.YAMLString(s))
	}
}

// flags adds flags from cluster.hcl. A flag k3s takes several times
// becomes a list, appended to (with "key+", when append is set, so that a
// drop-in adds to config.yaml's list instead of replacing it); a flag
// without a value is true.
func (k *k3sConfig) flags(flags []string, appendToEarlier bool) {
	times := map[string]int{}
	for _, s := range flags {
		times[model.ParseK3sFlag(s).Name]++
	}
	for _, s := range flags {
		f := model.ParseK3sFlag(s)
		key := f.Name
		if k3sListFlags[key] || times[key] > 1 {
			if appendToEarlier {
				key += "+"
			}
			k.add(key, f.Value)
			continue
		}
		if !f.HasValue {
			k.set(key, generator.YAMLBool(true))
			continue
		}
		k.set(key, generator.YAMLString(f.Value))
	}
}

func (k *k3sConfig) yaml() string {
	doc := generator.YAMLMap()
	for _, key := range k.keys {
		doc.Content = append(doc.Content, generator.YAMLString(key), k.values[key])
	}
	return "# " + generator.Header + "\n" + string(generator.EncodeYAML(doc))
}

// serverConfig is config.yaml on every server: the settings k3s requires
// to be the same on all of them (docs.k3s.io, "Critical Configuration
// Values"), and the others the servers share.
func (p *plan) serverConfig() *k3sConfig {
	c := p.c
	k := c.Kubernetes
	cfg := newK3sConfig()
	// The VIP is in every server's certificate, so clients reach any of
	// them through it.
	cfg.add("tls-san", c.Network.APIVIP.String())
	// Cilium is the CNI and enforces network policy.
	cfg.set("flannel-backend", generator.YAMLString("none"))
	cfg.set("disable-network-policy", generator.YAMLBool(true))
	if c.Cilium.KubeProxyReplacement {
		cfg.set("disable-kube-proxy", generator.YAMLBool(true))
	}
	if len(k.Disable) > 0 {
		cfg.add("disable", k.Disable...)
	}
	cfg.add("cluster-cidr", k.ClusterCIDR.String())
	cfg.add("service-cidr", k.ServiceCIDR.String())
	cfg.set("https-listen-port", generator.YAMLInt(k.APIServerPort))
	if es := k.EtcdSnapshots; es != nil {
		cfg.set("etcd-snapshot-schedule-cron", generator.YAMLString(es.Schedule))
		cfg.set("etcd-snapshot-retention", generator.YAMLInt(es.Retention))
		if s3 := es.S3; s3 != nil {
			cfg.set("etcd-s3", generator.YAMLBool(true))
			cfg.set("etcd-s3-endpoint", generator.YAMLString(s3.Endpoint))
			cfg.set("etcd-s3-bucket", generator.YAMLString(s3.Bucket))
			if s3.Folder != "" {
				cfg.set("etcd-s3-folder", generator.YAMLString(s3.Folder))
			}
			if s3.Region != "" {
				cfg.set("etcd-s3-region", generator.YAMLString(s3.Region))
			}
			if s3.Insecure {
				cfg.set("etcd-s3-insecure", generator.YAMLBool(true))
			}
		}
	}
	cfg.flags(k.ExtraServerFlags, false)
	return cfg
}

// agentConfig is config.yaml on every agent.
func (p *plan) agentConfig() *k3sConfig {
	cfg := newK3sConfig()
	cfg.flags(p.c.Kubernetes.ExtraAgentFlags, false)
	return cfg
}

// nodeConfig is a node's own drop-in: its IP, labels, taints, kubelet
// settings and extra flags.
func (p *plan) nodeConfig(name string) *k3sConfig {
	c := p.c
	n := c.Nodes[name]
	cfg := newK3sConfig()
	// The node IP is explicit: on the server holding the VIP the LAN
	// device has two addresses, and k3s must not advertise the VIP.
	cfg.set("node-ip", generator.YAMLString(n.Address.String()))
	for _, key := range model.SortedKeys(n.Labels) {
		cfg.add("node-label", key+"="+n.Labels[key])
	}
	if len(n.Taints) > 0 {
		cfg.add("node-taint", n.Taints...)
	}
	if args := kubeletArgs(c.Kubernetes.Kubelet.Over(n.Kubelet)); len(args) > 0 {
		// Appended to the role's kubelet-arg list, if it has one.
		cfg.add("kubelet-arg+", args...)
	}
	cfg.flags(n.ExtraFlags, true)
	return cfg
}

// kubeletArgs are the kubelet flags of a node's effective kubelet settings,
// as k3s's kubelet-arg takes them (name=value, without dashes).
func kubeletArgs(k *model.Kubelet) []string {
	if k == nil {
		return nil
	}
	var out []string
	pairs := func(m map[string]string, sep string) string {
		var parts []string
		for _, key := range model.SortedKeys(m) {
			parts = append(parts, key+sep+m[key])
		}
		return strings.Join(parts, ",")
	}
	if len(k.SystemReserved) > 0 {
		out = append(out, "system-reserved="+pairs(k.SystemReserved, "="))
	}
	if len(k.KubeReserved) > 0 {
		out = append(out, "kube-reserved="+pairs(k.KubeReserved, "="))
	}
	if len(k.EvictionHard) > 0 {
		// The kubelet's signal<threshold form.
		out = append(out, "eviction-hard="+pairs(k.EvictionHard, "<"))
	}
	if k.MaxPods > 0 {
		out = append(out, fmt.Sprintf("max-pods=%d", k.MaxPods))
	}
	return out
}

// s3Template is the drop-in with the etcd S3 credentials, rendered by
// sops-nix at activation from the cluster sops file.
func (p *plan) s3Template() *yaml.Node {
	s3 := p.c.Kubernetes.EtcdSnapshots.S3
	return generator.YAMLMap(
		generator.YAMLString("etcd-s3-access-key"), generator.SopsPlaceholder(s3.AccessKeySecret),
		generator.YAMLString("etcd-s3-secret-key"), generator.SopsPlaceholder(s3.SecretKeySecret),
	)
}

// k3sPackage is the attribute of the k3s package of the cluster's version:
// pkgs.k3s_1_34 for "1.34".
func k3sPackage(version string) string { return "k3s_" + strings.ReplaceAll(version, ".", "_") }

// hasS3 reports whether the servers upload etcd snapshots to S3.
func (p *plan) hasS3() bool {
	es := p.c.Kubernetes.EtcdSnapshots
	return es != nil && es.S3 != nil
}
