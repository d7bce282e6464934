package kubernetes

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/nix"
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
	// fluxChartVersion pins the fluxcd-community flux2 chart. 2.14.1 ships
	// Flux v2.4, which serves every API version used here: GitRepository
	// and HelmRepository source.toolkit.fluxcd.io/v1, Kustomization
	// kustomize.toolkit.fluxcd.io/v1 and HelmRelease
	// helm.toolkit.fluxcd.io/v2 (GA since Flux 2.3). cluster.hcl has no
	// setting for it yet; bump it here.
	fluxChartVersion = "2.14.1"
	// fluxGitSecret is the deploy-key Secret an ssh:// GitRepository
	// authenticates with. The operator creates it once (see the comment in
	// the generated module); it is never generated.
	fluxGitSecret = "flux-system"

	// fluxAgeSecret is the sops-nix secret holding Flux's age private key:
	// the key `flux: age_key:` of the cluster sops file.
	fluxAgeSecret = "flux/age_key"
	// fluxAgeTemplate renders the Kubernetes Secret that holds that key.
	fluxAgeTemplate = "flux-sops-age.yaml"
	// sopsAgeSecretName is the Secret Flux's Kustomization decrypts with.
	sopsAgeSecretName = "sops-age"
	// sopsAgeSecretKey is where kustomize-controller looks for age keys in
	// that Secret: any key ending in .agekey.
	sopsAgeSecretKey = "age.agekey"
)

// Manifest file names in the auto-deploy directory. The hlcgen- prefix keeps
// them clear of the AddOns k3s packages itself (coredns, traefik, ...).
const (
	ciliumManifest   = "hlcgen-cilium.yaml"
	fluxManifest     = "hlcgen-flux.yaml"
	fluxSyncManifest = "hlcgen-flux-sync.yaml"
	rookManifest     = "hlcgen-rook-ceph-operator.yaml"
)

// renderBootstrap returns the NixOS module that control-plane nodes import.
//
// Manifests reach k3s as systemd-tmpfiles `L+` symlinks from the auto-deploy
// directory to files in the Nix store. That is exactly what nixpkgs'
// services.k3s.manifests does, but those options only exist in recent
// nixpkgs, while systemd.tmpfiles.rules works on every release (nixos-25.05
// included). Only manifests without secrets take this path: the store is
// world-readable. Flux's age key arrives through a sops-nix template, which
// is rendered under /run/secrets at activation and linked into the same
// directory.
func renderBootstrap(c *model.Cluster, l generator.Layout) generator.File {
	var rules []nix.Expr
	link := func(file string, object nix.Expr) {
		rules = append(rules, nix.Apply(nix.Var("link"), nix.String(file), object))
	}

	link(ciliumManifest, ciliumHelmChart(c))
	if c.Flux != nil {
		link(fluxManifest, list(
			nix.NewAttrs().
				Set("apiVersion", nix.String("v1")).
				Set("kind", nix.String("Namespace")).
				Set("metadata", meta(fluxNamespace, "")),
			fluxHelmChart()))
		link(fluxSyncManifest, fluxSync(c.Flux))
	}
	if c.Ceph != nil {
		link(rookManifest, rookOperator(c))
	}

	bindings := nix.NewAttrs().
		Set("manifestDir", nix.String(k3sManifestDir)).
		Comment("A tmpfiles rule linking a store file with the manifest into k3s's auto-deploy directory. JSON is YAML, and k3s reads either.").
		Set("link", nix.LambdaIdent("name", nix.LambdaIdent("object", nix.Interpolate(
			"L+ ", nix.Var("manifestDir"), "/", nix.Var("name"), " - - - - ",
			nix.Apply(nix.Select(nix.Var("pkgs"), "writeText"), nix.Var("name"),
				nix.Apply(nix.Select(nix.Var("builtins"), "toJSON"), nix.Var("object")))))))

	body := nix.NewAttrs().
		Comment("Pods cannot start without a CNI, so k3s itself installs Cilium (a bootstrap HelmChart runs on the host network) and, once pods run, Flux and what Flux needs first: its Git source and the Rook operator. Files that fail to apply (say, before Flux's CRDs exist) are retried by k3s every 15 seconds.").
		SetPath([]string{"systemd", "tmpfiles", "rules"}, nix.List(rules...))

	params := []string{"pkgs"}
	if c.Flux != nil {
		params = []string{"config", "pkgs"}
		fluxAgeKey(c, l, body)
	}
	return nixFile(BootstrapModulePath, module(nix.Let(bindings, body), params...))
}

