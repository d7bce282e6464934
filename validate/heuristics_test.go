package validate

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLiteralSecretReason(t *testing.T) {
	for _, tc := range []struct {
		value  string
		secret bool
	}{
		// Key names: short words, even when long in total.
		{"k3s/token", false},
		{"token", false},
		{"k3s_join_token", false},
		{"kubernetes_cluster_join_token_for_homelab", false},
		{"k3s_server_token_primary_cluster_2024", false},
		{"homelab-k3s-cluster-join-token-v2", false},
		{"cluster.k3s.join-token.production.main", false},
		{"kubernetes/k3s/cluster_join_token_2025", false},
		{"node01-node02-node03-node04-node05-node06", false},
		{"deadbeef", false}, // short hex: can't tell
		{"hunter2", false},  // short secrets pass, documented
		// k3s tokens.
		{"K10f00d::server:s3cr3t", true},
		{"a::b", true},
		{"K1078e7d7b1e4b4d6f7b1c1e5e6b2c8d9a0::server:abc", true},
		{"K10aaaaaaaaaaaaaaaaaaaaaa", true},
		// Hex of 32 characters and more.
		{"3f9a1c0e5b7d2f4a6c8e0b1d3f5a7c9e", true},
		{"k3s/3f9a1c0e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a0c1e3b5d7f9a", true},
		{"3F9A1C0E5B7D2F4A6C8E0B1D3F5A7C9E", true},
		// base64 and base64url.
		{"Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8", true},
		{"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5", true},
		{"X7k2Lq9Pz4Rt-8Vw1Ny6Bc3_Hj5Fm0Gd7S", true},
		{"secrets/X7k2Lq9Pz4Rt8Vw1Ny6Bc3Hj5Fm0Gd7S", true},
		// 31 characters is below the threshold.
		{"3f9a1c0e5b7d2f4a6c8e0b1d3f5a7c9", false},
	} {
		got := literalSecretReason(tc.value)
		if (got != "") != tc.secret {
			t.Errorf("literalSecretReason(%q) = %q, want secret=%v", tc.value, got, tc.secret)
		}
	}
}

func TestLabelKeyProblem(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"tier", true},
		{"topology.kubernetes.io/zone", true},
		{"example.com/My_Label.v2", true},
		{"a", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 253) + "/x", true},
		{"", false},
		{"my label", false},
		{"/name", false},
		{"example.com/", false},
		{"a/b/c", false},
		{"Example.com/x", false},
		{"example_com/x", false},
		{"-tier", false},
		{"tier-", false},
		{strings.Repeat("a", 64), false},
		{strings.Repeat("a", 254) + "/x", false},
	} {
		got := labelKeyProblem(tc.key)
		if (got == "") != tc.ok {
			t.Errorf("labelKeyProblem(%q) = %q, want ok=%v", tc.key, got, tc.ok)
		}
	}
}

func TestLabelValueProblem(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"", true},
		{"rack-a", true},
		{"A.b_c-1", true},
		{strings.Repeat("x", 63), true},
		{strings.Repeat("x", 64), false},
		{"fast ssd", false},
		{"-a", false},
		{"a.", false},
		{"a/b", false},
	} {
		got := labelValueProblem(tc.value)
		if (got == "") != tc.ok {
			t.Errorf("labelValueProblem(%q) = %q, want ok=%v", tc.value, got, tc.ok)
		}
	}
}

func TestRestrictedLabel(t *testing.T) {
	for _, tc := range []struct {
		key        string
		restricted bool
	}{
		// Not a Kubernetes prefix: the kubelet may set anything.
		{"tier", false},
		{"example.com/role", false},
		{"kubernetes.iox/a", false},
		{"notk8s.io.example.com/a", false},
		// The well-known labels.
		{"kubernetes.io/hostname", false},
		{"kubernetes.io/arch", false},
		{"kubernetes.io/os", false},
		{"beta.kubernetes.io/arch", false},
		{"beta.kubernetes.io/os", false},
		{"beta.kubernetes.io/instance-type", false},
		{"node.kubernetes.io/instance-type", false},
		{"failure-domain.beta.kubernetes.io/region", false},
		{"failure-domain.beta.kubernetes.io/zone", false},
		{"topology.kubernetes.io/region", false},
		{"topology.kubernetes.io/zone", false},
		// The allowed namespaces and their subdomains.
		{"kubelet.kubernetes.io/anything", false},
		{"node.kubernetes.io/disk", false},
		{"sub.kubelet.kubernetes.io/x", false},
		{"a.b.node.kubernetes.io/x", false},
		// Everything else under kubernetes.io and k8s.io.
		{"node-role.kubernetes.io/worker", true},
		{"node-role.kubernetes.io/control-plane", true},
		{"kubernetes.io/role", true},
		{"app.kubernetes.io/name", true},
		{"k8s.io/x", true},
		{"x.k8s.io/y", true},
		{"topology.kubernetes.io/rack", true},
		{"node-restriction.kubernetes.io/x", true},
		{"beta.kubernetes.io/fluentd", true},
		{"kubelet.k8s.io/x", true},
	} {
		if got := restrictedLabel(tc.key); got != tc.restricted {
			t.Errorf("restrictedLabel(%q) = %v, want %v", tc.key, got, tc.restricted)
		}
	}
}

