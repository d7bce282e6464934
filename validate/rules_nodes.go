package validate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// checkStandalone: a standalone node runs NixOS only, no k3s, so settings
// that only mean something to Kubernetes or Ceph are mistakes. (Its
// cluster_init is reported by checkClusterInit.)
func checkStandalone(rc *ruleContext) {
	c := rc.c
	for _, n := range c.NodesWithRole(model.RoleStandalone) {
		node := c.Nodes[n]
		if len(node.CephOSDDevices) > 0 {
			rc.add(diag.StandaloneK8s, rc.value("nodes", n, "ceph_osd_devices"),
				"Node %q is standalone: it runs no Kubernetes, so Rook cannot put OSDs on its disks. Remove ceph_osd_devices, or make the node a worker.", n)
		}
		if len(node.Labels) > 0 {
			rc.add(diag.StandaloneK8s, rc.value("nodes", n, "labels"),
				"Node %q is standalone: it is not a Kubernetes node, so nothing would carry its labels. Remove labels, or make the node a worker.", n)
		}
		if len(node.Taints) > 0 {
			rc.add(diag.StandaloneK8s, rc.value("nodes", n, "taints"),
				"Node %q is standalone: it is not a Kubernetes node, so taints mean nothing there. Remove taints, or make the node a worker.", n)
		}
	}
}

