package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/pipeline"
)

// referenceSpec is the repository's own cluster.hcl.
const referenceSpec = "../cluster.hcl"

// seedSpec is a spec from the repository's test cases.
type seedSpec struct {
	name string
	src  []byte
	// invalid: the case's want file lists an error that does not depend
	// on module files existing (the render tests validate without a
	// repository, which skips HLC091).
	invalid bool
}

// repoCodes are the rules about files of the repository other than the
// spec, which validate checks and the pipeline does not.
var repoCodes = []string{diag.ModuleFile.Code, diag.Untracked.Code, diag.SecretsRecipients.Code, diag.SecretsPlaintext.Code, diag.SecretsUncovered.Code}

// seedSpecs returns the reference spec and the spec of every case under
// validate/testdata/{valid,invalid}, sorted by name.
func seedSpecs(t testing.TB) []seedSpec {
	t.Helper()
	ref, err := os.ReadFile(referenceSpec)
	if err != nil {
		t.Fatal(err)
	}
	out := []seedSpec{{"reference", ref, false}}
	files, err := filepath.Glob(filepath.Join("..", "validate", "testdata", "*", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no validate cases: %v", err)
	}
	sort.Strings(files)
	for _, file := range files {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var src []byte
		invalid := false
		for _, f := range a.Files {
			switch f.Name {
			case "cluster.hcl":
				src = f.Data
			case "want":
				for _, l := range strings.Split(string(f.Data), "\n") {
					// "LINE:COL CODE error: summary"; detail lines are
					// indented.
					// Errors about the repository's files (a missing
					// module, the sops files) are not the pipeline's.
					if _, rest, ok := strings.Cut(l, " "); ok && !strings.HasPrefix(l, " ") &&
						strings.Contains(rest, " error: ") && !slices.ContainsFunc(repoCodes, func(code string) bool { return strings.HasPrefix(rest, code) }) {
						invalid = true
					}
				}
			}
		}
		for _, l := range strings.Split(string(a.Comment), "\n") {
			if p, ok := strings.CutPrefix(strings.TrimSpace(l), "spec:"); ok && src == nil {
				if src, err = os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", strings.TrimSpace(p))); err != nil {
					t.Fatal(err)
				}
			}
		}
		if src == nil {
			t.Fatalf("%s has no spec", file)
		}
		rel, _ := filepath.Rel(filepath.Join("..", "validate", "testdata"), file)
		out = append(out, seedSpec{strings.TrimSuffix(filepath.ToSlash(rel), ".txtar"), src, invalid})
	}
	return out
}

// renderTimeout bounds one validate-then-render. A homelab spec takes
// milliseconds; the largest spec the loader accepts (4 MiB) a few tens of
// seconds. Fuzz inputs are small, so anything near this is a hang.
// `go test -fuzz` has no per-input timeout of its own, so the fuzz body
// enforces this one.
const renderTimeout = 10 * time.Second

// outcome is one run of pipeline.Spec.
type outcome struct {
	res   *pipeline.Result
	err   error
	panic any
	stack []byte
}

// renderWithin runs pipeline.Spec with a deadline and turns a panic into an
// outcome, so that a failure names the input.
func renderWithin(src []byte, limit time.Duration) (outcome, bool) {
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if r := recover(); r != nil {
				o.panic, o.stack = r, debug.Stack()
			}
			done <- o
		}()
		o.res, o.err = pipeline.Spec("cluster.hcl", src, nil)
	}()
	select {
	case o := <-done:
		return o, true
	case <-time.After(limit):
		return outcome{}, false
	}
}

