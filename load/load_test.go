package load

import (
	"reflect"
	"testing"

	"github.com/hlcgen/hlcgen/diag"
)

const sample = `cluster "homelab" {
  domain = "home.arpa"
}

node "cp1" {
  address          = "10.10.10.11"
  ceph_osd_devices = ["/dev/a", "/dev/b"]
  labels           = { "topology.kubernetes.io/zone" = "rack-a" }
}

ceph {
  replicas = 3
  block_pool "replicapool" {
    storage_class = "ceph-block"
  }
}

helm_release "grafana" {
  values = { a = null, b = [1, null, 2.5, true], c = { d = "x" } }
}
`

func TestDocumentShape(t *testing.T) {
	spec, ds := Parse("cluster.hcl", []byte(sample))
	if len(ds) != 0 {
		t.Fatalf("unexpected diagnostics: %v", ds)
	}
	want := map[string]any{
		"cluster": map[string]any{"name": "homelab", "domain": "home.arpa"},
		"nodes": map[string]any{"cp1": map[string]any{
			"address":          "10.10.10.11",
			"ceph_osd_devices": []any{"/dev/a", "/dev/b"},
			"labels":           map[string]any{"topology.kubernetes.io/zone": "rack-a"},
		}},
		"ceph": map[string]any{
			"replicas":    int64(3),
			"block_pools": map[string]any{"replicapool": map[string]any{"storage_class": "ceph-block"}},
		},
		"helm_releases": map[string]any{"grafana": map[string]any{
			// Nulls inside values survive: Helm uses them to delete
			// chart defaults.
			"values": map[string]any{"a": nil, "b": []any{int64(1), nil, 2.5, true}, "c": map[string]any{"d": "x"}},
		}},
	}
	if !reflect.DeepEqual(spec.Doc, want) {
		t.Errorf("document:\n got %#v\nwant %#v", spec.Doc, want)
	}
}

func TestSourceMapPointsInsideValues(t *testing.T) {
	spec, _ := Parse("cluster.hcl", []byte(sample))
	cases := []struct {
		path      []string
		line, col int
	}{
		{[]string{"nodes", "cp1", "address"}, 6, 22},
		{[]string{"nodes", "cp1", "ceph_osd_devices", "1"}, 7, 33},
		{[]string{"nodes", "cp1", "labels", "topology.kubernetes.io/zone"}, 8, 56},
		{[]string{"ceph", "block_pools", "replicapool", "storage_class"}, 14, 21},
		{[]string{"cluster", "name"}, 1, 9},
		// Not written: falls back to the enclosing block.
		{[]string{"nodes", "cp1", "age_key"}, 5, 1},
	}
	for _, c := range cases {
		r := spec.Source.Value(c.path...)
		if r.Start.Line != c.line || r.Start.Column != c.col {
			t.Errorf("%v: at %d:%d, want %d:%d", c.path, r.Start.Line, r.Start.Column, c.line, c.col)
		}
	}
	if r := spec.Source.Name("nodes", "cp1"); r.Start.Line != 5 || r.Start.Column != 6 {
		t.Errorf("node label at %d:%d, want 5:6", r.Start.Line, r.Start.Column)
	}
}

func TestStructureErrors(t *testing.T) {
	src := `cluster "a" "b" {}
network {}
network {}
nodes "x" {}
cilium = { version = "1" }
node "n" {
  role = var.x
}
`
	_, ds := Parse("cluster.hcl", []byte(src))
	ds.Sort()
	var got []string
	for _, d := range ds {
		got = append(got, d.Code)
	}
	want := []string{diag.BlockLabels.Code, diag.DuplicateBlock.Code, diag.UnknownBlock.Code, diag.NotAllowedValue.Code, diag.NotAllowedValue.Code}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("codes %v, want %v (%v)", got, want, ds)
	}
}

