package validate

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/hlcgen/hlcgen/diag"
)

// TestFixes applies every machine-applicable fix (diag.Fix) of every
// invalid case and validates the result again: each fixed problem must go
// away, and no problem may appear that was not there before. Compared by
// code, because positions move when a fix changes a line's length.
//
// A rule whose fix needs the user's knowledge (a key, an address, which of
// two nodes to rename) attaches none; what its detail quotes as HCL must
// still parse (TestSnippetsParse).
func TestFixes(t *testing.T) {
	fixed := map[string]bool{}
	for _, file := range caseFiles(t, "invalid") {
		sc := readCase(t, file)
		before := sc.diagnose(t)
		var fixes diag.Diagnostics
		for _, d := range before {
			if d.Fix != nil {
				fixes = append(fixes, d)
			}
		}
		if len(fixes) == 0 {
			continue
		}
		sc.src = diag.ApplyFixes(sc.src, fixes)
		after := sc.diagnose(t)
		count := func(ds diag.Diagnostics) map[string]int {
			n := map[string]int{}
			for _, d := range ds {
				n[d.Code]++
			}
			return n
		}
		want := count(before)
		for _, d := range fixes {
			want[d.Code]--
			fixed[d.Code] = true
		}
		for code, n := range count(after) {
			if n > want[code] {
				t.Errorf("%s: after applying its fixes, %d %s (want at most %d):\n%s\n%s", file, n, code, max(want[code], 0), sc.src, describeAll(after))
			}
		}
	}
	// The rules that suggest a certain fix; a rule that stops attaching
	// its fix, or whose cases lose it, fails here.
	for _, code := range []string{"HLC001", "HLC003", "HLC006", "HLC008", "HLC015", "HLC016", "HLC050"} {
		if !fixed[code] {
			t.Errorf("no case applies a fix of %s", code)
		}
	}
}

func describeAll(ds diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("\t" + strings.Join(wantLines(d), "\n\t") + "\n")
	}
	return b.String()
}

// hclSnippet is a backquoted span of a detail that is HCL rather than a
// command: an attribute (`vrrp_id = 51`) or a block (`node "name" { ... }`).
var (
	hclSnippet = regexp.MustCompile("`([a-z_][a-z0-9_]*( \"[^\"]*\")* *(=|\\{)[^`]*)`")
	// ellipsis is "..." outside quotes: a placeholder for the user's own
	// settings, dropped before parsing.
	ellipsis = regexp.MustCompile(`\.\.\.`)
)

// TestSnippetsParse: every HCL snippet a detail quotes parses, so that a
// user who copies it gets valid HCL: the backquoted attributes and blocks
// of the detail's sentences, and the lines after its first, which are
// HCL to paste (a whole user block, say).
func TestSnippetsParse(t *testing.T) {
	checked := 0
	for _, dir := range []string{"invalid", "valid"} {
		for _, file := range caseFiles(t, dir) {
			sc := readCase(t, file)
			for _, d := range sc.diagnose(t) {
				prose, block, multiline := strings.Cut(d.Detail, "\n")
				var snippets []string
				for _, m := range hclSnippet.FindAllStringSubmatch(prose, -1) {
					snippets = append(snippets, m[1])
				}
				if multiline {
					snippets = append(snippets, block)
				}
				for _, s := range snippets {
					checked++
					src := s
					if !strings.Contains(s, `"`) || !strings.Contains(s, `..."`) {
						src = ellipsis.ReplaceAllString(s, "")
					}
					if _, hds := hclsyntax.ParseConfig([]byte(src+"\n"), "snippet.hcl", hcl.InitialPos); hds.HasErrors() {
						t.Errorf("%s: %s quotes HCL that does not parse (%s):\n%s", file, d.Code, hds.Error(), s)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no snippet checked")
	}
}