// checkOutcome holds pipeline.Spec to its contract on any input:
//
//   - it never panics and finishes within renderTimeout;
//   - every diagnostic has a known code and a range in cluster.hcl, on line 1
//     or later, inside the file;
//   - a spec with errors renders nothing and has at least one error;
//   - a spec without errors renders (a render error on a validated spec is a
//     bug: a rule is missing from package validate, or a generator fails on
//     something valid).
func checkOutcome(t *testing.T, src []byte) {
	t.Helper()
	o, ok := renderWithin(src, renderTimeout)
	switch {
	case !ok:
		t.Fatalf("pipeline.Spec did not finish within %v on:\n%s", renderTimeout, quoteSrc(src))
	case o.panic != nil:
		t.Fatalf("pipeline.Spec panicked: %v\n%s\non:\n%s", o.panic, o.stack, quoteSrc(src))
	case o.res == nil:
		t.Fatalf("pipeline.Spec returned no result (error %v)", o.err)
	}
	known := map[string]bool{}
	for _, r := range diag.Catalogue {
		known[r.Code] = true
	}
	for _, d := range o.res.Diags {
		s := d.Subject
		// A problem with the file as a whole (not text, declares
		// nothing) names the file and no line: line 1 is usually a
		// comment.
		wholeFile := d.WholeFile()
		if !known[d.Code] || s.Filename != "cluster.hcl" || !wholeFile && (s.Start.Line < 1 || s.Start.Column < 1) ||
			s.Start.Byte < 0 || s.End.Byte < s.Start.Byte || s.End.Byte > len(src) {
			t.Errorf("diagnostic without a proper range: %s %s %q at %s:%d:%d-%d:%d (bytes %d-%d of %d)\n%s",
				d.Code, d.Severity, d.Summary, s.Filename, s.Start.Line, s.Start.Column, s.End.Line, s.End.Column,
				s.Start.Byte, s.End.Byte, len(src), d.Detail)
		}
	}
	if o.res.Diags.HasErrors() {
		if o.res.Files != nil || o.err != nil {
			t.Errorf("a spec with errors rendered %d files (error %v)", len(o.res.Files), o.err)
		}
		return
	}
	if o.err != nil {
		t.Fatalf("a spec without errors failed to render: %v\n%s", o.err, quoteSrc(src))
	}
	if len(o.res.Files) == 0 {
		t.Fatalf("a spec without errors rendered nothing")
	}
}

func quoteSrc(src []byte) string {
	if len(src) > 4096 {
		return fmt.Sprintf("%q... (%d bytes)", src[:4096], len(src))
	}
	return fmt.Sprintf("%q", src)
}

// FuzzRender: the whole path from bytes to files, on anything (see
// checkOutcome). Seeded with the reference spec and every validate case;
// testdata/fuzz/FuzzRender holds the inputs that crashed or hung hlcgen
// before the loader's limits (a stack overflow in HCL's parser, quadratic
// string parsing), as regression seeds. Failing inputs the fuzzer finds
// land there too and must be kept.
func FuzzRender(f *testing.F) {
	for _, s := range seedSpecs(f) {
		f.Add(s.src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkOutcome(t, src)
	})
}

// TestSeedsHoldTheContract runs the fuzz property over every seed, with
// the expected verdict: valid cases (and those with only warnings) render,
// invalid ones are refused.
func TestSeedsHoldTheContract(t *testing.T) {
	for _, s := range seedSpecs(t) {
		t.Run(s.name, func(t *testing.T) {
			checkOutcome(t, s.src)
			o, _ := renderWithin(s.src, renderTimeout)
			if got := o.res.Diags.HasErrors(); got != s.invalid {
				t.Errorf("has errors = %v, want %v", got, s.invalid)
			}
		})
	}
}

