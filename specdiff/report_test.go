package specdiff_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/internal/mermaidcheck"
	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/specdiff"
)

// side renders a spec.
func side(t *testing.T, src string) specdiff.Side {
	t.Helper()
	c := cluster(t, src)
	files, err := pipeline.Files(c)
	if err != nil {
		t.Fatal(err)
	}
	return specdiff.Side{Cluster: c, Files: files}
}

// TestReportCauses: with several changes, each lists the files it alters
// alone: the address moves cp1's host and its peers' keepalived and
// HAProxy settings, the new worker adds its host and its .sops.yaml rule,
// the chart version only the kubenix apps.
func TestReportCauses(t *testing.T) {
	ref := reference(t)
	next := edit(t, ref,
		`address          = "10.10.10.11"`, `address          = "10.10.10.19"`,
		`version   = "8.5.1"`, `version   = "8.6.0"`,
	) + `
node "w3" {
  role      = "worker"
  address   = "10.10.10.23"
  interface = "eno1"
  age_key   = "age17wlka7flj37pe4jhwnafkmk3m2dkca7t4yfypddyjgahp8yfacvsepsz60"
  hardware  = "hardware/w3.nix"
}
`
	r := &specdiff.Report{Spec: "cluster.hcl", Rev: "HEAD"}
	r.Compare(side(t, ref), side(t, next), pipeline.Files)
	got := map[string]string{}
	for _, c := range r.Changes {
		got[c.String()] = strings.Join(c.Files, " ")
	}
	want := map[string]string{
		`node "cp1": address "10.10.10.11" → "10.10.10.19"`: "generated/config/default.nix generated/default.nix generated/hosts/cp1/default.nix generated/hosts/cp2/default.nix generated/hosts/cp3/default.nix generated/modules/k8s-control-plane.nix",
		`node "w3" added: worker, 10.10.10.23`:              ".sops.yaml generated/config/default.nix generated/default.nix generated/hosts/w3/default.nix",
		`helm_release "grafana": version "8.5.1" → "8.6.0"`: "kubernetes/kubenix/apps.nix",
	}
	for c, files := range want {
		if got[c] != files {
			t.Errorf("%s: files %q, want %q", c, got[c], files)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes: %v", got)
	}
	// The comment is the same bytes every time.
	var first, again bytes.Buffer
	if err := r.WriteMarkdown(&first); err != nil {
		t.Fatal(err)
	}
	r2 := &specdiff.Report{Spec: "cluster.hcl", Rev: "HEAD"}
	r2.Compare(side(t, ref), side(t, next), pipeline.Files)
	if err := r2.WriteMarkdown(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), again.Bytes()) {
		t.Error("two reports of the same change differ")
	}
}

