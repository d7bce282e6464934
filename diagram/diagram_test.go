package diagram_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/diagram"
	"github.com/hlcgen/hlcgen/internal/mermaidcheck"
	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/validate"
)

func reference(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

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

func edit(t *testing.T, src, old, new string) string {
	t.Helper()
	if !strings.Contains(src, old) {
		t.Fatalf("edit: %q not found", old)
	}
	return strings.Replace(src, old, new, 1)
}

// TestReference: the picture of the reference cluster, whole.
func TestReference(t *testing.T) {
	p := diagram.Of(cluster(t, reference(t)))
	want := `flowchart TB
  vip(["API VIP<br>10.10.10.250#58;8443"])
  subgraph g1["backups"]
    n_backup("backup<br>standalone, 10.10.10.30")
  end
  subgraph g2["control-plane, rack-a"]
    n_cp1{{"cp1<br>control-plane, 10.10.10.11"}}
    n_cp2{{"cp2<br>control-plane, 10.10.10.12"}}
  end
  subgraph g3["control-plane, rack-b (Second shelf#58; UPS-backed, fans tuned#8230;)"]
    n_cp3{{"cp3<br>control-plane, 10.10.10.13"}}
  end
  subgraph g4["rack-a, workers"]
    n_w1["w1<br>worker, 10.10.10.21"]
  end
  subgraph g5["rack-b (Second shelf#58; UPS-backed, fans tuned#8230;), workers"]
    n_w2["w2<br>worker, 10.10.10.22"]
  end
  vip --- n_cp1
  vip --- n_cp2
  vip --- n_cp3
  n_w1 -.-> vip
  n_w2 -.-> vip
`
	if got := p.Mermaid(); got != want {
		t.Errorf("Mermaid:\n%s\nwant:\n%s", got, want)
	}
	if err := mermaidcheck.Check(p.Mermaid()); err != nil {
		t.Error(err)
	}
	dot := p.DOT()
	for _, line := range []string{
		`  vip [label="API VIP\n10.10.10.250:8443", shape=oval];`,
		`  subgraph cluster_g2 {`,
		`    n_cp1 [label="cp1\ncontrol-plane, 10.10.10.11", shape=hexagon];`,
		`    n_backup [label="backup\nstandalone, 10.10.10.30", shape=box, style=rounded];`,
		`  vip -> n_cp1 [dir=none];`,
		`  n_w1 -> vip [style=dashed];`,
	} {
		if !strings.Contains(dot, line+"\n") {
			t.Errorf("DOT lacks %q:\n%s", line, dot)
		}
	}
}

// TestMarks: what a change does is marked in the labels and by class;
// a removed node is drawn where it was, a renamed one says its old name.
func TestMarks(t *testing.T) {
	ref := reference(t)
	old := cluster(t, ref)
	next := edit(t, ref, `api_vip     = "10.10.10.250"`, `api_vip     = "10.10.10.251"`)
	next = edit(t, next, `node "w1" {`, `node "w9" {`)
	start := strings.Index(next, `node "w2" {`)
	end := strings.Index(next[start:], "\n}\n") + start + 3
	next = next[:start] + next[end:]
	marks := diagram.Marks{
		Nodes:       map[string]diagram.Mark{"w2": diagram.Removed, "w9": diagram.Changed, "cp1": diagram.Changed},
		RenamedFrom: map[string]string{"w9": "w1"},
		VIP:         diagram.Changed,
	}
	got := diagram.New(old, cluster(t, next), marks).Mermaid()
	for _, line := range []string{
		`  vip(["API VIP<br>10.10.10.250#58;8443 #8594; 10.10.10.251#58;8443<br>changed"])`,
		`    n_w2["w2<br>worker, 10.10.10.22<br>removed"]`,
		`    n_w9["w9<br>worker, 10.10.10.21<br>renamed from w1"]`,
		`    n_cp1{{"cp1<br>control-plane, 10.10.10.11<br>changed"}}`,
		`  class n_w2 removed`,
		`  class vip,n_cp1,n_w9 changed`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("Mermaid lacks %q:\n%s", line, got)
		}
	}
	if err := mermaidcheck.Check(got); err != nil {
		t.Error(err)
	}
}

