package pipeline_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/writer"
)

// childEnv makes the test binary, run again by TestRenderInSeparateProcesses,
// render one spec into one directory and exit: HLCGEN_DETERMINISM_SPEC is
// the spec, HLCGEN_DETERMINISM_OUT the output directory.
const (
	childSpecEnv = "HLCGEN_DETERMINISM_SPEC"
	childOutEnv  = "HLCGEN_DETERMINISM_OUT"
)

// TestDeterminismChild is the child's side: the same pipeline as
// `hlcgen render` (pipeline.Spec, then the writer's plan and apply, manifest
// and .gitattributes included).
func TestDeterminismChild(t *testing.T) {
	specPath, out := os.Getenv(childSpecEnv), os.Getenv(childOutEnv)
	if specPath == "" || out == "" {
		t.Skip("run by TestRenderInSeparateProcesses")
	}
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Spec("cluster.hcl", src, nil)
	if err != nil || res.Diags.HasErrors() {
		t.Fatalf("render: %v %v", err, res.Diags)
	}
	plan, err := writer.NewPlan(out, res.Files, writer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(); err != nil {
		t.Fatal(err)
	}
}

// TestRenderInSeparateProcesses renders the same specs in two processes
// with different GOMAXPROCS, a reordered environment with more variables
// in it (locale, time zone, home), and different output directories, and
// wants identical bytes in every file: nothing may depend on map order,
// scheduling, the environment or where the output goes.
func TestRenderInSeparateProcesses(t *testing.T) {
	if os.Getenv(childSpecEnv) != "" {
		t.Skip("in a child")
	}
	specs := map[string][]byte{"reference": mustRead(t, referenceSpec), "hostile": hostileSpec(t).hcl(t)}
	for name, src := range specs {
		t.Run(name, func(t *testing.T) {
			specPath := filepath.Join(t.TempDir(), "cluster.hcl")
			if err := os.WriteFile(specPath, src, 0o644); err != nil {
				t.Fatal(err)
			}
			base := os.Environ()
			reordered := slices.Clone(base)
			slices.Reverse(reordered)
			reordered = append(reordered, "LANG=tr_TR.UTF-8", "LC_ALL=tr_TR.UTF-8", "TZ=Pacific/Kiritimati",
				"HOME="+t.TempDir(), "HLCGEN_UNRELATED=1")
			var trees []map[string][]byte
			for _, run := range []struct {
				procs string
				env   []string
			}{{"1", base}, {"4", reordered}} {
				out := filepath.Join(t.TempDir(), "out-gomaxprocs-"+run.procs)
				cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismChild$", "-test.count=1")
				cmd.Env = append(slices.Clone(run.env), "GOMAXPROCS="+run.procs, childSpecEnv+"="+specPath, childOutEnv+"="+out)
				if b, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(b, []byte("PASS")) {
					t.Fatalf("child (GOMAXPROCS=%s): %v\n%s", run.procs, err, b)
				}
				trees = append(trees, readTree(t, out))
			}
			if len(trees[0]) < 10 {
				t.Fatalf("only %d files rendered", len(trees[0]))
			}
			compareTrees(t, trees[0], trees[1])
		})
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTree reads every file under dir, by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func compareTrees(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	for _, p := range sortedKeys(a) {
		if _, ok := b[p]; !ok {
			t.Errorf("%s only in the first tree", p)
		} else if !bytes.Equal(a[p], b[p]) {
			t.Errorf("%s differs", p)
		}
	}
	for _, p := range sortedKeys(b) {
		if _, ok := a[p]; !ok {
			t.Errorf("%s only in the second tree", p)
		}
	}
}

// shuffleSpec rewrites src with its blocks (top-level and nested) and the
// attributes of every body in a random order. Values, labels and list
// order are kept; comments are dropped.
func shuffleSpec(t *testing.T, src []byte, rng *rand.Rand) []byte {
	t.Helper()
	f, diags := hclwrite.ParseConfig(src, "cluster.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := hclwrite.NewEmptyFile()
	shuffleBody(f.Body(), out.Body(), rng)
	return out.Bytes()
}

func shuffleBody(from, to *hclwrite.Body, rng *rand.Rand) {
	type item struct {
		attr  string
		block *hclwrite.Block
	}
	var items []item
	for name := range from.Attributes() {
		items = append(items, item{attr: name})
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.attr, b.attr) })
	for _, b := range from.Blocks() {
		items = append(items, item{block: b})
	}
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	for _, it := range items {
		if it.block == nil {
			to.SetAttributeRaw(it.attr, from.GetAttribute(it.attr).Expr().BuildTokens(nil))
			continue
		}
		nb := to.AppendNewBlock(it.block.Type(), it.block.Labels())
		shuffleBody(it.block.Body(), nb.Body(), rng)
	}
}

// renderFiles validates and renders src, which must be valid.
func renderFiles(t *testing.T, src []byte) ([]generator.File, *pipeline.Result) {
	t.Helper()
	res, err := pipeline.Spec("cluster.hcl", src, nil)
	if err != nil || res.Diags.HasErrors() {
		t.Fatalf("render: %v %v\n%s", err, res.Diags.Errors(), src)
	}
	return res.Files, res
}

func filesMap(files []generator.File) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range files {
		m[f.Path] = f.Content
	}
	return m
}

// TestBlockAndAttributeOrder: the order of blocks (nodes, users, Helm
// releases, groups, pools, ...) and of attributes in cluster.hcl changes
// no output, and in particular never which server bootstraps etcd.
func TestBlockAndAttributeOrder(t *testing.T) {
	ref := mustRead(t, referenceSpec)
	explicit := bytes.Replace(ref, []byte("hardware         = \"hardware/cp3.nix\"\n"),
		[]byte("hardware         = \"hardware/cp3.nix\"\n  cluster_init     = true\n"), 1)
	for _, tc := range []struct {
		name, bootstrap string
		src             []byte
	}{
		{"reference", "cp1", ref},
		{"cluster_init on cp3", "cp3", explicit},
		{"hostile", "else", hostileSpec(t).hcl(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, res := renderFiles(t, tc.src)
			want := filesMap(files)
			if got := res.Cluster.BootstrapNode(); got != tc.bootstrap {
				t.Fatalf("bootstrap node %q, want %q", got, tc.bootstrap)
			}
			checkBootstrap(t, want, tc.bootstrap)
			rng := rand.New(rand.NewPCG(1, uint64(len(tc.src))))
			for i := range 8 {
				shuffled := shuffleSpec(t, tc.src, rng)
				files, res := renderFiles(t, shuffled)
				if got := res.Cluster.BootstrapNode(); got != tc.bootstrap {
					t.Errorf("shuffle %d: bootstrap node %q, want %q", i, got, tc.bootstrap)
				}
				got := filesMap(files)
				checkBootstrap(t, got, tc.bootstrap)
				for _, p := range sortedKeys(want) {
					if !bytes.Equal(want[p], got[p]) {
						t.Errorf("shuffle %d: %s changed", i, p)
					}
				}
				if len(got) != len(want) {
					t.Errorf("shuffle %d: %d files, want %d", i, len(got), len(want))
				}
			}
		})
	}
}

// checkBootstrap: exactly the bootstrap server sets clusterInit, and the
// inventory names it.
func checkBootstrap(t *testing.T, files map[string][]byte, node string) {
	t.Helper()
	for p, b := range files {
		host, ok := strings.CutPrefix(p, "generated/hosts/")
		if !ok {
			continue
		}
		host = strings.TrimSuffix(host, "/default.nix")
		if init := bytes.Contains(b, []byte("services.k3s.clusterInit = true;")); init != (host == node) {
			t.Errorf("%s: clusterInit %v", p, init)
		}
	}
	if !bytes.Contains(files["generated/config/default.nix"], []byte(fmt.Sprintf("bootstrapNode = %q;", node))) {
		t.Errorf("the inventory does not name %s the bootstrap node", node)
	}
}

// listOrder is what reversing one list of cluster.hcl changes in the
// output. README's "Determinism" section documents this table.
var listOrder = []struct {
	what     string
	from, to string
	changes  []string // output files that change (sorted); none: order is not significant
}{
	{"network.nameservers", `nameservers = ["10.10.10.1", "9.9.9.9"]`, `nameservers = ["9.9.9.9", "10.10.10.1"]`,
		[]string{"generated/config/default.nix", "generated/hosts/*"}},
	{"user ssh_keys", `ssh_keys = [K1, K2]`, `ssh_keys = [K2, K1]`,
		[]string{"generated/config/default.nix", "generated/modules/common.nix"}},
	{"node ceph_osd_devices", `ceph_osd_devices = [D1, D2]`, `ceph_osd_devices = [D2, D1]`,
		[]string{"generated/config/default.nix", "kubernetes/kubenix/rook-ceph.nix"}},
	{"node taints", `taints = ["a=b:NoSchedule", "c=d:PreferNoSchedule"]`, `taints = ["c=d:PreferNoSchedule", "a=b:NoSchedule"]`,
		[]string{"generated/config/default.nix", "generated/hosts/w2/default.nix", "kubernetes/kubenix/rook-ceph.nix"}},
	// The host imports group modules in the node's group order too; here
	// only rack-b has modules, so only the inventory changes.
	{"node groups", `groups           = ["workers", "rack-b"]`, `groups           = ["rack-b", "workers"]`,
		[]string{"generated/config/default.nix"}},
	{"node extra_modules", `extra_modules = ["custom/a.nix", "custom/b.nix"]`, `extra_modules = ["custom/b.nix", "custom/a.nix"]`,
		[]string{"generated/hosts/w2/default.nix"}},
	{"cluster extra_modules", `extra_modules = ["custom/c.nix", "custom/d.nix"]`, `extra_modules = ["custom/d.nix", "custom/c.nix"]`,
		[]string{"generated/hosts/*"}},
	{"group modules", `modules     = ["custom/rack-b-power.nix", "custom/e.nix"]`, `modules     = ["custom/e.nix", "custom/rack-b-power.nix"]`,
		[]string{"generated/hosts/cp3/default.nix", "generated/hosts/w2/default.nix"}},
	{"kubernetes.disable", `disable = ["traefik", "servicelb", "local-storage"]`, `disable = ["local-storage", "servicelb", "traefik"]`,
		[]string{"generated/config/default.nix", "generated/modules/k8s-control-plane.nix"}},
	{"kubernetes.extra_server_flags", `extra_server_flags = ["--kube-apiserver-arg=a=1", "--kube-apiserver-arg=b=2"]`, `extra_server_flags = ["--kube-apiserver-arg=b=2", "--kube-apiserver-arg=a=1"]`,
		[]string{"generated/modules/k8s-control-plane.nix"}},
	{"kubernetes.extra_agent_flags", `extra_agent_flags = ["--kubelet-arg=c=1", "--kubelet-arg=d=2"]`, `extra_agent_flags = ["--kubelet-arg=d=2", "--kubelet-arg=c=1"]`,
		[]string{"generated/modules/k8s-worker.nix"}},
	{"deploy.ssh_opts", `ssh_opts = ["-p", "22"]`, `ssh_opts = ["22", "-p"]`,
		[]string{"generated/default.nix"}},
	{"Helm values lists", `list = [1, 2]`, `list = [2, 1]`,
		[]string{"kubernetes/kubenix/apps.nix"}},
	{"secrets.admin_age_keys", `admin_age_keys = [A1, A2]`, `admin_age_keys = [A2, A1]`, nil},
	{"node labels (a map)", `labels = { a = "1", b = "2" }`, `labels = { b = "2", a = "1" }`, nil},
	{"Helm values keys (a map)", `m = { x = 1, y = 2 }`, `m = { y = 2, x = 1 }`, nil},
}

// listSpec is the reference spec with two elements in every list the
// table reverses, written with placeholders (K1, K2 for SSH keys, A1, A2
// for age keys, D1, D2 for devices) that TestListOrder fills in.
func listSpec(t *testing.T) string {
	s := string(mustRead(t, referenceSpec))
	k1 := `"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ops@laptop"`
	a1 := `"age1r76t5y208z9qxdtl79d5xm0fj2yh0uf2ufajgs5yc65glr0pxqrsmnp82k"`
	d1 := `"/dev/disk/by-id/ata-WDC_WD40EFRX_WD-WCC7K0000002"`
	for _, r := range [][2]string{
		{`ssh_keys = [` + k1 + `]`, `ssh_keys = [K1, K2]`},
		{`admin_age_keys = [` + a1 + `]`, `admin_age_keys = [A1, A2]`},
		{`ceph_osd_devices = [` + d1 + `]`, `ceph_osd_devices = [D1, D2]`},
		{`taints           = ["dedicated=storage:PreferNoSchedule"]`, `taints = ["a=b:NoSchedule", "c=d:PreferNoSchedule"]
  extra_modules = ["custom/a.nix", "custom/b.nix"]`},
		{`labels           = { "topology.kubernetes.io/zone" = "rack-b" }`, `labels = { a = "1", b = "2" }`},
		{`state_version = "25.05" # NixOS system.stateVersion`, `state_version = "25.05"
  extra_modules = ["custom/c.nix", "custom/d.nix"]`},
		{`modules     = ["custom/rack-b-power.nix"]`, `modules     = ["custom/rack-b-power.nix", "custom/e.nix"]`},
		{`token_secret = "k3s/token" # key in the cluster sops file, never a literal token`, `token_secret = "k3s/token"
  extra_server_flags = ["--kube-apiserver-arg=a=1", "--kube-apiserver-arg=b=2"]
  extra_agent_flags = ["--kubelet-arg=c=1", "--kubelet-arg=d=2"]`},
		{`auto_rollback  = true`, `auto_rollback  = true
  ssh_opts = ["-p", "22"]`},
		{`persistence = { enabled = true, storageClassName = "ceph-block", size = "5Gi" }`, `persistence = { enabled = true, storageClassName = "ceph-block", size = "5Gi" }
    list = [1, 2]
    m = { x = 1, y = 2 }`},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("the reference spec has no %s", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return s
}

// TestListOrder: list order inside an attribute is kept (it is the
// user's), and reversing a list changes exactly the files listOrder says.
func TestListOrder(t *testing.T) {
	base := listSpec(t)
	fill := strings.NewReplacer(
		"K1", `"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ops@laptop"`,
		"K2", `"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ops@desktop"`,
		"A1", fmt.Sprintf("%q", adminAgeKey),
		"A2", fmt.Sprintf("%q", newAgeKey(t)),
		"D1", `"/dev/disk/by-id/ata-WDC_WD40EFRX_WD-WCC7K0000002"`,
		"D2", `"/dev/disk/by-id/ata-WDC_WD40EFRX_WD-WCC7K0000003"`,
	).Replace
	want := filesMap(mustFiles(t, fill(base)))
	for _, tc := range listOrder {
		t.Run(tc.what, func(t *testing.T) {
			if !strings.Contains(base, tc.from) {
				t.Fatalf("the list spec has no %s", tc.from)
			}
			got := filesMap(mustFiles(t, fill(strings.Replace(base, tc.from, tc.to, 1))))
			var changed []string
			for _, p := range sortedKeys(want) {
				if !bytes.Equal(want[p], got[p]) {
					changed = append(changed, p)
				}
			}
			if !matchFiles(changed, tc.changes) {
				t.Errorf("reversing %s changed %v, want %v", tc.what, changed, tc.changes)
			}
		})
	}
}

func mustFiles(t *testing.T, src string) []generator.File {
	t.Helper()
	files, _ := renderFiles(t, []byte(src))
	return files
}

// matchFiles compares changed paths with patterns, where "dir/*" stands
// for at least one file under dir.
func matchFiles(changed, patterns []string) bool {
	used := make([]bool, len(patterns))
	for _, c := range changed {
		ok := false
		for i, p := range patterns {
			if dir, glob := strings.CutSuffix(p, "*"); glob && strings.HasPrefix(c, dir) || c == p {
				ok, used[i] = true, true
			}
		}
		if !ok {
			return false
		}
	}
	return !slices.Contains(used, false)
}
