package specdiff_test

import (
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/specdiff"
	"github.com/hlcgen/hlcgen/validate"
)

// reference is the repository's own cluster.hcl, the contract of the spec
// language.
func reference(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit applies literal replacements, failing when one does not apply, so a
// change to the reference spec cannot silently turn a case into a no-op.
func edit(t *testing.T, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("edit: %q not found in the spec", pairs[i])
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

// cluster validates src (module paths unchecked) and returns its model.
func cluster(t *testing.T, src string) *model.Cluster {
	t.Helper()
	_, c, ds := validate.Load("cluster.hcl", []byte(src), nil)
	if ds.HasErrors() {
		for _, d := range ds.Errors() {
			t.Errorf("%s: %s: %s", d.Subject, d.Summary, d.Detail)
		}
		t.Fatal("spec is invalid")
	}
	return c
}

// lines prints changes one a line, those that follow from a change
// indented under it, and "[care]" after a change that needs care.
func lines(cs []specdiff.Change) string {
	var b strings.Builder
	var walk func([]specdiff.Change, string)
	walk = func(cs []specdiff.Change, indent string) {
		for _, c := range cs {
			b.WriteString(indent + c.String())
			if len(c.Care) > 0 {
				b.WriteString(" [care]")
			}
			b.WriteString("\n")
			walk(c.Follows, indent+"  ")
		}
	}
	walk(cs, "")
	return b.String()
}

func markdown(cs []specdiff.Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Markdown() + "\n")
	}
	return b.String()
}

// TestCompare: every kind of change a review cares about, in the
// documented order: nodes first, then the blocks in the spec's order.
func TestCompare(t *testing.T) {
	ref := reference(t)
	next := edit(t, ref,
		`address          = "10.10.10.11"`, `address          = "10.10.10.19"`,
		`api_vip     = "10.10.10.250"`, `api_vip     = "10.10.10.251"`,
		`api_port    = 8443 `, `api_port    = 9443 `,
		`version                = "1.16.5"`, `version                = "1.17.0"`,
		`hubble                 = true`, `hubble                 = false`,
		`rook_version = "v1.15.6"`, `rook_version = "v1.16.0"`,
		`version   = "8.5.1"`, `version   = "8.6.0"`,
		`size = "5Gi"`, `size = "10Gi"`,
		`labels           = { "topology.kubernetes.io/zone" = "rack-a" }`, `labels           = { "topology.kubernetes.io/zone" = "rack-c" }`,
		`groups           = ["control-plane", "rack-a"]`, `groups           = ["control-plane", "rack-b"]`,
		`interface        = "eno1"`, `interface        = "eno2"`,
		`interval     = "10m"`, `interval     = "5m"`,
		`  filesystem "shared" {`, "  block_pool \"fast\" {\n    storage_class = \"fast\"\n  }\n  filesystem \"shared\" {",
		`description = "Second shelf: UPS-backed, fans tuned for the closet"`, `description = "Second shelf"`,
	)
	// w2 goes; w3 and a user and a Helm release come.
	start := strings.Index(next, `node "w2" {`)
	end := strings.Index(next[start:], "\n}\n") + start + 3
	next = next[:start] + next[end:] + `
node "w3" {
  role      = "worker"
  address   = "10.10.10.23"
  interface = "eno1"
  age_key   = "age17wlka7flj37pe4jhwnafkmk3m2dkca7t4yfypddyjgahp8yfacvsepsz60"
  hardware  = "hardware/w3.nix"
}

user "alice" {
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINIo03EE2YVyKzHMYfKnYoJAcGNtmllWXnVgS34rsML5 alice"]
}

helm_release "loki" {
  namespace = "monitoring"
  repo      = "https://grafana.github.io/helm-charts"
  chart     = "loki"
  version   = "6.1.0"
}
`
	got := lines(specdiff.Compare(cluster(t, ref), cluster(t, next)))
	want := `node "cp1": address "10.10.10.11" → "10.10.10.19" [care]
  node "cp1": deploy_host "10.10.10.11" → "10.10.10.19"
node "cp1": groups added "rack-b"; removed "rack-a"
node "w1": interface "eno1" → "eno2"
node "w1": labels["topology.kubernetes.io/zone"] "rack-a" → "rack-c"
node "w2" removed: worker, 10.10.10.22 [care]
node "w3" added: worker, 10.10.10.23
network: api_vip "10.10.10.250" → "10.10.10.251" [care]
network: api_port 8443 → 9443 [care]
cilium: version "1.16.5" → "1.17.0"
cilium: hubble true → false
ceph: rook_version "v1.15.6" → "v1.16.0"
ceph block_pool "fast" added: storage class fast
flux: interval "10m" → "5m"
user "alice" added: 1 SSH key
helm_release "grafana": version "8.5.1" → "8.6.0"
helm_release "grafana": values.persistence.size "5Gi" → "10Gi"
helm_release "loki" added: chart loki, version 6.1.0, namespace monitoring
group "rack-b": description "Second shelf: UPS-backed, fans tuned for the closet" → "Second shelf"
`
	if got != want {
		t.Errorf("Compare:\n%s\nwant:\n%s", got, want)
	}
}