// TestSyntaxErrors: malformed HCL never panics, is never taken for a
// parsed document, and is reported as HLC001 at a position in the file.
func TestSyntaxErrors(t *testing.T) {
	for _, src := range []string{"{", "node \"x\" {", "a = ", "\x00", "node \"x\" { a = [1, }", `x = "${`} {
		spec, ds := Parse("cluster.hcl", []byte(src))
		if spec.Parsed {
			t.Errorf("%q: Parsed is true", src)
		}
		if len(ds) == 0 {
			t.Errorf("%q: no diagnostic", src)
		}
		for _, d := range ds {
			if d.Code != diag.Syntax.Code || d.Severity != diag.Error {
				t.Errorf("%q: %s %s, want error %s", src, d.Severity, d.Code, diag.Syntax.Code)
			}
			if d.Subject.Filename != "cluster.hcl" || d.Subject.Start.Line < 1 || d.Subject.Start.Byte > len(src) {
				t.Errorf("%q: diagnostic at %v, not in the file", src, d.Subject)
			}
		}
	}
	// An empty file is valid HCL: no syntax error (validation reports the
	// missing blocks).
	if spec, ds := Parse("cluster.hcl", nil); !spec.Parsed || len(ds) != 0 {
		t.Errorf("empty file: Parsed %v, diagnostics %v", spec.Parsed, ds)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"node", "network", "cluster", "helm_release"}
	for in, want := range map[string]string{"nodes": "node", "netwrok": "network", "helm_releases": "helm_release", "zzz": ""} {
		if got := Suggest(in, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOneErrorPerMistake: a mistake that throws HCL's parser off gives one
// error at the mistake, not one per line after it.
func TestOneErrorPerMistake(t *testing.T) {
	lines := "network {\n  gateway = \"10.10.10.1\n  subnet  = \"10.10.10.0/24\"\n  api_vip = \"10.10.10.250\"\n}\n\nnode \"cp1\" {\n  role = \"worker\"\n  interface = \"eth0\"\n}\n"
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i/13) // deterministic, mostly not UTF-8
	}
	for _, tc := range []struct {
		name, src, summary string
		line               int
	}{
		{"unterminated string", lines, "Unterminated string", 2},
		{"unterminated at the end", "a = \"abc", "Unterminated string", 1},
		{"binary", string(random), "Not a UTF-8 text file", 0},
		{"one Latin-1 byte", "cluster \"x\" {\n  domain = \"caf\xe9\"\n}\n", "Not a UTF-8 text file", 2},
		{"garbage in one block", "network {\n  a = = 1\n  b ! 2\n  c = = 3\n}\n", "Invalid expression", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, ds := Parse("cluster.hcl", []byte(tc.src))
			if spec.Parsed || len(ds) != 1 {
				t.Fatalf("Parsed %v, %d diagnostics, want 1: %v", spec.Parsed, len(ds), ds)
			}
			if d := ds[0]; d.Summary != tc.summary || d.Subject.Start.Line != tc.line || d.Code != diag.Syntax.Code {
				t.Errorf("got %s %q at line %d, want %q at line %d", d.Code, d.Summary, d.Subject.Start.Line, tc.summary, tc.line)
			}
		})
	}
	// Two mistakes in two blocks are both reported.
	_, ds := Parse("cluster.hcl", []byte("network {\n  a\n}\n\nkubernetes {\n  b\n}\n"))
	if len(ds) != 2 {
		t.Errorf("two blocks with a mistake each: %d diagnostics, want 2: %v", len(ds), ds)
	}
}

// TestLiteralsOnly: every expression that is not a literal is refused
// with HLC008 at its range, and where it needs nothing else to evaluate,
// its literal value is the fix. Literals of every kind pass.
func TestLiteralsOnly(t *testing.T) {
	for src, fix := range map[string]string{
		`a = 8000 + 443`:         "8443",
		`a = true ? 51 : 52`:     "51",
		`a = [for x in [1] : x]`: "[1]",
		`a = "home.${"arpa"}"`:   `"home.arpa"`,
		`a = "x${1}"`:            `"x1"`,
		`a = (51)`:               "51",
		`a = [1, (2)]`:           "[1, 2]",
		`a = { b = 1 + 1 }`:      "{\n  b = 2\n}",
		`a = max(1, 2)`:          "",
		`a = foo`:                "",
		`a = "${foo}"`:           "",
		`a = [1, 2][0]`:          "1",
		"a = <<EOT\n%{ if true }x%{ endif }\nEOT\n": `"x\n"`,
		`a = !true`: "false",
	} {
		spec, ds := Parse("cluster.hcl", []byte(src+"\n"))
		if len(ds) != 1 || ds[0].Code != diag.NotAllowedValue.Code {
			t.Errorf("%s: %v, want one %s", src, ds, diag.NotAllowedValue.Code)
			continue
		}
		if _, ok := spec.Doc["a"]; ok || !spec.Failed("a") || !spec.Source.Has("a") {
			t.Errorf("%s: the attribute is in the document, or not marked failed", src)
		}
		d := ds[0]
		switch {
		case fix == "" && d.Fix != nil:
			t.Errorf("%s: fix %q, want none", src, d.Fix.Text)
		case fix != "" && (d.Fix == nil || d.Fix.Text != fix):
			t.Errorf("%s: fix %+v, want %q", src, d.Fix, fix)
		}
	}
	for _, src := range []string{`a = -1`, `a = 1.5`, `a = null`, `a = "$${x} %%{y} $$${z} %%%{w}"`, `a = { "k" = [true, false], b = {} }`, "a = <<-EOT\n  two\n  lines $${x}\n  EOT\n"} {
		if _, ds := Parse("cluster.hcl", []byte(src+"\n")); len(ds) != 0 {
			t.Errorf("%s: %v, want no diagnostic", src, ds)
		}
	}
}