func TestTaintProblem(t *testing.T) {
	for _, tc := range []struct {
		taint       string
		key, effect string // "" when invalid
	}{
		{"dedicated=storage:PreferNoSchedule", "dedicated", "PreferNoSchedule"},
		{"gpu:NoSchedule", "gpu", "NoSchedule"},
		{"gpu=:NoExecute", "gpu", "NoExecute"},
		{"node-role.kubernetes.io/control-plane:NoSchedule", "node-role.kubernetes.io/control-plane", "NoSchedule"},
		{"example.com/dedicated=db:NoSchedule", "example.com/dedicated", "NoSchedule"},
		{"dedicated=storage", "", ""},
		{"dedicated", "", ""},
		{"a=b:noschedule", "", ""},
		{"a=b:Never", "", ""},
		{"a=b=c:NoSchedule", "", ""},
		{"a:b:NoSchedule", "", ""},
		{":NoSchedule", "", ""},
		{"=v:NoSchedule", "", ""},
		{"my key=v:NoSchedule", "", ""},
		{"k=has space:NoSchedule", "", ""},
		{"k=" + strings.Repeat("v", 64) + ":NoSchedule", "", ""},
		{"", "", ""},
	} {
		p, key, effect := taintProblem(tc.taint)
		if key != tc.key || effect != tc.effect || (p == "") != (tc.key != "") {
			t.Errorf("taintProblem(%q) = %q, %q, %q; want key %q, effect %q", tc.taint, p, key, effect, tc.key, tc.effect)
		}
	}
}

func TestDevicePath(t *testing.T) {
	for _, tc := range []struct {
		dev      string
		ok       bool
		unstable bool
	}{
		{"/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64ANS0T100001", true, false},
		{"/dev/disk/by-path/pci-0000:01:00.0-nvme-1", true, false},
		{"/dev/mapper/vg-osd", true, false},
		{"/dev/sda", true, true},
		{"/dev/sdab", true, true},
		{"/dev/sdb1", true, true},
		{"/dev/vdb", true, true},
		{"/dev/hdc", true, true},
		{"/dev/xvdf", true, true},
		{"/dev/nvme0n1", true, true},
		{"/dev/nvme10n2p3", true, true},
		{"/dev/mmcblk0", true, true},
		{"/dev/mmcblk0p2", true, true},
		{"", false, false},
		{"sdb", false, false},
		{"dev/sdb", false, false},
		{"/dev/disk/by-id/../sdb", false, false},
		{"/dev//sdb", false, false},
		{"/dev/sdb/", false, false},
		{"/mnt/disk", false, false},
		{"/dev/disk/by-id/ata DISK", false, false},
		{"/dev/disk/by-id/ata\tDISK", false, false},
		{"/dev/disk/by-id/ata\x00", false, false},
		{"/dev/disk/by-id/x\u0085", false, false},
	} {
		p := devicePathProblem(tc.dev)
		if (p == "") != tc.ok {
			t.Errorf("devicePathProblem(%q) = %q, want ok=%v", tc.dev, p, tc.ok)
		}
		if tc.ok && kernelDeviceRE.MatchString(tc.dev) != tc.unstable {
			t.Errorf("kernel name %q: got %v, want %v", tc.dev, !tc.unstable, tc.unstable)
		}
	}
}

func TestDNSLabelAndSuggestion(t *testing.T) {
	for _, tc := range []struct {
		name, suggest string
		ok            bool
	}{
		{"cp1", "", true},
		{"a", "", true},
		{strings.Repeat("a", 63), "", true},
		{"CP1", "cp1", false},
		{"cp1.home.arpa", "cp1-home-arpa", false},
		{"my_node", "my-node", false},
		{"-cp1", "cp1", false},
		{"..", "", false},
		{"a/b", "a-b", false},
		{"", "", false},
		{strings.Repeat("a", 64), strings.Repeat("a", 63), false},
	} {
		p := dnsLabelProblem(tc.name)
		if (p == "") != tc.ok {
			t.Errorf("dnsLabelProblem(%q) = %q, want ok=%v", tc.name, p, tc.ok)
		}
		if !tc.ok {
			if got := suggestLabel(tc.name, dnsLabelRE); got != tc.suggest {
				t.Errorf("suggestLabel(%q) = %q, want %q", tc.name, got, tc.suggest)
			}
		}
	}
}