// Kubernetes' label syntax (k8s.io/apimachinery/pkg/util/validation:
// IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain).
var (
	labelNameRE  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

const labelCharset = "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"

// labelKeyProblem explains why key is not a Kubernetes label key, or
// returns "". A key is an optional DNS subdomain prefix of at most 253
// characters and '/', then a name of at most 63 characters.
func labelKeyProblem(key string) string {
	prefix, name, hasPrefix := strings.Cut(key, "/")
	if !hasPrefix {
		name = key
	}
	switch {
	case strings.Count(key, "/") > 1:
		return "a key has at most one '/', between the prefix and the name"
	case hasPrefix && prefix == "":
		return "the prefix before '/' is empty"
	case hasPrefix && len(prefix) > 253:
		return fmt.Sprintf("the prefix is %d characters long, and may have at most 253", len(prefix))
	case hasPrefix && !dnsSubdomain.MatchString(prefix):
		return fmt.Sprintf("the prefix %q is not a DNS subdomain (lowercase letters, digits, '-' and '.', such as example.com)", prefix)
	case name == "":
		return "the name is empty"
	case len(name) > 63:
		return fmt.Sprintf("the name %q is %d characters long, and may have at most 63", name, len(name))
	case !labelNameRE.MatchString(name):
		return fmt.Sprintf("the name %q may only hold %s", name, labelCharset)
	}
	return ""
}

// labelValueProblem explains why v is not a Kubernetes label value, or
// returns "". Values may be empty.
func labelValueProblem(v string) string {
	switch {
	case v == "":
		return ""
	case len(v) > 63:
		return fmt.Sprintf("is %d characters long, and may have at most 63", len(v))
	case !labelNameRE.MatchString(v):
		return "may only hold " + labelCharset
	}
	return ""
}

// kubeletLabels are the kubernetes.io labels a kubelet may set on its own
// Node (k8s.io/kubelet/pkg/apis: KubeletLabels), and
// kubeletLabelNamespaces the prefixes under which it may set any label
// (KubeletLabelNamespaces). The NodeRestriction admission plugin rejects the
// others, and the kubelet refuses to start with them in --node-labels.
var (
	kubeletLabels = map[string]bool{
		"kubernetes.io/hostname":                   true,
		"kubernetes.io/arch":                       true,
		"kubernetes.io/os":                         true,
		"beta.kubernetes.io/arch":                  true,
		"beta.kubernetes.io/os":                    true,
		"beta.kubernetes.io/instance-type":         true,
		"node.kubernetes.io/instance-type":         true,
		"failure-domain.beta.kubernetes.io/region": true,
		"failure-domain.beta.kubernetes.io/zone":   true,
		"topology.kubernetes.io/region":            true,
		"topology.kubernetes.io/zone":              true,
	}
	kubeletLabelNamespaces = []string{"kubelet.kubernetes.io", "node.kubernetes.io"}
)

// restrictedLabel reports whether a kubelet may not set key on its own Node
// (IsKubeletLabel in k8s.io/kubelet and the kubelet's flag validation).
func restrictedLabel(key string) bool {
	prefix, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	isKubernetes := false
	for _, d := range []string{"kubernetes.io", "k8s.io"} {
		if prefix == d || strings.HasSuffix(prefix, "."+d) {
			isKubernetes = true
		}
	}
	if !isKubernetes || kubeletLabels[key] {
		return false
	}
	for _, ns := range kubeletLabelNamespaces {
		if prefix == ns || strings.HasSuffix(prefix, "."+ns) {
			return false
		}
	}
	return true
}

func checkLabels(rc *ruleContext) {
	c := rc.c
	for _, n := range c.NodeNames() {
		node := c.Nodes[n]
		if node.Role == model.RoleStandalone {
			continue // checkStandalone reports the whole attribute
		}
		for _, key := range model.SortedKeys(node.Labels) {
			value := node.Labels[key]
			path := []string{"nodes", n, "labels", key}
			if p := labelKeyProblem(key); p != "" {
				rc.add(diag.LabelSyntax, rc.name(path...), "Node %q's label key %q: %s.", n, key, p)
				continue
			}
			if p := labelValueProblem(value); p != "" {
				rc.add(diag.LabelSyntax, rc.value(path...), "Node %q's label %s: the value %q %s.", n, key, value, p)
				continue
			}
			if restrictedLabel(key) {
				hint := "Use a label under your own prefix (such as homelab.example/role) or under node.kubernetes.io/, or set this one once the node has joined with `kubectl label node " + n + " " + key + "=" + value + "`."
				if strings.HasPrefix(key, "node-role.kubernetes.io/") {
					hint = "Node roles are set by an administrator, not by the node (k3s already marks servers node-role.kubernetes.io/control-plane): run `kubectl label node " + n + " " + key + "=" + value + "` once it has joined, or use a label under your own prefix."
				}
				rc.add(diag.RestrictedLabel, rc.name(path...),
					"Node %q: a kubelet may not set %q on its own Node (NodeRestriction admission; only kubelet.kubernetes.io/, node.kubernetes.io/ and well-known labels such as topology.kubernetes.io/zone are allowed), so k3s would fail to register the node. %s",
					n, key, hint)
			}
		}
	}
}

var taintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

// taintProblem explains why t is not a taint as kubectl and k3s'
// --node-taint parse it ("key=value:Effect" or "key:Effect"), or returns
// "". key and effect identify the taint.
func taintProblem(t string) (problem, key, effect string) {
	kv, effect, ok := strings.Cut(t, ":")
	if !ok {
		return "it has no effect; write \"key=value:NoSchedule\" (or PreferNoSchedule, NoExecute)", "", ""
	}
	if strings.Contains(effect, ":") {
		return "it has more than one ':'; write \"key=value:Effect\"", "", ""
	}
	if !contains(taintEffects, effect) {
		for _, e := range taintEffects {
			if strings.EqualFold(e, effect) {
				return fmt.Sprintf("effects are case-sensitive: write %q", e), "", ""
			}
		}
		return fmt.Sprintf("the effect %q is not one of NoSchedule, PreferNoSchedule and NoExecute", effect), "", ""
	}
	key, value, _ := strings.Cut(kv, "=")
	switch {
	case strings.Contains(value, "="):
		return "it has more than one '='; write \"key=value:Effect\"", "", ""
	case key == "":
		return "the key is empty", "", ""
	}
	if p := labelKeyProblem(key); p != "" {
		return fmt.Sprintf("in the key %q, %s", key, p), "", ""
	}
	if p := labelValueProblem(value); p != "" {
		return fmt.Sprintf("the value %q %s", value, p), "", ""
	}
	return "", key, effect
}

func checkTaints(rc *ruleContext) {
	c := rc.c
	for _, n := range c.NodeNames() {
		node := c.Nodes[n]
		if node.Role == model.RoleStandalone {
			continue
		}
		seen := map[[2]string]int{}
		for i, t := range node.Taints {
			at := rc.value("nodes", n, "taints", idx(i))
			p, key, effect := taintProblem(t)
			if p != "" {
				rc.add(diag.TaintSyntax, at, "Node %q's taint %q: %s.", n, t, p)
				continue
			}
			if j, dup := seen[[2]string{key, effect}]; dup {
				rc.add(diag.TaintSyntax, at,
					"Node %q already has a taint with key %q and effect %s (taints[%d]); Kubernetes allows one taint per key and effect. Remove one.", n, key, effect, j)
				continue
			}
			seen[[2]string{key, effect}] = i
		}
	}
}
