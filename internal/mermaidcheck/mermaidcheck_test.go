package mermaidcheck

import (
	"strings"
	"testing"
)

const good = `flowchart TB
  vip(["API VIP<br>10.10.10.250#58;8443"])
  subgraph g1["rack-b (Second shelf#58; UPS#8230;)"]
    n_cp1{{"cp1<br>control-plane, 10.10.10.11"}}
    n_w1["w1<br>worker, 10.10.10.21<br>added"]
  end
  n_backup("backup<br>standalone, 10.10.10.30")
  vip --- n_cp1
  n_w1 -.-> vip
  classDef added fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,stroke-dasharray:5 3
  class n_w1,n_cp1 added
`

func TestCheckAccepts(t *testing.T) {
	if err := Check(good); err != nil {
		t.Fatal(err)
	}
}

// TestCheckRejects: each malformed picture is refused, so a writer that
// emits one fails the tests. Each case changes one line of good.
func TestCheckRejects(t *testing.T) {
	for name, edit := range map[string][2]string{
		"no header":               {"flowchart TB\n", ""},
		"graph header":            {"flowchart TB", "graph TB"},
		"unquoted label":          {`n_backup("backup<br>standalone, 10.10.10.30")`, `n_backup(backup)`},
		"quote in label":          {`"w1<br>worker`, `"w1"<br>worker`},
		"HTML in label":           {`<br>added`, `<b>added</b>`},
		"raw colon":               {`#58; UPS`, `: UPS`},
		"raw hash":                {`#58; UPS`, `# UPS`},
		"bad entity":              {`#8230;`, `#x2026;`},
		"surrogate entity":        {`#8230;`, `#55296;`},
		"backtick":                {`added"]`, "add`ed\"]"},
		"semicolon":               {`added"]`, `added;"]`},
		"unknown shape":           {`n_backup("backup<br>standalone, 10.10.10.30")`, `n_backup>"backup"]`},
		"unclosed shape":          {`n_backup("backup<br>standalone, 10.10.10.30")`, `n_backup("backup"`},
		"unclosed subgraph":       {"  end\n", ""},
		"end without subgraph":    {"  n_backup(", "  end\n  n_backup("},
		"link to undeclared node": {`n_w1 -.-> vip`, `n_w2 -.-> vip`},
		"unknown link":            {`n_w1 -.-> vip`, `n_w1 ~~> vip`},
		"reserved id":             {`n_backup(`, `end(`},
		"id with dash":            {`n_backup(`, `n-backup(`},
		"declared twice":          {`n_backup("backup`, `n_w1("backup`},
		"subgraph id reused":      {`subgraph g1[`, `subgraph vip[`},
		"class without classDef":  {`class n_w1,n_cp1 added`, `class n_w1 removed`},
		"class on undeclared":     {`class n_w1,n_cp1 added`, `class n_x added`},
		"style with semicolon":    {`stroke-width:2px`, `stroke-width:2px;`},
		"style with quote":        {`stroke-width:2px`, `font-family:"x"`},
		"directive":               {"  end\n", "  end\n  %%{init: {}}%%\n"},
		"comment":                 {"  end\n", "  end\n  %% note\n"},
		"click":                   {"  end\n", "  end\n  click n_w1 \"https://example.com\"\n"},
		"label after text":        {`n_backup("backup`, `n_backup x("backup`},
	} {
		if !strings.Contains(good, edit[0]) {
			t.Fatalf("%s: %q is not in the good picture", name, edit[0])
		}
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if err := Check(bad); err == nil {
			t.Errorf("%s: accepted\n%s", name, bad)
		}
	}
}

func TestBlocks(t *testing.T) {
	md := "text\n\n```mermaid\n" + good + "```\n\n````mermaid\nflowchart LR\n  a[\"x\"]\n````\n```diff\n+x\n```\n"
	bs, err := Blocks(md)
	if err != nil || len(bs) != 2 || bs[0] != good || bs[1] != "flowchart LR\n  a[\"x\"]\n" {
		t.Fatalf("Blocks = %q, %v", bs, err)
	}
	if _, err := Blocks("```mermaid\nflowchart TB\n"); err == nil {
		t.Error("an unclosed block is accepted")
	}
}