// TestCompareNoChange: what does not change the cluster is no change:
// comments, layout, block order, and a default written out.
func TestCompareNoChange(t *testing.T) {
	ref := reference(t)
	if cs := specdiff.Compare(cluster(t, ref), cluster(t, ref)); len(cs) != 0 {
		t.Errorf("same spec: %s", lines(cs))
	}
	// Move the cilium block to the end, drop comments, add a default.
	start := strings.Index(ref, "cilium {")
	end := strings.Index(ref[start:], "\n}\n") + start + 3
	moved := ref[:start] + ref[end:] + "\n" + ref[start:end]
	moved = edit(t, moved,
		"# Reference cluster spec", "# Another comment",
		`token_secret = "k3s/token"`, "token_secret = \"k3s/token\"\n  apiserver_port = 6443",
	)
	if cs := specdiff.Compare(cluster(t, ref), cluster(t, moved)); len(cs) != 0 {
		t.Errorf("reordered and reformatted spec: %s", lines(cs))
	}
}

// TestCompareNew: a spec that did not exist before is all added, and the
// order is still nodes first.
func TestCompareNew(t *testing.T) {
	got := lines(specdiff.Compare(nil, cluster(t, reference(t))))
	want := `node "backup" added: standalone, 10.10.10.30, aarch64-linux
node "cp1" added: control-plane, 10.10.10.11
node "cp2" added: control-plane, 10.10.10.12
node "cp3" added: control-plane, 10.10.10.13
node "w1" added: worker, 10.10.10.21
node "w2" added: worker, 10.10.10.22
cluster added: homelab
network added: subnet 10.10.10.0/24, API 10.10.10.250:8443
kubernetes added: k3s
cilium added: version 1.16.5
ceph added: Rook v1.15.6, image quay.io/ceph/ceph:v19.2.0
flux added: ssh://git@github.com/example/homelab.git, branch main
secrets added
deploy added
user "ops" added: admin, 1 SSH key
helm_release "grafana" added: chart grafana, version 8.5.1, namespace monitoring
group "rack-b" added: Second shelf: UPS-backed, fans tuned for the closet
`
	if got != want {
		t.Errorf("Compare(nil, ref):\n%s\nwant:\n%s", got, want)
	}
}

// TestCompareBootstrapMoves: renaming the first control-plane node moves
// etcd's bootstrap to the next one by name, which the summary must say,
// under the rename that caused it.
func TestCompareBootstrapMoves(t *testing.T) {
	ref := reference(t)
	// Rename cp1 to cp4: still three servers, but cp1 bootstrapped etcd.
	next := edit(t, ref, `node "cp1" {`, `node "cp4" {`, `hardware/cp1.nix`, `hardware/cp4.nix`)
	got := lines(specdiff.Compare(cluster(t, ref), cluster(t, next)))
	want := `node "cp1" renamed to "cp4": control-plane, 10.10.10.11 [care]
  node "cp4": hardware "hardware/cp1.nix" → "hardware/cp4.nix"
  kubernetes: bootstrap node (cluster_init) "cp1" → "cp2" [care]
`
	if got != want {
		t.Errorf("Compare:\n%s\nwant:\n%s", got, want)
	}
}

// TestCompareSettings: optional settings appearing and disappearing, a
// reordered list, optional blocks removed.
func TestCompareSettings(t *testing.T) {
	ref := reference(t)
	next := edit(t, ref,
		`interface        = "enp1s0"`, "interface        = \"enp1s0\"\n  mac = \"52:54:00:12:34:56\"",
		`nameservers = ["10.10.10.1", "9.9.9.9"]`, `nameservers = ["9.9.9.9", "10.10.10.1"]`,
		`labels           = { "topology.kubernetes.io/zone" = "rack-b" }`, ``,
		`  taints           = ["dedicated=storage:PreferNoSchedule"]`, ``,
	)
	got := lines(specdiff.Compare(cluster(t, ref), cluster(t, next)))
	want := `node "cp1": mac added: "52:54:00:12:34:56"
node "w2": labels["topology.kubernetes.io/zone"] removed (was "rack-b")
node "w2": taints removed "dedicated=storage:PreferNoSchedule"
network: nameservers ["10.10.10.1", "9.9.9.9"] → ["9.9.9.9", "10.10.10.1"]
`
	if got != want {
		t.Errorf("Compare:\n%s\nwant:\n%s", got, want)
	}
	back := lines(specdiff.Compare(cluster(t, next), cluster(t, ref)))
	if !strings.Contains(back, `node "cp1": mac removed (was "52:54:00:12:34:56")`) {
		t.Errorf("reverse Compare does not report the mac removed:\n%s", back)
	}
}

