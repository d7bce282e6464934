package load

import (
	"os"
	"strings"
	"testing"
)

// TestNestingLimit: specs that would make HCL's parser or evaluator recurse
// past Go's stack limit (a fatal error, not a panic) are refused before
// parsing, at the place that goes too deep; everything up to the limit
// still parses.
func TestNestingLimit(t *testing.T) {
	n := MaxNesting
	for _, tc := range []struct {
		name, src string
		line, col int // 0: accepted
	}{
		{"lists at the limit", "x = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n", 0, 0},
		{"lists past the limit", "x = " + strings.Repeat("[", n+1) + strings.Repeat("]", n+1) + "\n", 1, 5 + n},
		{"a million lists", "x = " + strings.Repeat("[", 1<<20) + "\n", 1, 5 + n},
		{"objects", "x = " + strings.Repeat("{ a = ", 2*n) + "1" + strings.Repeat(" }", 2*n) + "\n", 1, 5 + 6*n},
		{"blocks", strings.Repeat("b {\n", n+1) + strings.Repeat("}\n", n+1), n + 1, 3},
		{"parentheses", "x = " + strings.Repeat("(", 1<<20) + "1\n", 1, 5 + n},
		{"interpolations", "x = \"" + strings.Repeat(`${"`, 1<<18) + "\"\n", 1, 5 + 3*(n/2)},
		{"interpolations in a heredoc", "x = <<EOT\n" + strings.Repeat("${[", n) + "\nEOT\n", 2, 3 * (n / 2)},
		{"a million plus signs", "x = 1" + strings.Repeat("+1", 1<<20) + "\n", 1, 6 + 2*n},
		{"a million nots", "x = " + strings.Repeat("!", 1<<20) + "true\n", 1, 5 + n},
		{"comparisons", "x = 1" + strings.Repeat("==1", n+1) + "\n", 1, 7 + 3*n},
		{"negative numbers", "x = [" + strings.Repeat("-1, ", 4*n) + "-1]\ny = -1\n", 0, 0},
		{"object items on lines", "x = {\n" + strings.Repeat("a-b = -1\n", 4*n) + "}\n", 0, 0},
		{"brackets in strings", "x = \"" + strings.Repeat("[{(", 4*n) + "\"\n", 0, 0},
		{"escaped interpolations", "x = \"" + strings.Repeat("$${%%{", 4*n) + "\"\n", 0, 0},
		{"escaped quotes", "x = \"" + strings.Repeat(`\"[`, 4*n) + "\"\n", 0, 0},
		{"brackets in comments", "# " + strings.Repeat("[", 4*n) + "\n// " + strings.Repeat("(", 4*n) + "\n/* " + strings.Repeat("{+", 4*n) + " */\nx = 1\n", 0, 0},
		{"brackets in a heredoc", "x = <<-EOT\n  " + strings.Repeat("[\"", 4*n) + "\n  EOT\ny = [1]\n", 0, 0},
		{"operators in a heredoc", "x = <<EOT\n" + strings.Repeat("-+", 4*n) + "\nEOT\n", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, bad := checkNesting("cluster.hcl", []byte(tc.src))
			switch {
			case tc.line == 0 && bad:
				t.Fatalf("refused at %d:%d: %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Detail)
			case tc.line == 0:
				spec, ds := Parse("cluster.hcl", []byte(tc.src))
				if !spec.Parsed {
					t.Fatalf("not parsed: %v", ds)
				}
			case !bad:
				t.Fatal("accepted")
			case d.Subject.Start.Line != tc.line || d.Subject.Start.Column != tc.col:
				t.Errorf("refused at %d:%d, want %d:%d: %s", d.Subject.Start.Line, d.Subject.Start.Column, tc.line, tc.col, d.Detail)
			}
			if bad {
				if d.Code != "HLC001" || d.Subject.Filename != "cluster.hcl" || d.Subject.End.Byte <= d.Subject.Start.Byte {
					t.Errorf("diagnostic %+v", d)
				}
				// Parse reports the same, and does not parse.
				spec, ds := Parse("cluster.hcl", []byte(tc.src))
				if spec.Parsed || len(ds) != 1 || ds[0] != d {
					t.Errorf("Parse: file %v, diagnostics %v", spec.Parsed, ds)
				}
			}
		})
	}
}

// TestNestingLimitReference: the reference spec is far from the limit.
func TestNestingLimitReference(t *testing.T) {
	src, err := os.ReadFile("../cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if d, bad := checkNesting("cluster.hcl", src); bad {
		t.Fatalf("reference spec refused: %+v", d)
	}
}

// TestStringPieces: strings that HCL's parser would take minutes or hours
// to put together are refused; long plain strings and ordinary heredocs
// are not.
func TestStringPieces(t *testing.T) {
	n := MaxStringPieces
	for _, tc := range []struct {
		name string
		src  string
		bad  bool
	}{
		{"dollars at the limit", `x = "` + strings.Repeat(`$a`, n) + `"`, false},
		{"dollars past the limit", `x = "` + strings.Repeat(`$a`, n+1) + `"`, true},
		{"percent signs", `x = "` + strings.Repeat(`%a`, n+1) + `"`, true},
		{"escaped interpolations", `x = "` + strings.Repeat(`$${`, n+1) + `"`, true},
		{"heredoc lines", "x = <<EOT\n" + strings.Repeat("a\n", n+1) + "EOT\n", true},
		{"heredoc at the limit", "x = <<EOT\n" + strings.Repeat("a\n", n-1) + "EOT\n", false},
		{"many strings", strings.Repeat(`x = "`+strings.Repeat(`$a`, n/2)+"\"\n", 21), true},
		{"backslash escapes", `x = "` + strings.Repeat(`\n\"`, 4*n) + `"`, false},
		{"a long plain string", `x = "` + strings.Repeat(`a`, 1<<20) + `"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, bad := checkNesting("cluster.hcl", []byte(tc.src+"\n"))
			if bad != tc.bad {
				t.Fatalf("refused %v, want %v: %+v", bad, tc.bad, d)
			}
			if bad && (d.Summary != "String too complex" || d.Subject.Start.Line < 1) {
				t.Errorf("diagnostic %+v", d)
			}
		})
	}
}
