package nixos

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/nix"
	"github.com/hlcgen/hlcgen/templates"
)

// TestSkeletonActionsUsePrinter proves that no skeleton can write a value
// except through the Nix printer: every action that produces output must
// end its pipeline in a printer function, and the FuncMap holds nothing
// else. Conditions of if/range/with print nothing and may test any field.
func TestSkeletonActionsUsePrinter(t *testing.T) {
	funcs := printerFuncs(nil)
	var names []string
	for name := range funcs {
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, printerFuncNames) {
		t.Fatalf("skeleton functions %v, want exactly the printer functions %v", names, printerFuncNames)
	}

	files, err := fs.Glob(templates.FS, "nixos/*.nix.tmpl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no skeletons: %v", err)
	}
	for _, file := range files {
		src, err := fs.ReadFile(templates.FS, file)
		if err != nil {
			t.Fatal(err)
		}
		// Parse each file on its own, with every builtin function known,
		// so a skeleton calling a builtin (print, printf, js, …) parses and
		// is then rejected below rather than failing obscurely.
		trees, err := parse.Parse(file, string(src), "{{", "}}", funcs, builtinFuncs)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var w walker
		for _, tree := range trees {
			w.walk(tree.Root)
		}
		for _, problem := range w.problems {
			t.Errorf("%s: %s", file, problem)
		}
		if w.actions == 0 {
			t.Errorf("%s has no actions: is it still a skeleton?", file)
		}
	}
}

// builtinFuncs names text/template's builtins for parse.Parse, which only
// needs to know that the names exist.
var builtinFuncs = func() map[string]any {
	m := map[string]any{}
	for _, name := range strings.Fields("and call html index slice js len not or print printf println urlquery eq ge gt le lt ne") {
		m[name] = true
	}
	return m
}()

// walker collects the actions of a template and what is wrong with them.
type walker struct {
	actions  int
	problems []string
}

func (w *walker) walk(n parse.Node) {
	switch n := n.(type) {
	case nil:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.walk(c)
		}
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	case *parse.ActionNode:
		w.actions++
		w.checkPipe(n.Pipe, n.String())
	case *parse.IfNode:
		w.walk(n.List)
		w.walk(n.ElseList)
	case *parse.RangeNode:
		w.walk(n.List)
		w.walk(n.ElseList)
	case *parse.WithNode:
		w.walk(n.List)
		w.walk(n.ElseList)
	case *parse.TemplateNode:
		w.problems = append(w.problems, n.String()+": skeletons may not include templates; inline the text")
	default:
		w.problems = append(w.problems, fmt.Sprintf("unexpected template node %T: %s", n, n))
	}
}

// checkPipe requires an output action to be a pipeline whose last command
// is a call of a printer function, and forbids variable declarations, which
// would let a value skip the printer through a later action.
func (w *walker) checkPipe(pipe *parse.PipeNode, action string) {
	if len(pipe.Decl) > 0 {
		w.problems = append(w.problems, action+": skeletons may not declare variables")
		return
	}
	last := pipe.Cmds[len(pipe.Cmds)-1]
	ident, ok := last.Args[0].(*parse.IdentifierNode)
	if !ok || !slices.Contains(printerFuncNames, ident.Ident) {
		w.problems = append(w.problems, action+" does not end in a printer function ("+strings.Join(printerFuncNames, ", ")+")")
	}
}

// TestSkeletonCheckCatchesBypass makes sure the walk above really rejects
// the ways a value could bypass the printer.
func TestSkeletonCheckCatchesBypass(t *testing.T) {
	funcs := printerFuncs(nil)
	for _, src := range []string{
		`{{ .Name }}`,
		`{{ printf "%s" .Name }}`,
		`{{ nixstr .Name | print }}`,
		`{{ $x := .Name }}{{ nixstr $x }}`,
		`{{ if .X }}{{ .Name }}{{ end }}`,
		`{{ range .Xs }}{{ . }}{{ end }}`,
		`{{ define "x" }}{{ nix .A }}{{ end }}{{ template "x" . }}`,
	} {
		trees, err := parse.Parse("t", src, "{{", "}}", funcs, builtinFuncs)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var w walker
		for _, tree := range trees {
			w.walk(tree.Root)
		}
		if len(w.problems) == 0 {
			t.Errorf("%s passed the printer check", src)
		}
	}
}

// TestSpliceIndentsNestedValues checks the placeholder layout: the
// continuation lines of a multi-line value line up with the line holding
// the action, and an indented string keeps its exact value.
func TestSpliceIndentsNestedValues(t *testing.T) {
	exprs := []nix.Expr{
		nix.List(nix.NewAttrs().Set("a", nix.Int(1))),
		nix.MultilineString("x\n  y\n\nz\n"),
	}
	got, err := splice("{\n  a = \x000\x00;\n    b = \x001\x00;\n}\n", exprs)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  a = [\n    {\n      a = 1;\n    }\n  ];\n    b = ''\n      x\n        y\n\n      z\n    '';\n}\n"
	if got != want {
		t.Errorf("splice:\n%s\nwant:\n%s", got, want)
	}
	testtool.Require(t, "nix-instantiate")
	var v struct{ B string }
	evalJSON(t, t.TempDir(), got, &v)
	if v.B != "x\n  y\n\nz\n" {
		t.Errorf("indented string evaluates to %q", v.B)
	}
}

// TestRoleModulesOnlyForKubernetes: a cluster of standalone nodes gets the
// common module and no Kubernetes modules.
func TestRoleModulesOnlyForKubernetes(t *testing.T) {
	c := loadCase(t, cases[0])
	for name, n := range c.Nodes {
		if n.IsKubernetes() {
			delete(c.Nodes, name)
		}
	}
	files, err := Render(c)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	want := []string{configFile, flakeFile, "generated/hosts/backup/default.nix", "generated/modules/common.nix"}
	slices.Sort(want)
	if !slices.Equal(paths, want) {
		t.Errorf("files %v, want %v", paths, want)
	}
}
