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
