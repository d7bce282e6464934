package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/internal/nixostest"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
)

// TestBootstrapEval evaluates every end-to-end case's bootstrap server in
// the NixOS module harness (real option types, the k3s module's manifest
// handling) and checks every manifest it hands k3s through
// services.k3s.manifests, and the sops-nix declarations.
func TestBootstrapEval(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	for _, tc := range cases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c := tc.Load(t)
			if len(c.ControlPlaneNodes()) == 0 {
				t.Skip("no server")
			}
			tree := tc.TreeWith(t, render(t, c))
			raw := nixostest.EvalHosts(t, tree, fmt.Sprintf(`config: {
				manifests = builtins.mapAttrs (_: m: { inherit (m) enable target content; }) config.services.k3s.manifests;
				links = builtins.attrNames (config.systemd.tmpfiles.settings."10-k3s" or { });
				secrets = builtins.mapAttrs (_: s: { sopsFile = toString s.sopsFile; inherit (s) key path; }) config.sops.secrets;
				templates = builtins.mapAttrs (_: t: { inherit (t) content path owner mode; }) config.sops.templates;
				placeholder = config.sops.placeholder.%q or "";
			}`, fluxAgeSecret))[c.BootstrapNode()]
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var res map[string]any
			if err := dec.Decode(&res); err != nil {
				t.Fatal(err)
			}
			checkManifests(t, c, manifestObjects(t, res))
			checkFluxAgeKey(t, c, tree, res)
		})
	}
}

// manifestObjects returns the objects of every manifest, by file name in
// k3s's auto-deploy directory; a list is one file of several objects, as
// the k3s module writes it.
func manifestObjects(t *testing.T, res map[string]any) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	links := map[string]bool{}
	for _, l := range elems(t, res, "links") {
		links[l.(string)] = true
	}
	for name, m := range get(t, res, "manifests").(map[string]any) {
		file := str(t, m, "target")
		if !boolean(t, m, "enable") || file != name+".yaml" {
			t.Errorf("manifest %s: %v", name, m)
		}
		if !links[k3sManifestDir+"/"+file] {
			t.Errorf("manifest %s is not linked into %s: links %v", name, k3sManifestDir, keys(links))
		}
		text, _ := json.Marshal(get(t, m, "content"))
		if strings.Contains(string(text), "SOPS") || strings.Contains(string(text), "AGE-SECRET-KEY") {
			t.Errorf("%s: a secret would land in the Nix store", file)
		}
		switch content := get(t, m, "content").(type) {
		case []any:
			for _, it := range content {
				out[file] = append(out[file], it.(map[string]any))
			}
		case map[string]any:
			out[file] = []map[string]any{content}
		}
	}
	return out
}

// find returns the one object of the given kind in a manifest.
func find(t *testing.T, objs []map[string]any, apiVersion, kind string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, o := range objs {
		if o["kind"] == kind {
			if found != nil {
				t.Fatalf("two %s objects", kind)
			}
			found = o
		}
	}
	if found == nil {
		t.Fatalf("no %s", kind)
	}
	if got := str(t, found, "apiVersion"); got != apiVersion {
		t.Errorf("%s apiVersion %q, want %q", kind, got, apiVersion)
	}
	return found
}

