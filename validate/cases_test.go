package validate

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"github.com/hlcgen/hlcgen/diag"
)

// Each case under testdata/ is a txtar archive:
//
//   - cluster.hcl, the spec (or, when the archive has none, a comment line
//     "spec: <path>" naming a spec file relative to this package);
//   - want, the expected diagnostics in the order hlcgen reports them (by
//     position): a line "LINE:COL CODE severity: summary" each, then the
//     detail on lines indented by four spaces, so that a change to any
//     message is a visible diff;
//   - untracked, optionally: the paths, one a line, of repository files
//     Git does not track. The case then also runs CheckTracked, as
//     `hlcgen validate` does in a Git work tree (severity warning), with a
//     Git that answers from this list;
//   - any other file is put in the repository the spec is validated
//     against, so that module paths such as hardware/cp1.nix exist.
//
// Run `go test ./validate -update` to rewrite the want files from what
// hlcgen reports now; review the diff before committing it.
var update = flag.Bool("update", false, "rewrite the want files of the testdata cases")

type specCase struct {
	file      string
	archive   *txtar.Archive
	src       []byte
	repo      fstest.MapFS
	want      []string
	untracked fakeGit // nil: not in a Git work tree
}

// fakeGit is the Git of a case: it tracks every file but those listed.
type fakeGit []string

func (g fakeGit) Untracked(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if slices.Contains(g, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func readCase(t testing.TB, file string) *specCase {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sc := &specCase{file: file, archive: a, repo: fstest.MapFS{}}
	for _, f := range a.Files {
		switch f.Name {
		case "cluster.hcl":
			sc.src = f.Data
		case "want":
			for _, l := range strings.Split(string(f.Data), "\n") {
				if l = strings.TrimRight(l, " \t"); l != "" && !strings.HasPrefix(l, "#") {
					sc.want = append(sc.want, l)
				}
			}
		case "untracked":
			sc.untracked = fakeGit(strings.Fields(string(f.Data)))
		default:
			sc.repo[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
		}
	}
	if sc.src == nil {
		for _, l := range strings.Split(string(a.Comment), "\n") {
			if p, ok := strings.CutPrefix(strings.TrimSpace(l), "spec:"); ok {
				if sc.src, err = os.ReadFile(strings.TrimSpace(p)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if sc.src == nil {
		t.Fatalf("%s has no cluster.hcl and no spec: line", file)
	}
	return sc
}

// diagLine is the first line of a diagnostic in a want file.
func diagLine(d diag.Diagnostic) string {
	at := fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
	if f := d.Subject.Filename; f != "cluster.hcl" {
		at = f + ":" + at // a diagnostic about another file of the repository
	}
	return at + " " + d.Code + " " + d.Severity.String()
}

// wantLines is how a diagnostic appears in a want file: diagLine with the
// summary, then the detail's lines indented by four spaces.
func wantLines(d diag.Diagnostic) []string {
	out := []string{diagLine(d) + ": " + d.Summary}
	for _, l := range strings.Split(d.Detail, "\n") {
		if l = strings.TrimRight(l, " \t"); l != "" {
			out = append(out, "    "+l)
		}
	}
	return out
}

// diagnose validates the case, and asks its Git when it has one.
func (sc *specCase) diagnose(t testing.TB) diag.Diagnostics {
	t.Helper()
	spec, c, ds := Load("cluster.hcl", sc.src, sc.repo)
	if sc.untracked != nil {
		tds, err := CheckTracked(spec, c, sc.repo, sc.untracked, diag.Warning)
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, tds...)
	}
	// The sops files of the case's repository, as validate checks them.
	ds = append(ds, CheckSecrets(c, AuditSecrets(c, sc.repo), diag.Error)...)
	ds.Sort()
	return ds
}

// run validates the case and compares the diagnostics with want, or
// rewrites want with -update.
func (sc *specCase) run(t *testing.T) diag.Diagnostics {
	t.Helper()
	ds := sc.diagnose(t)
	var got []string
	for _, d := range ds {
		got = append(got, wantLines(d)...)
	}
	if *update {
		sc.writeWant(t, got)
		return ds
	}
	if strings.Join(got, "\n") != strings.Join(sc.want, "\n") {
		t.Errorf("%s: diagnostics differ\n got:\n\t%s\nwant:\n\t%s", sc.file, strings.Join(got, "\n\t"), strings.Join(sc.want, "\n\t"))
	}
	return ds
}

func (sc *specCase) writeWant(t *testing.T, got []string) {
	t.Helper()
	data := []byte(strings.Join(got, "\n"))
	if len(got) > 0 {
		data = append(data, '\n')
	}
	found := false
	for i := range sc.archive.Files {
		if sc.archive.Files[i].Name == "want" {
			sc.archive.Files[i].Data = data
			found = true
		}
	}
	if !found {
		sc.archive.Files = append(sc.archive.Files, txtar.File{Name: "want", Data: data})
	}
	if err := os.WriteFile(sc.file, txtar.Format(sc.archive), 0o644); err != nil {
		t.Fatal(err)
	}
}

func caseFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no cases in testdata/%s", dir)
	}
	sort.Strings(files)
	return files
}

// TestInvalid runs testdata/invalid: each case is named after the rule it
// breaks (HLC040-not-enough-osd-nodes.txtar) and must report that rule,
// besides matching want exactly.
func TestInvalid(t *testing.T) {
	for _, file := range caseFiles(t, "invalid") {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			sc := readCase(t, file)
			ds := sc.run(t)
			code, _, isRuleCase := strings.Cut(name, "-")
			if !isRuleCase || !strings.HasPrefix(code, "HLC") {
				return
			}
			for _, d := range ds {
				if d.Code == code {
					return
				}
			}
			t.Errorf("%s is a case for %s, but %s was not reported", file, code, code)
		})
	}
}

// TestValid runs testdata/valid: no errors; warnings exactly as in want.
func TestValid(t *testing.T) {
	for _, file := range caseFiles(t, "valid") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			sc := readCase(t, file)
			ds := sc.run(t)
			for _, d := range ds.Errors() {
				t.Errorf("unexpected error %s %s: %s", diagLine(d), d.Summary, d.Detail)
			}
		})
	}
}

