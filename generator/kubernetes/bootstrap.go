package kubernetes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
	"golang.org/x/mod/semver"
)

// k3sManifestDir is k3s's auto-deploy directory: the deploy controller
// applies every .yaml/.yml/.json file in it every 15 seconds until the apply
// succeeds, follows symlinks, and reapplies when a file's content changes
// (k3s-io/k3s pkg/deploy/controller.go). The AddOn it creates is named after
// the file name up to the first dot.
const k3sManifestDir = "/var/lib/rancher/k3s/server/manifests"

const (
	ciliumChartRepo = "https://helm.cilium.io/"

	fluxNamespace = model.FluxNamespace
	fluxChartRepo = "https://fluxcd-community.github.io/helm-charts"
	// fluxGitSecret is the deploy-key Secret an ssh:// GitRepository
	// authenticates with. The operator creates it once (see the comment in
	// the generated module); it is never generated.
	fluxGitSecret = "flux-system"

	// fluxAgeSecret is the sops-nix secret holding Flux's age private key:
	// the key `flux: age_key:` of the cluster sops file.
	fluxAgeSecret = model.FluxAgeKeySecret
	// fluxAgeTemplate renders the Kubernetes Secret that holds that key.
	fluxAgeTemplate = "flux-sops-age.yaml"
	// sopsAgeSecretName is the Secret Flux's Kustomization decrypts with.
	sopsAgeSecretName = "sops-age"
	// sopsAgeSecretKey is where kustomize-controller looks for age keys in
	// that Secret: any key ending in .agekey.
	sopsAgeSecretKey = "age.agekey"
)

// Manifests in the auto-deploy directory, by the attribute of
// services.k3s.manifests (the file is <name>.yaml). The hlcgen- prefix
// keeps them clear of the AddOns k3s packages itself (coredns, traefik,
// ...), and the AddOn k3s creates for a file is named after it.
const (
	ciliumManifest       = "hlcgen-cilium"
	ciliumLBIPAMManifest = "hlcgen-cilium-lb-ipam"
	fluxManifest         = "hlcgen-flux"
	fluxSyncManifest     = "hlcgen-flux-sync"
	rookManifest         = "hlcgen-rook-ceph-operator"
)

// renderBootstrap returns the NixOS module that control-plane nodes import.
//
// Manifests reach k3s through nixpkgs' services.k3s.manifests: the module
// writes each to the store and links it into the auto-deploy directory
// (nixos/modules/services/cluster/rancher). Only manifests without secrets
// take this path: the store is world-readable. Flux's age key arrives
// through a sops-nix template, rendered under /run/secrets at activation
// and linked into the same directory.
func renderBootstrap(c *model.Cluster, l generator.Layout) generator.File {
	manifests := nix.NewAttrs()
	manifest := func(name string, content nix.Expr) {
		manifests.SetPath([]string{name, "content"}, content)
	}
	manifest(ciliumManifest, ciliumHelmChart(c))
	if objs := ciliumLBIPAM(c); len(objs) > 0 {
		manifest(ciliumLBIPAMManifest, nix.List(objs...))
	}
	if c.Flux != nil {
		manifest(fluxManifest, nix.List(
			nix.NewAttrs().
				Set("apiVersion", nix.String("v1")).
				Set("kind", nix.String("Namespace")).
				Set("metadata", meta(fluxNamespace, "")),
			fluxHelmChart(c.Flux)))
		manifest(fluxSyncManifest, fluxSync(c.Flux))
	}
	if c.Ceph != nil {
		manifest(rookManifest, rookOperator(c))
	}

	body := nix.NewAttrs().
		Comment("Pods cannot start without a CNI, so k3s itself installs Cilium (a bootstrap HelmChart runs on the host network) and, once pods run, Flux and what Flux needs first: its Git source and the Rook operator. Files that fail to apply (say, before Flux's or Cilium's CRDs exist) are retried by k3s every 15 seconds. A list becomes one file of several objects.").
		SetPath([]string{"services", "k3s", "manifests"}, manifests)
	var params []string
	if c.Flux != nil {
		params = []string{"config"}
		fluxAgeKey(c, l, body)
	}
	return nixFile(BootstrapModulePath, module(body, params...))
}