func checkManifests(t *testing.T, c *model.Cluster, m map[string][]map[string]any) {
	want := []string{ciliumManifest}
	if len(c.Cilium.LBPools) > 0 {
		want = append(want, ciliumLBIPAMManifest)
	}
	if c.Flux != nil {
		want = append(want, fluxManifest, fluxSyncManifest)
	}
	if c.Ceph != nil {
		want = append(want, rookManifest)
	}
	if len(m) != len(want) {
		t.Errorf("manifests %v, want %v", keys(m), want)
	}
	for i := range want {
		want[i] += ".yaml"
	}

	// Cilium, installed by k3s on the host network.
	hc := find(t, m[ciliumManifest+".yaml"], "helm.cattle.io/v1", "HelmChart")
	if str(t, hc, "metadata", "namespace") != "kube-system" || str(t, hc, "spec", "chart") != "cilium" ||
		str(t, hc, "spec", "repo") != ciliumChartRepo || str(t, hc, "spec", "version") != c.Cilium.Version ||
		!boolean(t, hc, "spec", "bootstrap") {
		t.Errorf("Cilium HelmChart: %v", hc)
	}
	dec := json.NewDecoder(strings.NewReader(str(t, hc, "spec", "valuesContent")))
	dec.UseNumber()
	var values map[string]any
	if err := dec.Decode(&values); err != nil {
		t.Fatalf("Cilium valuesContent: %v", err)
	}
	checkSchema(t, "cilium-values.schema.json", "Cilium's values", values)
	if boolean(t, values, "kubeProxyReplacement") != c.Cilium.KubeProxyReplacement {
		t.Error("kubeProxyReplacement does not follow cluster.hcl")
	}
	if str(t, values, "k8sServiceHost") != c.Network.APIVIP.String() || num(t, values, "k8sServicePort") != int64(c.Network.APIPort) {
		t.Error("Cilium does not reach the API through the VIP")
	}
	if str(t, values, "ipam", "mode") != "cluster-pool" {
		t.Error("ipam.mode")
	}
	cidrs := elems(t, values, "ipam", "operator", "clusterPoolIPv4PodCIDRList")
	if len(cidrs) != 1 || cidrs[0] != c.Kubernetes.ClusterCIDR.String() {
		t.Errorf("clusterPoolIPv4PodCIDRList = %v, want [%s]", cidrs, c.Kubernetes.ClusterCIDR)
	}
	if boolean(t, values, "hubble", "enabled") != c.Cilium.Hubble || boolean(t, values, "hubble", "relay", "enabled") != c.Cilium.Hubble {
		t.Error("hubble does not follow cluster.hcl")
	}
	wantReplicas := int64(2)
	if len(c.KubernetesNodes()) < 2 {
		wantReplicas = 1
	}
	if got := num(t, values, "operator", "replicas"); got != wantReplicas {
		t.Errorf("operator.replicas = %d with %d nodes, want %d", got, len(c.KubernetesNodes()), wantReplicas)
	}
	for _, p := range [][]string{{"tolerations"}, {"operator", "tolerations"}} {
		tol := elems(t, values, p...)
		if len(tol) != 1 || str(t, tol[0], "operator") != "Exists" || has(tol[0], "key") {
			t.Errorf("%s does not tolerate every taint: %v", strings.Join(p, "."), tol)
		}
	}

	if c.Flux != nil {
		ns := find(t, m[fluxManifest+".yaml"], "v1", "Namespace")
		if str(t, ns, "metadata", "name") != fluxNamespace {
			t.Error("flux namespace")
		}
		fc := find(t, m[fluxManifest+".yaml"], "helm.cattle.io/v1", "HelmChart")
		if str(t, fc, "spec", "chart") != "flux2" || str(t, fc, "spec", "repo") != fluxChartRepo ||
			str(t, fc, "spec", "version") != c.Flux.ChartVersion || str(t, fc, "spec", "targetNamespace") != fluxNamespace {
			t.Errorf("Flux HelmChart: %v", fc)
		}

		gr := find(t, m[fluxSyncManifest+".yaml"], "source.toolkit.fluxcd.io/v1", "GitRepository")
		if str(t, gr, "spec", "url") != c.Flux.URL || str(t, gr, "spec", "ref", "branch") != c.Flux.Branch ||
			str(t, gr, "spec", "interval") != c.Flux.Interval || str(t, gr, "metadata", "namespace") != fluxNamespace {
			t.Errorf("GitRepository: %v", gr)
		}
		if ssh := strings.HasPrefix(c.Flux.URL, "ssh://"); has(gr, "spec", "secretRef") != ssh ||
			ssh && str(t, gr, "spec", "secretRef", "name") != fluxGitSecret {
			t.Errorf("GitRepository secretRef for %s: %v", c.Flux.URL, gr)
		}
		ks := find(t, m[fluxSyncManifest+".yaml"], "kustomize.toolkit.fluxcd.io/v1", "Kustomization")
		if str(t, ks, "spec", "path") != "./"+c.Flux.Path || !boolean(t, ks, "spec", "prune") ||
			str(t, ks, "spec", "interval") != c.Flux.Interval ||
			str(t, ks, "spec", "sourceRef", "kind") != "GitRepository" ||
			str(t, ks, "spec", "sourceRef", "name") != str(t, gr, "metadata", "name") {
			t.Errorf("Kustomization: %v", ks)
		}
		if str(t, ks, "spec", "decryption", "provider") != "sops" || str(t, ks, "spec", "decryption", "secretRef", "name") != sopsAgeSecretName {
			t.Errorf("Kustomization decryption: %v", ks)
		}
	}

	if c.Ceph != nil {
		if c.Flux != nil {
			repo := find(t, m[rookManifest+".yaml"], "source.toolkit.fluxcd.io/v1", "HelmRepository")
			rel := find(t, m[rookManifest+".yaml"], "helm.toolkit.fluxcd.io/v2", "HelmRelease")
			if str(t, repo, "spec", "url") != rookChartRepo {
				t.Error("Rook HelmRepository url")
			}
			chart := get(t, rel, "spec", "chart", "spec")
			if str(t, chart, "chart") != "rook-ceph" || str(t, chart, "version") != c.Ceph.RookVersion ||
				str(t, chart, "sourceRef", "name") != str(t, repo, "metadata", "name") ||
				str(t, chart, "sourceRef", "namespace") != str(t, repo, "metadata", "namespace") {
				t.Errorf("Rook HelmRelease chart: %v", chart)
			}
			// The operator's namespace names the CSI drivers the
			// StorageClasses use.
			if str(t, rel, "spec", "targetNamespace") != rookNamespace || !boolean(t, rel, "spec", "install", "createNamespace") {
				t.Errorf("Rook HelmRelease: %v", rel)
			}
		} else {
			hc := find(t, m[rookManifest+".yaml"], "helm.cattle.io/v1", "HelmChart")
			if str(t, hc, "spec", "chart") != "rook-ceph" || str(t, hc, "spec", "version") != c.Ceph.RookVersion ||
				str(t, hc, "spec", "targetNamespace") != rookNamespace {
				t.Errorf("Rook HelmChart: %v", hc)
			}
		}
	}
}