// TestUserText: group names and descriptions are user text; whatever they
// hold, the picture stays one well-formed flowchart with nothing of them
// read as syntax, HTML or Markdown.
func TestUserText(t *testing.T) {
	for _, desc := range []string{
		`"]) --> evil["x`,
		`<img src=x onerror=alert(1)> <b>bold</b>`,
		"``` closes the fence? `code`",
		`%%{init: {"theme": "dark"}}%% end subgraph`,
		`style n_cp1 fill:#f00; classDef x fill:#fff;`,
		`#quot; #35; & &amp; \n \" \\`,
		"line\nbreak\ttab\u202eRTL\u200bzero",
		`[*] {{ }} (( )) | ; -->|x|`,
	} {
		src := edit(t, reference(t), `description = "Second shelf: UPS-backed, fans tuned for the closet"`,
			fmt.Sprintf("description = %q", desc))
		p := diagram.Of(cluster(t, src))
		m := p.Mermaid()
		if err := mermaidcheck.Check(m); err != nil {
			t.Errorf("description %q: %v\n%s", desc, err, m)
		}
		for _, bad := range []string{"<img", "<b>", "`", "%%", `evil[`, "\u202e"} {
			if strings.Contains(m, bad) {
				t.Errorf("description %q: the Mermaid holds %q:\n%s", desc, bad, m)
			}
		}
		// In DOT, the label is one quoted string: no quote or backslash
		// of the description is left unescaped.
		for _, l := range strings.Split(p.DOT(), "\n") {
			if !strings.Contains(l, "label=") {
				continue
			}
			_, v, _ := strings.Cut(l, "label=")
			if !dotQuoted(v) {
				t.Errorf("description %q: DOT label is not one quoted string: %s", desc, l)
			}
		}
	}
}

// dotQuoted: v starts with a DOT quoted string that ends where a ; or , or
// ] follows, every quote and backslash inside escaped.
func dotQuoted(v string) bool {
	if !strings.HasPrefix(v, `"`) {
		return false
	}
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			rest := v[i+1:]
			return strings.HasPrefix(rest, ";") || strings.HasPrefix(rest, ",")
		}
	}
	return false
}

// TestBounded: past MaxNodes nodes, boxes hold counts per role; past
// MaxNodes counts, one count per role is left. The picture stays small
// and well formed however big the cluster.
func TestBounded(t *testing.T) {
	for _, n := range []int{61, 400, 2000} {
		_, c, ds := validate.Load("cluster.hcl", specgen.Generate(n), nil)
		if ds.HasErrors() {
			t.Fatalf("%d nodes: %v", n, ds.Errors())
		}
		m := diagram.Of(c).Mermaid()
		if err := mermaidcheck.Check(m); err != nil {
			t.Errorf("%d nodes: %v", n, err)
		}
		if shapes := strings.Count(m, "<br>") - 1; shapes > 2*diagram.MaxNodes {
			t.Errorf("%d nodes: %d label lines", n, shapes)
		}
		if strings.Contains(m, "n_w1[") {
			t.Errorf("%d nodes: drawn one by one:\n%s", n, m)
		}
		if len(m) > 20_000 {
			t.Errorf("%d nodes: %d bytes of Mermaid", n, len(m))
		}
	}
	// 61 nodes in 4 racks: counts per role in each rack's boxes.
	_, c, _ := validate.Load("cluster.hcl", specgen.Generate(61), nil)
	m := diagram.Of(c).Mermaid()
	for _, line := range []string{
		`  subgraph g2["control-plane, rack-1 (Nodes in rack-1)"]`,
		`    s_g2_control_plane{{"3 control-plane nodes"}}`,
		`    s_g3_worker["17 workers"]`,
		`  vip --- s_g2_control_plane`,
		`  s_g3_worker -.-> vip`,
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("61 nodes: Mermaid lacks %q:\n%s", line, m)
		}
	}
	// 2,000 nodes in 100 racks: too many boxes, so one count per role.
	_, c, _ = validate.Load("cluster.hcl", specgen.Generate(2000), nil)
	m = diagram.Of(c).Mermaid()
	for _, line := range []string{
		`  s_all_worker["1995 workers<br>in 101 groups"]`,
		`  s_all_control_plane{{"3 control-plane nodes<br>in 2 groups"}}`,
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("2,000 nodes: Mermaid lacks %q:\n%s", line, m)
		}
	}
	if strings.Contains(m, "subgraph") {
		t.Errorf("2,000 nodes: boxes left:\n%s", m)
	}
}