// k3sHelmChart returns a k3s HelmChart (helm.cattle.io/v1, always in
// kube-system, where k3s's helm-controller watches).
func k3sHelmChart(name string, spec *nix.AttrSet) nix.Expr {
	return nix.NewAttrs().
		Set("apiVersion", nix.String("helm.cattle.io/v1")).
		Set("kind", nix.String("HelmChart")).
		Set("metadata", meta(name, "kube-system")).
		Set("spec", spec)
}

// ciliumHelmChart installs Cilium as the CNI. Every value it sets is one
// the pinned chart declares, with the type it declares: a misspelt value
// would be ignored by Helm without a word (the Kubernetes generator's tests
// check them against testdata/cilium-values.schema.json).
func ciliumHelmChart(c *model.Cluster) nix.Expr {
	cil := c.Cilium
	// With fewer than two nodes the second operator replica, kept off the
	// first by anti-affinity, would stay Pending forever.
	operatorReplicas := int64(2)
	if len(c.KubernetesNodes()) < 2 {
		operatorReplicas = 1
	}
	// Run everywhere, control-plane nodes (tainted or not) included: a node
	// without the agent has no pod network.
	everywhere := nix.List(nix.NewAttrs().Set("operator", nix.String("Exists")))

	values := nix.NewAttrs().
		Comment("The API through the VIP: with kube-proxy replaced, nothing else routes the kubernetes Service before Cilium runs.").
		Set("k8sServiceHost", nix.String(c.Network.APIVIP.String())).
		Set("k8sServicePort", nix.Int(int64(c.Network.APIPort))).
		Set("kubeProxyReplacement", nix.Bool(cil.KubeProxyReplacement)).
		Comment("Only the nodes' LAN devices, never the tailnet's (tailscale0) or Cilium's own: auto-detection would take any device with an address and a route.").
		Set("devices", strList(lanDevices(c))).
		Comment("Pods from the cluster CIDR, never cluster-pool's default 10.0.0.0/8, one range of this size per node (validation checks they suffice).").
		Set("ipam", nix.NewAttrs().
			Set("mode", nix.String("cluster-pool")).
			SetPath([]string{"operator", "clusterPoolIPv4PodCIDRList"}, nix.List(nix.String(c.Kubernetes.ClusterCIDR.String()))).
			SetPath([]string{"operator", "clusterPoolIPv4MaskSize"}, nix.Int(model.CiliumPodCIDRMaskSize))).
		Comment("VXLAN (8472/udp), the port the NixOS firewall opens.").
		Set("routingMode", nix.String("tunnel")).
		Set("tunnelProtocol", nix.String("vxlan")).
		Comment("k3s's containerd reads CNI configs and plugins from its own data directory, not /etc/cni/net.d and /opt/cni/bin; data/cni is stable across k3s upgrades since v1.31.2/v1.30.6 (k3s-io/k3s#10868).").
		Set("cni", nix.NewAttrs().
			Set("binPath", nix.String("/var/lib/rancher/k3s/data/cni")).
			Set("confPath", nix.String("/var/lib/rancher/k3s/agent/etc/cni/net.d"))).
		Set("hubble", nix.NewAttrs().
			Set("enabled", nix.Bool(cil.Hubble)).
			SetPath([]string{"relay", "enabled"}, nix.Bool(cil.Hubble))).
		Set("operator", nix.NewAttrs().
			Set("replicas", nix.Int(operatorReplicas)).
			Set("tolerations", everywhere)).
		Set("tolerations", everywhere)
	if cil.L2Announcements {
		values.Comment("Answer ARP for LoadBalancer addresses (the policies in hlcgen-cilium-lb-ipam.yaml say where). Each announced Service holds a lease the agent renews every 5 s (l2announcements.leaseRenewDeadline), so the agent's API rate limit is raised from 10 QPS by what 100 Services need, as Cilium's L2 announcement guide sizes it (QPS = Services / renew deadline).").
			SetPath([]string{"l2announcements", "enabled"}, nix.Bool(true)).
			Set("k8sClientRateLimit", nix.NewAttrs().
				Set("qps", nix.Int(l2ClientQPS)).
				Set("burst", nix.Int(2*l2ClientQPS)))
	}
	if ing := cil.IngressController; ing != nil {
		svc := nix.NewAttrs()
		if ing.LoadBalancerIP.IsValid() {
			// LB-IPAM's way to ask for an address (docs.cilium.io,
			// "LoadBalancer IP Address Management").
			svc.SetPath([]string{"annotations", "lbipam.cilium.io/ips"}, nix.String(ing.LoadBalancerIP.String()))
		}
		values.Comment("Cilium's ingress controller, one shared LoadBalancer Service for every Ingress.").
			Set("ingressController", nix.NewAttrs().
				Set("enabled", nix.Bool(true)).
				Set("default", nix.Bool(ing.Default)).
				Set("loadbalancerMode", nix.String("shared")).
				Set("service", svc))
	}

	return k3sHelmChart(model.CiliumRelease, nix.NewAttrs().
		Set("repo", nix.String(ciliumChartRepo)).
		Set("chart", nix.String("cilium")).
		Set("version", nix.String(cil.Version)).
		Set("targetNamespace", nix.String(model.CiliumNamespace)).
		Comment("Install with host networking and tolerating not-ready nodes: there is no pod network yet.").
		Set("bootstrap", nix.Bool(true)).
		Set("valuesContent", nix.Apply(nix.Select(nix.Var("builtins"), "toJSON"), values)))
}