// TestAbsurdInputs: inputs far beyond any homelab are refused quickly
// with one clear diagnostic, or handled.
func TestAbsurdInputs(t *testing.T) {
	ref := mustRead(t, referenceSpec)
	withDescription := func(d string) []byte {
		return bytes.Replace(ref, []byte(`description = "Second shelf: UPS-backed, fans tuned for the closet"`),
			[]byte("description = "+lit(d)), 1)
	}
	twoMB := strings.Repeat("''\"\n\\é{}", 2<<17)
	for _, tc := range []struct {
		name    string
		src     []byte
		summary string // "" when the spec renders
		check   func(t *testing.T, files []generator.File)
	}{
		{"a 10 MB string", withDescription(strings.Repeat("x", 10<<20)), "Spec file too large", nil},
		{"a 2 MB string of quotes, escapes and lines", withDescription(twoMB), "", func(t *testing.T, files []generator.File) {
			// It reaches the inventory intact, as Nix reads it.
			var got string
			evalInventory(t, files, `(import ./generated/config).groups."rack-b".description`, &got)
			if got != twoMB {
				t.Errorf("the description changed on its way through: %d bytes in, %d out", len(twoMB), len(got))
			}
		}},
		{"20,000 interpolation escapes in a string", withDescription(strings.Repeat("${x}", 20000)), "String too complex", nil},
		{"Helm values 10,000 levels deep", bytes.Replace(ref, []byte(`persistence = {`),
			[]byte(strings.Repeat("a = { ", 10000)+"b = 1"+strings.Repeat(" }", 10000)+"\n    persistence = {"), 1), "Value nested too deeply", nil},
		{"a million nested lists", []byte("x = " + strings.Repeat("[", 1<<20)), "Value nested too deeply", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			o, ok := renderWithin(tc.src, renderTimeout)
			if !ok || o.panic != nil {
				t.Fatalf("did not finish in %v, or panicked: %v", renderTimeout, o.panic)
			}
			t.Logf("%v", time.Since(start))
			if tc.summary == "" {
				if o.err != nil || o.res.Diags.HasErrors() || len(o.res.Files) == 0 {
					t.Fatalf("not rendered: %v %v", o.err, o.res.Diags.Errors())
				}
				tc.check(t, o.res.Files)
				return
			}
			ds := o.res.Diags
			if len(ds) != 1 || ds[0].Summary != tc.summary || ds[0].Code != diag.Syntax.Code || ds[0].Subject.Start.Line < 1 || o.res.Files != nil {
				t.Fatalf("want one %s %q, got %v", diag.Syntax.Code, tc.summary, ds)
			}
		})
	}
}

// TestTenThousandNodes: hlcgen sets no node limit of its own; the 4 MiB
// spec limit holds about 20,000 minimal nodes. 10,000 nodes (a /16 holds
// that many) validate and render (in about 20 seconds and 550 MB on a
// 2-CPU machine; BENCHMARKS.md tracks that), and every node gets its host
// module, its deploy-rs node and its own sops rule.
func TestTenThousandNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 10000
	s := minimalSpec()
	s.helm, s.flux = nil, nil
	s.nodes = nil
	for i := range n {
		role := "worker"
		if i < 3 {
			role = "control-plane"
		}
		s.nodes = append(s.nodes, nodeBlock{name: fmt.Sprintf("n%d", i), role: role,
			address: fmt.Sprintf("10.20.%d.%d", 1+i/250, 1+i%250), iface: "eth0", hardware: "hardware/n.nix"})
	}
	src := bytes.Replace(s.hcl(t), []byte("kubernetes {\n"), []byte("kubernetes {\n  cluster_cidr = \"10.64.0.0/10\"\n  service_cidr = \"10.128.0.0/16\"\n"), 1)
	res, err := pipeline.Spec("cluster.hcl", src, nil)
	if err != nil || res.Diags.HasErrors() {
		t.Fatalf("%v %v", err, res.Diags.Errors())
	}
	files := map[string]string{}
	for _, f := range res.Files {
		files[f.Path] = string(f.Content)
	}
	for i := range n {
		name, addr := fmt.Sprintf("n%d", i), fmt.Sprintf("10.20.%d.%d", 1+i/250, 1+i%250)
		host := files["generated/hosts/"+name+"/default.nix"]
		if !strings.Contains(host, `address = "`+addr+`";`) || !strings.Contains(host, `networking.hostName = "`+name+`";`) {
			t.Fatalf("node %s: no host module with its name and address %s", name, addr)
		}
		if !strings.Contains(files["generated/default.nix"], "\n    "+name+" = {\n      hostname = \""+addr+"\";") {
			t.Fatalf("node %s: no deploy-rs node for %s", name, addr)
		}
		if !strings.Contains(files[".sops.yaml"], "path_regex: ^secrets/hosts/"+name+"\\.yaml$") {
			t.Fatalf("node %s: no sops rule for its own file", name)
		}
	}
}

// evalInventory evaluates expr, with the rendered files in its directory,
// with the real Nix evaluator, into out.
func evalInventory(t *testing.T, files []generator.File, expr string, out any) {
	t.Helper()
	dir := t.TempDir()
	e2e.WriteFiles(t, dir, files)
	probe := filepath.Join(dir, "probe.nix")
	if err := os.WriteFile(probe, []byte(expr), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(testtool.NixInstantiate(t, "--eval", "--strict", "--json", probe), out); err != nil {
		t.Fatal(err)
	}
}
