package nixos

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/nix"
	"github.com/hlcgen/hlcgen/templates"
)

// The skeletons in templates/nixos give the role modules their shape. Their
// actions may call only the printer functions below, so that a value from
// cluster.hcl can reach a generated file only through package nix; a test
// walks every action of every skeleton to hold them to it.
//
//	{{ nix .Expr }}      any printer expression, laid out at the action's
//	                     indentation
//	{{ nixstr .String }} a string literal
//	{{ nixkey .String }} an attribute name, quoted when it must be
var skeletons = template.Must(
	template.New("nixos").Option("missingkey=error").Funcs(printerFuncs(nil)).ParseFS(templates.FS, "nixos/*.nix.tmpl"),
)

// printerFuncNames lists the template functions; the template test checks
// that the FuncMap holds exactly these.
var printerFuncNames = []string{"nix", "nixkey", "nixstr"}

// printerFuncs returns the skeletons' functions. `nix` cannot print its
// expression in place: a multi-line expression must be indented like the
// line it sits on, which text/template does not know. It records the
// expression in exprs and leaves a placeholder that splice replaces.
// Placeholders use NUL, which neither skeleton text nor printer output can
// contain.
func printerFuncs(exprs *[]nix.Expr) template.FuncMap {
	return template.FuncMap{
		"nix": func(e nix.Expr) (string, error) {
			if e == nil {
				return "", fmt.Errorf("nix: no expression")
			}
			if exprs == nil {
				return "", fmt.Errorf("nix: skeleton executed without an expression sink")
			}
			*exprs = append(*exprs, e)
			return "\x00" + strconv.Itoa(len(*exprs)-1) + "\x00", nil
		},
		"nixstr": func(s string) string { return nix.Print(nix.String(s)) },
		"nixkey": nix.Key,
	}
}

// headerLine is the first line of every generated file, exactly as nix.File
// writes it.
var headerLine = strings.TrimSuffix(string(nix.File(generator.Header, nix.Null())), "null\n")

// renderSkeleton executes templates/nixos/<name>.tmpl with data and returns
// the complete file.
func renderSkeleton(name string, data any) ([]byte, error) {
	t, err := skeletons.Clone()
	if err != nil {
		return nil, err
	}
	var exprs []nix.Expr
	t.Funcs(printerFuncs(&exprs))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name+".tmpl", data); err != nil {
		return nil, err
	}
	body, err := splice(buf.String(), exprs)
	if err != nil {
		return nil, fmt.Errorf("skeleton %s: %w", name, err)
	}
	return []byte(headerLine + body), nil
}

// splice replaces each placeholder with its printed expression. Lines after
// the first are indented like the line holding the placeholder, which is
// how the printer lays out a nested value (nixfmt style). Empty lines stay
// empty, so an indented string keeps its value: Nix strips the common
// indentation of its non-empty lines.
func splice(text string, exprs []nix.Expr) (string, error) {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, line := range lines {
		indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
		for {
			start := strings.IndexByte(line, 0)
			if start < 0 {
				break
			}
			end := strings.IndexByte(line[start+1:], 0)
			if end < 0 {
				return "", fmt.Errorf("broken placeholder")
			}
			end += start + 1
			i, err := strconv.Atoi(line[start+1 : end])
			if err != nil || i < 0 || i >= len(exprs) {
				return "", fmt.Errorf("broken placeholder")
			}
			printed := strings.Split(nix.Print(exprs[i]), "\n")
			for j := 1; j < len(printed); j++ {
				if printed[j] != "" {
					printed[j] = indent + printed[j]
				}
			}
			line = line[:start] + strings.Join(printed, "\n") + line[end+1:]
		}
		b.WriteString(line)
	}
	return b.String(), nil
}