// l2ClientQPS is the agent's API rate limit with L2 announcements: its
// default 10, plus 100 Services renewing their leases every 5 seconds.
const l2ClientQPS = 10 + 100/5

// lanDevices are the Linux devices of the Kubernetes nodes' LAN, sorted:
// a NIC, a bond, or a VLAN device.
func lanDevices(c *model.Cluster) []string {
	set := map[string]bool{}
	for _, n := range c.KubernetesNodes() {
		set[c.Nodes[n].LANDevice()] = true
	}
	return model.SortedKeys(set)
}

// ciliumLBIPAM returns the LoadBalancer address pools and, with L2
// announcements, the policies that announce them: one per LAN device,
// matching it exactly and only on the nodes whose LAN it is, so that no
// address is ever announced on another device of a node (the tailnet's,
// or the untagged parent of a VLAN).
func ciliumLBIPAM(c *model.Cluster) []nix.Expr {
	cil := c.Cilium
	var out []nix.Expr
	for _, name := range model.SortedKeys(cil.LBPools) {
		p := cil.LBPools[name]
		out = append(out, nix.NewAttrs().
			Set("apiVersion", nix.String(lbPoolAPIVersion(cil.Version))).
			Set("kind", nix.String("CiliumLoadBalancerIPPool")).
			Set("metadata", meta(name, "")).
			SetPath([]string{"spec", "blocks"}, nix.List(nix.NewAttrs().
				Set("start", nix.String(p.Start.String())).
				Set("stop", nix.String(p.Stop.String())))))
	}
	if !cil.L2Announcements || len(cil.LBPools) == 0 {
		return out
	}
	byDevice := map[string][]string{}
	for _, n := range c.KubernetesNodes() {
		dev := c.Nodes[n].LANDevice()
		byDevice[dev] = append(byDevice[dev], n)
	}
	names := map[string]bool{}
	for _, dev := range model.SortedKeys(byDevice) {
		name := policyName(dev, names)
		out = append(out, nix.NewAttrs().
			Set("apiVersion", nix.String("cilium.io/v2alpha1")).
			Set("kind", nix.String("CiliumL2AnnouncementPolicy")).
			Set("metadata", meta(name, "")).
			Set("spec", nix.NewAttrs().
				Set("loadBalancerIPs", nix.Bool(true)).
				Set("interfaces", strList([]string{"^" + regexp.QuoteMeta(dev) + "$"})).
				SetPath([]string{"nodeSelector", "matchExpressions"}, nix.List(nix.NewAttrs().
					Set("key", nix.String("kubernetes.io/hostname")).
					Set("operator", nix.String("In")).
					Set("values", strList(byDevice[dev]))))))
	}
	return out
}

// lbPoolAPIVersion is the CiliumLoadBalancerIPPool API the pinned Cilium
// serves: cilium.io/v2 since 1.18 (cilium/cilium#39090), v2alpha1 before.
func lbPoolAPIVersion(version string) string {
	if semver.Compare("v"+strings.TrimPrefix(version, "v"), "v1.18.0") >= 0 {
		return "cilium.io/v2"
	}
	return "cilium.io/v2alpha1"
}