// list wraps objects in a v1 List, which k3s's deploy controller expands,
// so that objects that become applicable together share one file.
func list(items ...nix.Expr) nix.Expr {
	return nix.NewAttrs().
		Set("apiVersion", nix.String("v1")).
		Set("kind", nix.String("List")).
		Set("items", nix.List(items...))
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

// ciliumHelmChart installs Cilium as the CNI.
func ciliumHelmChart(c *model.Cluster) nix.Expr {
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
		Set("kubeProxyReplacement", nix.Bool(c.Cilium.KubeProxyReplacement)).
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
			Set("enabled", nix.Bool(c.Cilium.Hubble)).
			SetPath([]string{"relay", "enabled"}, nix.Bool(c.Cilium.Hubble))).
		Set("operator", nix.NewAttrs().
			Set("replicas", nix.Int(operatorReplicas)).
			Set("tolerations", everywhere)).
		Set("tolerations", everywhere)

	return k3sHelmChart(model.CiliumRelease, nix.NewAttrs().
		Set("repo", nix.String(ciliumChartRepo)).
		Set("chart", nix.String("cilium")).
		Set("version", nix.String(c.Cilium.Version)).
		Set("targetNamespace", nix.String(model.CiliumNamespace)).
		Comment("Install with host networking and tolerating not-ready nodes: there is no pod network yet.").
		Set("bootstrap", nix.Bool(true)).
		Set("valuesContent", nix.Apply(nix.Select(nix.Var("builtins"), "toJSON"), values)))
}

// fluxHelmChart installs Flux's controllers and CRDs with the
// fluxcd-community chart.
func fluxHelmChart() nix.Expr {
	return k3sHelmChart(model.FluxRelease, nix.NewAttrs().
		Set("repo", nix.String(fluxChartRepo)).
		Set("chart", nix.String("flux2")).
		Set("version", nix.String(fluxChartVersion)).
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
	return list(
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
	if c.Flux == nil {
		return k3sHelmChart(model.RookRelease, nix.NewAttrs().
			Set("repo", nix.String(rookChartRepo)).
			Set("chart", nix.String(rookChart)).
			Set("version", nix.String(c.Ceph.RookVersion)).
			Set("targetNamespace", nix.String(rookNamespace)).
			Set("createNamespace", nix.Bool(true)))
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
	return list(repo, release)
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

	before, indent, after := sopsAgeSecretYAML()
	content := nix.Apply(nix.Select(nix.Var("builtins"), "concatStringsSep"), nix.String(""), nix.List(
		nix.MultilineString(before),
		nix.String(indent),
		nix.Select(nix.Var("config"), "sops", "placeholder", fluxAgeSecret),
		nix.String(after),
	))
	body.Comment("The Secret Flux decrypts sops files with, rendered at activation.").
		SetPath([]string{"sops", "templates", fluxAgeTemplate}, nix.NewAttrs().
			Set("content", content).
			Set("path", nix.String(k3sManifestDir+"/"+fluxAgeTemplate)).
			Set("owner", nix.String("root")).
			Set("mode", nix.String("0600")))
}

// sopsAgeSecretYAML returns the sops-age Secret as YAML split around the
// spot where sops-nix substitutes the key: the text before it (whole
// lines), the indentation of the key's line, and the text after it.
//
// The key sits in a literal block scalar (`|-`): a trailing newline in the
// stored value is stripped, and a multi-line value (a whole age key file
// with its comments) breaks the YAML loudly instead of being folded into
// one line that silently holds no identity, as it would in a quoted string.
func sopsAgeSecretYAML() (before, indent, after string) {
	const token = "HLCGEN-SOPS-PLACEHOLDER"
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	mapping := func(kv ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: kv} }
	value := str(token)
	value.Style = yaml.LiteralStyle
	doc := mapping(
		str("apiVersion"), str("v1"),
		str("kind"), str("Secret"),
		str("metadata"), mapping(
			str("name"), str(sopsAgeSecretName),
			str("namespace"), str(fluxNamespace)),
		str("type"), str("Opaque"),
		str("stringData"), mapping(str(sopsAgeSecretKey), value),
	)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	// Encoding constant nodes cannot fail, and the token is where the
	// encoder put it; the generator tests check the split.
	if err := enc.Encode(doc); err != nil {
		panic(err)
	}
	_ = enc.Close()
	head, after, _ := strings.Cut(buf.String(), token)
	nl := strings.LastIndex(head, "\n")
	return head[:nl+1], head[nl+1:], after
}