func TestTimeZone(t *testing.T) {
	for _, tc := range []struct {
		tz, spelling string
		ok           bool
	}{
		{"Europe/Berlin", "", true},
		{"UTC", "", true},
		{"Etc/GMT+5", "", true},
		{"America/Argentina/Buenos_Aires", "", true},
		{"America/Port-au-Prince", "", true},
		{"Local", "", false},
		{"europe/berlin", "Europe/Berlin", false},
		{"utc", "UTC", false},
		{"america/new_york", "America/New_York", false},
		{"Mars/Olympus", "", false},
		{"Europe/Berlin ", "", false},
		{"../etc/passwd", "", false},
		{"/usr/share/zoneinfo/UTC", "", false},
	} {
		p := timeZoneProblem(tc.tz)
		if (p == "") != tc.ok {
			t.Errorf("timeZoneProblem(%q) = %q, want ok=%v", tc.tz, p, tc.ok)
		}
		if !tc.ok {
			if got := zoneSpelling(tc.tz); got != tc.spelling {
				t.Errorf("zoneSpelling(%q) = %q, want %q", tc.tz, got, tc.spelling)
			}
		}
	}
}

func TestSSHKeyProblem(t *testing.T) {
	const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69"
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{ed, true},
		{ed + " ops@laptop", true},
		{"  " + ed + " ops@laptop  ", true},
		{`restrict,from="10.0.0.0/8" ` + ed, true},
		{`no-pty ` + ed, true},
		{"", false},
		{"   ", false},
		{"ssh-ed25519 AAAAnotakey ops@laptop", false},
		{"AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69", false},
		{ed + "\n" + ed, false},
		{ed + " a\r", false},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", false},
		{"bogus " + ed, false},
	} {
		p := sshKeyProblem(tc.key)
		if (p == "") != tc.ok {
			t.Errorf("sshKeyProblem(%q) = %q, want ok=%v", tc.key, p, tc.ok)
		}
	}
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		path       string
		relativeOK bool // flux.path, secrets
		moduleOK   bool
	}{
		{"hardware/cp1.nix", true, true},
		{"a.nix", true, true},
		{"modules/c++.nix", true, true},
		{".", true, false},
		{"./hardware/cp1.nix", false, false},
		{"hardware//cp1.nix", false, false},
		{"hardware/cp1.nix/", false, false},
		{"/etc/nixos/configuration.nix", false, false},
		{"../hardware/cp1.nix", false, false},
		{"hardware/../../cp1.nix", false, false},
		{"hardware\\cp1.nix", false, false},
		{"hardware/my module.nix", true, false},
		{"hardware/é.nix", true, false},
	} {
		if got := cleanRelativeProblem(tc.path); (got == "") != tc.relativeOK {
			t.Errorf("cleanRelativeProblem(%q) = %q, want ok=%v", tc.path, got, tc.relativeOK)
		}
		if got := modulePathProblem(tc.path); (got == "") != tc.moduleOK {
			t.Errorf("modulePathProblem(%q) = %q, want ok=%v", tc.path, got, tc.moduleOK)
		}
	}
}

func TestRepoURLProblem(t *testing.T) {
	git := []string{"https", "ssh"}
	helm := []string{"https", "oci"}
	for _, tc := range []struct {
		url     string
		schemes []string
		isGit   bool
		ok      bool
	}{
		{"ssh://git@github.com/example/homelab.git", git, true, true},
		{"https://github.com/example/homelab.git", git, true, true},
		{"ssh://git@gitea.lan:2222/me/homelab.git", git, true, true},
		{"git@github.com:example/homelab.git", git, true, false},
		{"http://github.com/example/homelab.git", git, true, false},
		{"https://github.com", git, true, false},
		{"ssh:///me/repo.git", git, true, false},
		{"", git, true, false},
		{"github.com/example/homelab", git, true, false},
		{"https://grafana.github.io/helm-charts", helm, false, true},
		{"https://charts.jetstack.io", helm, false, true},
		{"oci://ghcr.io/stefanprodan/charts", helm, false, true},
		{"oci://ghcr.io", helm, false, false},
		{"http://charts.example.org", helm, false, false},
		{"s3://bucket/charts", helm, false, false},
	} {
		p, _ := repoURLProblem(tc.url, tc.schemes, tc.isGit, "an example")
		if (p == "") != tc.ok {
			t.Errorf("repoURLProblem(%q) = %q, want ok=%v", tc.url, p, tc.ok)
		}
	}
}

// FuzzLoad: no spec, however broken, makes validation panic; every
// diagnostic points into cluster.hcl, at line 1 or later; a spec without
// errors has a model. The seeds are every case under testdata, which
// include the reference spec (valid/reference.txtar). render.FuzzRender
// goes on to render what validates.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.txtar"))
	for _, file := range files {
		sc := readCase(f, file)
		f.Add(sc.src)
	}
	repo := fstest.MapFS{"hardware/cp1.nix": &fstest.MapFile{Data: []byte("{ }")}}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, c, ds := Load("cluster.hcl", src, repo)
		for _, d := range ds {
			if s := d.Subject; s.Filename != "cluster.hcl" || s.Start.Line < 1 && !d.WholeFile() || s.End.Byte < s.Start.Byte || s.End.Byte > len(src) {
				t.Errorf("%s %s has no proper range: %+v", d.Code, d.Summary, s)
			}
		}
		if !ds.HasErrors() && c == nil {
			t.Errorf("no errors but no model")
		}
	})
}