func TestMarkdown(t *testing.T) {
	cs := []specdiff.Change{
		{Kind: specdiff.Added, Block: "node", Name: "w3", About: []specdiff.Fact{{"", "worker"}, {"", "10.10.10.23"}}},
		{Block: "node", Name: "cp1", Setting: "address", Old: `"10.10.10.11"`, New: `"10.10.10.19"`},
		{Block: "node", Name: "cp1", Setting: "groups", Plus: []string{`"a"`}, Minus: []string{`"b"`}},
		{Kind: specdiff.Added, Block: "helm_release", Name: "x", Setting: "values.note", New: "\"use ``` here\""},
		{Kind: specdiff.Removed, Block: "group", Name: "g", About: []specdiff.Fact{{"", "`tick`"}}},
	}
	got := markdown(cs)
	want := "node `w3` added: `worker`, `10.10.10.23`\n" +
		"node `cp1`: `address` `\"10.10.10.11\"` → `\"10.10.10.19\"`\n" +
		"node `cp1`: `groups` added `\"a\"`; removed `\"b\"`\n" +
		"helm_release `x`: `values.note` added: ````\"use ``` here\"````\n" +
		"group `g` removed: `` `tick` ``\n"
	if got != want {
		t.Errorf("Markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestFence(t *testing.T) {
	for body, want := range map[string]string{
		"":               "```",
		"+a\n-b\n":       "```",
		"+```go\n ```\n": "````",
		"+x ````` y\n":   "``````",
		"-``\n":          "```",
	} {
		if got := specdiff.Fence(body); got != want {
			t.Errorf("Fence(%q) = %q, want %q", body, got, want)
		}
	}
}

// TestCompareEveryNodeSetting: the walk needs no list of settings. Changing
// any one field of a node is reported, under the field's name in
// cluster.hcl, and nothing else is.
func TestCompareEveryNodeSetting(t *testing.T) {
	typ := reflect.TypeOf(model.Node{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		attr, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		old := model.Node{Role: "worker", Address: netip.MustParseAddr("10.0.0.1")}
		next := old
		v := reflect.ValueOf(&next).Elem().Field(i)
		switch {
		case v.Type() == reflect.TypeFor[netip.Addr]():
			v.Set(reflect.ValueOf(netip.MustParseAddr("10.0.0.2")))
		case v.Kind() == reflect.String:
			v.SetString(v.String() + "x")
		case v.Kind() == reflect.Bool:
			v.SetBool(!v.Bool())
		case v.Kind() == reflect.Int:
			v.SetInt(v.Int() + 1)
		case v.Kind() == reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			if v.Elem().Kind() == reflect.Struct && v.Elem().NumField() > 0 {
				f := v.Elem().Field(0)
				switch f.Kind() {
				case reflect.Map:
					f.Set(reflect.MakeMap(f.Type()))
					f.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
				case reflect.Slice:
					f.Set(reflect.Append(reflect.MakeSlice(f.Type(), 0, 1), reflect.Zero(f.Type().Elem())))
				}
			}
		case v.Kind() == reflect.Slice:
			v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), reflect.Zero(v.Type().Elem())))
			if v.Type().Elem().Kind() == reflect.String {
				v.Set(reflect.ValueOf([]string{"x"}))
			}
		case v.Kind() == reflect.Map:
			v.Set(reflect.MakeMap(v.Type()))
			v.SetMapIndex(reflect.ValueOf("k"), reflect.Zero(v.Type().Elem()))
			if v.Type().Elem().Kind() == reflect.String {
				v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
			}
		default:
			t.Fatalf("model.Node.%s: type %s not covered by this test", f.Name, v.Type())
		}
		cs := specdiff.Compare(
			&model.Cluster{Nodes: map[string]model.Node{"n": old}},
			&model.Cluster{Nodes: map[string]model.Node{"n": next}})
		if len(cs) != 1 || cs[0].Block != "node" || cs[0].Name != "n" || !strings.HasPrefix(cs[0].Setting, attr) {
			t.Errorf("changing %s: got %q, want one change of node \"n\"'s %s", f.Name, lines(cs), attr)
		}
	}
}