func keys[V any](m map[string]V) []string { return model.SortedKeys(m) }

// checkFluxAgeKey checks the sops-nix secret and the template that renders
// the sops-age Secret, by substituting a key for the placeholder as sops-nix
// does at activation.
func checkFluxAgeKey(t *testing.T, c *model.Cluster, dir string, res map[string]any) {
	secrets := get(t, res, "secrets").(map[string]any)
	templates := get(t, res, "templates").(map[string]any)
	testPlaceholder := str(t, res, "placeholder")
	if c.Flux == nil {
		if secrets[fluxAgeSecret] != nil || templates[fluxAgeTemplate] != nil {
			t.Errorf("Flux's key without a flux block: %v %v", keys(secrets), keys(templates))
		}
		return
	}
	wantFile := filepath.Join(dir, filepath.FromSlash(c.Secrets.SopsFile))
	if got := str(t, secrets, fluxAgeSecret, "sopsFile"); got != wantFile {
		t.Errorf("sopsFile resolves to %s, want %s", got, wantFile)
	}
	tpl := get(t, templates, fluxAgeTemplate)
	if str(t, tpl, "path") != k3sManifestDir+"/flux-sops-age.yaml" || str(t, tpl, "mode") != "0600" || str(t, tpl, "owner") != "root" {
		t.Errorf("template %v", tpl)
	}
	content := str(t, tpl, "content")
	if strings.Count(content, testPlaceholder) != 1 {
		t.Fatalf("template content holds the placeholder %d times:\n%s", strings.Count(content, testPlaceholder), content)
	}
	const key = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
	for _, stored := range []string{key, key + "\n"} {
		rendered := strings.Replace(content, testPlaceholder, stored, 1)
		var s struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string
			Metadata   struct{ Name, Namespace string }
			StringData map[string]string `yaml:"stringData"`
		}
		var raw map[string]any
		if err := yaml.Unmarshal([]byte(rendered), &raw); err != nil {
			t.Fatalf("rendered Secret is not YAML: %v\n%s", err, rendered)
		}
		if err := yaml.Unmarshal([]byte(rendered), &s); err != nil {
			t.Fatal(err)
		}
		if s.APIVersion != "v1" || s.Kind != "Secret" || s.Metadata.Name != sopsAgeSecretName || s.Metadata.Namespace != fluxNamespace {
			t.Errorf("rendered Secret: %+v", s)
		}
		if s.StringData[sopsAgeSecretKey] != key {
			t.Errorf("stored %q renders as %q, want the key", stored, s.StringData[sopsAgeSecretKey])
		}
	}
	// A whole age key file (comments and key on several lines) must fail
	// loudly rather than fold into one line that holds no identity.
	multi := "# created: 2024-01-01T00:00:00Z\n# public key: age1xyz\n" + key
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(strings.Replace(content, testPlaceholder, multi, 1)), &raw); err == nil {
		if sd, _ := raw["stringData"].(map[string]any); sd != nil && sd[sopsAgeSecretKey] != multi {
			t.Errorf("a multi-line key renders silently as %q", sd[sopsAgeSecretKey])
		}
	}
}