// TestEveryRuleHasACase: every code in the catalogue has an invalid case
// named after it.
func TestEveryRuleHasACase(t *testing.T) {
	have := map[string]bool{}
	for _, file := range caseFiles(t, "invalid") {
		code, _, _ := strings.Cut(filepath.Base(file), "-")
		have[code] = true
	}
	for _, r := range diag.Catalogue {
		if !have[r.Code] {
			t.Errorf("rule %s (%s) has no case testdata/invalid/%s-<name>.txtar", r.Code, r.Summary, r.Code)
		}
	}
}

// TestManyMistakes: a spec with many different problems reports all of
// them in one run, in file order.
func TestManyMistakes(t *testing.T) {
	sc := readCase(t, filepath.Join("testdata", "invalid", "many-mistakes.txtar"))
	ds := sc.run(t)
	codes := map[string]bool{}
	for _, d := range ds {
		codes[d.Code] = true
	}
	if len(codes) < 10 {
		t.Errorf("want at least 10 different rules reported, got %d: %v", len(codes), codes)
	}
	for i := 1; i < len(ds); i++ {
		if ds[i].Subject.Start.Byte < ds[i-1].Subject.Start.Byte {
			t.Errorf("diagnostics out of order: %s before %s", diagLine(ds[i-1]), diagLine(ds[i]))
		}
	}
}

// TestDetails: every diagnostic of every case has a range in cluster.hcl
// (or, for the sops files' rules, in that file)
// and a detail that says more than the summary; details are sentences and
// carry no unformatted verbs.
func TestDetails(t *testing.T) {
	for _, dir := range []string{"invalid", "valid"} {
		for _, file := range caseFiles(t, dir) {
			sc := readCase(t, file)
			ds := sc.diagnose(t)
			for _, d := range ds {
				// A detail is sentences, then optionally an HCL
				// snippet on lines of its own (TestSnippetsParse).
				prose, _, _ := strings.Cut(d.Detail, "\n")
				switch {
				case d.Subject.Filename != "cluster.hcl" && sc.repo[d.Subject.Filename] == nil:
					t.Errorf("%s: %s has no range in cluster.hcl or a file of the case: %+v", file, d.Code, d.Subject)
				case d.Subject.Start.Line == 0 && !d.WholeFile():
					t.Errorf("%s: %s has no line", file, d.Code)
				case strings.TrimSpace(d.Detail) == "":
					t.Errorf("%s: %s has no detail", file, d.Code)
				case strings.Contains(d.Detail, "%!"):
					t.Errorf("%s: %s detail has a formatting error: %s", file, d.Code, d.Detail)
				case d.Code != diag.Syntax.Code && !strings.HasSuffix(prose, ".") && !strings.HasSuffix(prose, "?") && !strings.HasSuffix(prose, ":"):
					t.Errorf("%s: %s detail does not end a sentence: %s", file, d.Code, d.Detail)
				case cueWords.MatchString(d.Detail):
					t.Errorf("%s: %s detail speaks CUE (%q): %s", file, d.Code, cueWords.FindString(d.Detail), d.Detail)
				}
			}
		}
	}
}

// cueWords is CUE's vocabulary, which no detail may use: the user wrote
// HCL and reads about their values, not about the schema's types, bounds,
// builtins or disjunctions.
var cueWords = regexp.MustCompile(`net\.IPv4|net\.IPCIDR|strings\.M|int & |string & |=~|!=|disjunction|does not satisfy|out of bound|conflicting values|mismatched types|types (int|string|bool|float|list|struct)|incomplete value|#[A-Z][A-Za-z]+|field not allowed|invalid value`)