// TestReportRenameAndNewServer: the .sops.yaml rule of a renamed node is
// under the rename; the HAProxy backends and keepalived peers of a new
// server are under the server.
func TestReportRenameAndNewServer(t *testing.T) {
	ref := reference(t)
	renamed := edit(t, ref, `node "w1" {`, `node "w9" {`)
	r := &specdiff.Report{Spec: "cluster.hcl", Rev: "HEAD"}
	r.Compare(side(t, ref), side(t, renamed), pipeline.Files)
	if len(r.Changes) != 1 || r.Changes[0].Kind != specdiff.Renamed || !contains(r.Changes[0].Files, ".sops.yaml") {
		t.Errorf("rename: %s", lines(r.Changes))
	}
	fifth := ref
	for _, n := range []string{"4", "5"} {
		fifth += `
node "cp` + n + `" {
  role      = "control-plane"
  address   = "10.10.10.1` + n + `"
  interface = "enp1s0"
  age_key   = "` + specgen.Recipient("cp"+n) + `"
  hardware  = "hardware/cp` + n + `.nix"
}
`
	}
	r = &specdiff.Report{Spec: "cluster.hcl", Rev: "HEAD"}
	r.Compare(side(t, ref), side(t, fifth), pipeline.Files)
	var server *specdiff.Change
	for i, c := range r.Changes {
		if c.Name == "cp4" {
			server = &r.Changes[i]
		}
	}
	if server == nil || !contains(server.Files, "generated/modules/k8s-control-plane.nix") || !contains(server.Files, "generated/hosts/cp1/default.nix") {
		t.Fatalf("new server: %s", lines(r.Changes))
	}
	// Two servers came: the count is on its own, after the nodes, and 5
	// is fine.
	if got := lines(r.Changes); !strings.Contains(got, "\nkubernetes: control-plane nodes 3 → 5\n") {
		t.Errorf("new servers: %s", got)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestMarkdownBounded: however many changes and files, the comment is at
// most MaxComment bytes; it keeps the summary and the changes that need
// care, cuts the rest with what was left out, shows the largest diffs
// last, and its picture is well formed.
func TestMarkdownBounded(t *testing.T) {
	ref := reference(t)
	old, new := side(t, ref), side(t, edit(t, ref, `api_vip     = "10.10.10.250"`, `api_vip     = "10.10.10.251"`))
	for _, tc := range []struct {
		name         string
		files, lines int
		safe         int
	}{
		{"few", 3, 5, 2},
		{"many files", 3000, 40, 10},
		{"huge files", 20, 5000, 0},
		{"many changes", 100, 10, 3000},
	} {
		r := &specdiff.Report{Spec: "cluster.hcl", Rev: "origin/main"}
		r.Compare(old, new, nil)
		for i := 0; i < tc.safe; i++ {
			r.Changes = append(r.Changes, specdiff.Change{Block: "helm_release", Name: fmt.Sprintf("app-%d", i), Setting: "version", Old: `"1.0.0"`, New: `"1.0.1"`})
		}
		r.Files = nil
		for i := 0; i < tc.files; i++ {
			var o, n strings.Builder
			for l := 0; l < tc.lines*(1+i%7); l++ {
				fmt.Fprintf(&o, "line %d of file %d\n", l, i)
				fmt.Fprintf(&n, "line %d of file %d, changed\n", l, i)
			}
			r.Files = append(r.Files, specdiff.FileChange{Path: fmt.Sprintf("generated/hosts/w%d/default.nix", i), Old: []byte(o.String()), New: []byte(n.String())})
		}
		var b bytes.Buffer
		if err := r.WriteMarkdown(&b); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		md := b.String()
		if b.Len() > specdiff.MaxComment {
			t.Errorf("%s: %d bytes", tc.name, b.Len())
		}
		if !strings.HasPrefix(md, "### hlcgen: changes to `cluster.hcl` since `origin/main`\n\n**1 change needs care**") ||
			!strings.Contains(md, "\n#### Needs care (1)\n\n- network: `api_vip` `\"10.10.10.250\"` → `\"10.10.10.251\"` \\\n  **Why:** Every agent") {
			t.Errorf("%s: the summary or the change that needs care is missing:\n%.2000s", tc.name, md)
		}
		blocks, err := mermaidcheck.Blocks(md)
		if err != nil || len(blocks) != 1 {
			t.Errorf("%s: mermaid blocks %d, %v", tc.name, len(blocks), err)
		} else if err := mermaidcheck.Check(blocks[0]); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		cut := strings.Contains(md, "**Left out** to keep this comment within GitHub's 65,536 characters: the diffs of ")
		if want := tc.files*tc.lines > 1000 || tc.safe > 1000; cut != want {
			t.Errorf("%s: diffs cut %v, want %v", tc.name, cut, want)
		}
		if cut && !strings.Contains(md, "`hlcgen diff --base origin/main` shows them all.") {
			t.Errorf("%s: the cut does not name the command", tc.name)
		}
		if tc.safe > 1000 && !strings.Contains(md, "more changes that are safe, left out") {
			t.Errorf("%s: the safe changes are not cut", tc.name)
		}
		// Largest last: the sizes of the diffs shown never go down.
		prev := 0
		for _, d := range strings.Split(md, "<details>")[1:] {
			if len(d) < prev {
				t.Errorf("%s: a smaller diff after a larger one", tc.name)
				break
			}
			prev = len(d)
		}
	}
}

// TestTextNotCut: the text report keeps every file and its whole diff.
func TestTextNotCut(t *testing.T) {
	r := &specdiff.Report{Spec: "cluster.hcl", Rev: "HEAD"}
	for i := 0; i < 2000; i++ {
		r.Files = append(r.Files, specdiff.FileChange{Path: fmt.Sprintf("f%d", i), Old: []byte("a\n"), New: []byte(strings.Repeat("b\n", 50))})
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "+b\n"); n != 2000*50 {
		t.Errorf("text report has %d added lines, want %d", n, 2000*50)
	}
}