// policyName names the L2 policy of a LAN device: an object name is a DNS
// subdomain, and interface names may hold ".", "_" and ":".
func policyName(dev string, taken map[string]bool) string {
	b := []byte(strings.ToLower(dev))
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			b[i] = '-'
		}
	}
	base := "hlcgen-lan-" + strings.Trim(string(b), "-")
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	taken[name] = true
	return name
}

// fluxHelmChart installs Flux's controllers and CRDs with the
// fluxcd-community chart, at flux.chart_version.
func fluxHelmChart(f *model.Flux) nix.Expr {
	return k3sHelmChart(model.FluxRelease, nix.NewAttrs().
		Set("repo", nix.String(fluxChartRepo)).
		Set("chart", nix.String("flux2")).
		Set("version", nix.String(f.ChartVersion)).
		Set("targetNamespace", nix.String(fluxNamespace)).
		Set("createNamespace", nix.Bool(true)))
}

// fluxSync returns Flux's root GitRepository and Kustomization. They live in
// the bootstrap rather than in the kubenix output because Flux must know its
// source before it can apply anything from Git; kept out of Git, they also
// cannot prune themselves.
func fluxSync(f *model.Flux) nix.Expr {
	src := nix.NewAttrs().
		Set("interval", nix.String(f.Interval)).
		Set("url", nix.String(f.URL)).
		SetPath([]string{"ref", "branch"}, nix.String(f.Branch))
	if strings.HasPrefix(f.URL, "ssh://") {
		src.Comment("A deploy key the operator creates once; it never enters a generated file. `flux create secret git flux-system --url=<url> -n flux-system` prints the public key to add to the repository.").
			SetPath([]string{"secretRef", "name"}, nix.String(fluxGitSecret))
	}
	// Validation keeps the path relative and inside the repository (HLC073).
	p := cleanRel(f.Path)
	repoPath := "./" + p
	if p == "." {
		repoPath = "./"
	}
	ks := nix.NewAttrs().
		Set("interval", nix.String(f.Interval)).
		Comment("Retry a failed apply soon, not a whole interval later: until the Rook operator has installed its CRDs, Ceph objects fail the dry run.").
		Set("retryInterval", nix.String("1m")).
		Set("path", nix.String(repoPath)).
		Set("prune", nix.Bool(true)).
		Set("sourceRef", nix.NewAttrs().
			Set("kind", nix.String("GitRepository")).
			Set("name", nix.String(fluxNamespace))).
		Set("decryption", nix.NewAttrs().
			Set("provider", nix.String("sops")).
			SetPath([]string{"secretRef", "name"}, nix.String(sopsAgeSecretName)))
	return nix.List(
		nix.NewAttrs().
			Set("apiVersion", nix.String(gitRepositoryAPIVersion)).
			Set("kind", nix.String("GitRepository")).
			Set("metadata", meta(fluxNamespace, fluxNamespace)).
			Set("spec", src),
		nix.NewAttrs().
			Set("apiVersion", nix.String(kustomizationAPIVersion)).
			Set("kind", nix.String("Kustomization")).
			Set("metadata", meta(fluxNamespace, fluxNamespace)).
			Set("spec", ks),
	)
}

const (
	gitRepositoryAPIVersion = "source.toolkit.fluxcd.io/v1"
	kustomizationAPIVersion = "kustomize.toolkit.fluxcd.io/v1"
)

