package nixos

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/validate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/<case>/golden")

// A case is a cluster.hcl and, in testdata/<case>/golden, the files Render
// must produce from it. The reference case's golden files are the
// repository's own committed outputs.
type testCase struct {
	name, spec string
}

var cases = []testCase{
	// The reference homelab at the repository root.
	{"reference", "../../cluster.hcl"},
	// One server, no Ceph, deploy-rs as root, interface named by MAC.
	{"single-node", "testdata/single-node/cluster.hcl"},
	// An aarch64 worker, nodes without OSD devices, apiservers moved off
	// 6443, an explicit cluster_init, extra flags, labels and modules.
	{"mixed", "testdata/mixed/cluster.hcl"},
}

func loadCase(t *testing.T, tc testCase) *model.Cluster {
	t.Helper()
	src, err := os.ReadFile(tc.spec)
	if err != nil {
		t.Fatal(err)
	}
	_, c, ds := validate.Load("cluster.hcl", src, nil)
	if ds.HasErrors() {
		t.Fatalf("%s does not validate: %v", tc.spec, ds)
	}
	return c
}

func render(t *testing.T, tc testCase) []generator.File {
	t.Helper()
	files, err := Render(loadCase(t, tc))
	if err != nil {
		t.Fatalf("Render(%s): %v", tc.spec, err)
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := render(t, tc)
			if tc.name == "reference" {
				testtool.MatchCommitted(t, "../..", files)
				return
			}
			dir := filepath.Join("testdata", tc.name, "golden")
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					p := filepath.Join(dir, filepath.FromSlash(f.Path))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, f.Content, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want := map[string][]byte{}
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				rel, _ := filepath.Rel(dir, p)
				want[filepath.ToSlash(rel)] = b
				return err
			})
			if err != nil {
				t.Fatalf("%v (run go test ./generator/nixos -update to create the golden files)", err)
			}
			for _, f := range files {
				w, ok := want[f.Path]
				if !ok {
					t.Errorf("%s: not in %s (run with -update if intended)", f.Path, dir)
					continue
				}
				delete(want, f.Path)
				if !bytes.Equal(w, f.Content) {
					t.Errorf("%s differs from the golden file (run with -update if intended):\n%s", f.Path, lineDiff(string(w), string(f.Content)))
				}
			}
			for p := range want {
				t.Errorf("%s: golden file no longer rendered", p)
			}
		})
	}
}

// lineDiff shows the first differing line, which is enough to find a
// formatting change.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

func TestDeterministic(t *testing.T) {
	for _, tc := range cases {
		first := render(t, tc)
		for i := 0; i < 5; i++ {
			again := render(t, tc)
			if len(again) != len(first) {
				t.Fatalf("%s: %d files, then %d", tc.name, len(first), len(again))
			}
			for j := range first {
				if first[j].Path != again[j].Path || !bytes.Equal(first[j].Content, again[j].Content) {
					t.Fatalf("%s: %s differs between runs", tc.name, first[j].Path)
				}
			}
		}
	}
}

func TestFilesAreSortedWithHeader(t *testing.T) {
	want := "# " + generator.Header + "\n"
	for _, tc := range cases {
		files := render(t, tc)
		for i, f := range files {
			if i > 0 && files[i-1].Path >= f.Path {
				t.Errorf("%s: %s listed after %s", tc.name, f.Path, files[i-1].Path)
			}
			if !strings.HasPrefix(string(f.Content), want) {
				t.Errorf("%s: %s does not start with the header line", tc.name, f.Path)
			}
			if strings.HasPrefix(f.Path, "/") || strings.Contains(f.Path, "..") || !strings.HasPrefix(f.Path, "generated/") {
				t.Errorf("%s: unexpected output path %s", tc.name, f.Path)
			}
		}
	}
}

// TestRenderRejects covers the inputs Render refuses rather than writing a
// configuration that would break: each mutation must fail with an error
// naming what is wrong.
func TestRenderRejects(t *testing.T) {
	reference := cases[0]
	for _, tt := range []struct {
		name   string
		mutate func(c *model.Cluster)
		want   string
	}{
		{"deploy-rs node name", func(c *model.Cluster) { rename(c, "cp2", "2cp") }, `node "2cp"`},
		{"host name with a dot", func(c *model.Cluster) { rename(c, "w1", "w1.lab") }, `node "w1.lab"`},
		{"flag with a space", func(c *model.Cluster) {
			c.Kubernetes.ExtraServerFlags = []string{"--kube-apiserver-arg=a b"}
		}, "--kube-apiserver-arg=a b"},
		{"flag with a systemd specifier", func(c *model.Cluster) {
			c.Kubernetes.ExtraAgentFlags = []string{"--kubelet-arg=x=%h"}
		}, "%h"},
		{"label value with a space", func(c *model.Cluster) {
			n := c.Nodes["w1"]
			n.Labels = map[string]string{"example.com/a": "b c"}
			c.Nodes["w1"] = n
		}, `node "w1"`},
		{"HAProxy on the apiserver port", func(c *model.Cluster) { c.Network.APIPort = c.Kubernetes.APIServerPort }, "api_port"},
		{"HAProxy on k3s's internal apiserver port", func(c *model.Cluster) { c.Network.APIPort = c.Kubernetes.APIServerPort + 1 }, "api_port"},
		{"module path Nix cannot write", func(c *model.Cluster) {
			n := c.Nodes["cp1"]
			n.Hardware = "hardware/cp 1.nix"
			c.Nodes["cp1"] = n
		}, "hardware/cp 1.nix"},
		{"module path outside the repository", func(c *model.Cluster) {
			c.Groups["rack-b"] = model.Group{Modules: []string{"../elsewhere.nix"}}
		}, "../elsewhere.nix"},
		{"workers without servers", func(c *model.Cluster) {
			for _, n := range c.ControlPlaneNodes() {
				delete(c.Nodes, n)
			}
		}, "no control-plane node"},
		{"NUL character", func(c *model.Cluster) { c.Cluster.TimeZone = "UTC\x00" }, "NUL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := loadCase(t, reference)
			tt.mutate(c)
			_, err := Render(c)
			if err == nil {
				t.Fatalf("Render accepted the cluster")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func rename(c *model.Cluster, from, to string) {
	c.Nodes[to] = c.Nodes[from]
	delete(c.Nodes, from)
}

func TestRelFrom(t *testing.T) {
	for _, tt := range []struct{ dir, target, want string }{
		{"generated/hosts/cp1", "hardware/cp1.nix", "../../../hardware/cp1.nix"},
		{"generated/hosts/cp1", "generated/modules/common.nix", "../../modules/common.nix"},
		{"generated/modules", "secrets/cluster.yaml", "../../secrets/cluster.yaml"},
		{"generated/modules", "generated/modules/x.nix", "x.nix"},
		{"generated/hosts/generated", "generated.nix", "../../../generated.nix"},
	} {
		if got := relFrom(tt.dir, tt.target); got != tt.want {
			t.Errorf("relFrom(%q, %q) = %q, want %q", tt.dir, tt.target, got, tt.want)
		}
	}
}