// rookOperator installs the Rook operator, and with it the ceph.rook.io
// CRDs, before Flux applies the Ceph objects (see rookModule). With Flux it
// is a Flux HelmRepository and HelmRelease, so Flux upgrades and remediates
// it; both live in flux-system, which exists before rook-ceph does. Without
// Flux, k3s's own helm-controller installs the chart.
func rookOperator(c *model.Cluster) nix.Expr {
	values := rookOperatorValues(c)
	if c.Flux == nil {
		chart := nix.NewAttrs().
			Set("repo", nix.String(rookChartRepo)).
			Set("chart", nix.String(rookChart)).
			Set("version", nix.String(c.Ceph.RookVersion)).
			Set("targetNamespace", nix.String(rookNamespace)).
			Set("createNamespace", nix.Bool(true))
		if values != nil {
			chart.Set("valuesContent", nix.Apply(nix.Select(nix.Var("builtins"), "toJSON"), values))
		}
		return k3sHelmChart(model.RookRelease, chart)
	}
	interval := c.Flux.Interval
	repo := nix.NewAttrs().
		Set("apiVersion", nix.String(helmRepositoryType.apiVersion())).
		Set("kind", nix.String(helmRepositoryType.kind)).
		Set("metadata", meta(rookChart, fluxNamespace)).
		Set("spec", nix.NewAttrs().
			Set("interval", nix.String(interval)).
			Set("url", nix.String(rookChartRepo)))
	release := nix.NewAttrs().
		Set("apiVersion", nix.String(helmReleaseType.apiVersion())).
		Set("kind", nix.String(helmReleaseType.kind)).
		Set("metadata", meta(model.RookRelease, fluxNamespace)).
		Set("spec", nix.NewAttrs().
			Set("interval", nix.String(interval)).
			Set("releaseName", nix.String(model.RookRelease)).
			Set("targetNamespace", nix.String(rookNamespace)).
			SetPath([]string{"install", "createNamespace"}, nix.Bool(true)).
			SetPath([]string{"chart", "spec"}, nix.NewAttrs().
				Set("chart", nix.String(rookChart)).
				Set("version", nix.String(c.Ceph.RookVersion)).
				Set("sourceRef", nix.NewAttrs().
					Set("kind", nix.String(helmRepositoryType.kind)).
					Set("name", nix.String(rookChart)).
					Set("namespace", nix.String(fluxNamespace)))))
	if values != nil {
		release.SetPath([]string{"spec", "values"}, values)
	}
	return nix.List(repo, release)
}

// rookOperatorValues are the Rook operator chart's values: the Ceph CSI
// node plugins tolerate every taint, so that every Kubernetes node can
// mount a volume, control-plane and storage nodes included. Through
// v1.19 the chart's csi.pluginTolerations reaches the plugins, whether
// Rook or the ceph-csi-operator deploys them (rook/rook
// deploy/charts/rook-ceph/values.yaml); v1.20 moves the setting to the
// ceph-csi-operator's own resources, so nothing is set there.
func rookOperatorValues(c *model.Cluster) nix.Expr {
	if semver.Compare(c.Ceph.RookVersion, "v1.20.0") >= 0 {
		return nil
	}
	return nix.NewAttrs().SetPath([]string{"csi", "pluginTolerations"},
		nix.List(nix.NewAttrs().Set("operator", nix.String("Exists"))))
}

// fluxAgeKey adds the sops-nix secret with Flux's age private key and the
// template that renders it as the sops-age Secret into k3s's auto-deploy
// directory at activation. The key never enters the Nix store or a
// generated file: the module holds only sops-nix's placeholder.
//
// The key comes from the cluster sops file, which every Kubernetes node can
// decrypt anyway for the k3s token; anyone holding that token can join as a
// server and read every Secret, so a separate file would protect nothing.
func fluxAgeKey(c *model.Cluster, l generator.Layout, body *nix.AttrSet) {
	// From generated/modules/ up to the output directory, then to the file.
	secret := nix.NewAttrs().Set("sopsFile", repoPath("../../"+l.SpecFile(cleanRel(c.Secrets.SopsFile))))
	if strings.HasSuffix(c.Secrets.SopsFile, ".json") {
		secret.Set("format", nix.String("json"))
	}
	body.Comment("Flux's age private key: the secret-key line of an age key file, stored in the cluster sops file as `flux: { age_key: <that line> }`.").
		SetPath([]string{"sops", "secrets", fluxAgeSecret}, secret)

	y := generator.YAMLString
	content := generator.SopsTemplate(generator.YAMLMap(
		y("apiVersion"), y("v1"),
		y("kind"), y("Secret"),
		y("metadata"), generator.YAMLMap(
			y("name"), y(sopsAgeSecretName),
			y("namespace"), y(fluxNamespace)),
		y("type"), y("Opaque"),
		y("stringData"), generator.YAMLMap(y(sopsAgeSecretKey), generator.SopsPlaceholder(fluxAgeSecret)),
	))
	body.Comment("The Secret Flux decrypts sops files with, rendered at activation.").
		SetPath([]string{"sops", "templates", fluxAgeTemplate}, nix.NewAttrs().
			Set("content", content).
			Set("path", nix.String(k3sManifestDir+"/"+fluxAgeTemplate)).
			Set("owner", nix.String("root")).
			Set("mode", nix.String("0600")))
}
