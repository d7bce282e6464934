package validate

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// nixPathSegmentRE is what one segment of a Nix path literal may hold
// (nix's lexer: PATH_CHAR [a-zA-Z0-9\.\_\-\+]). The generators import
// modules as path literals, so a name with other characters could not be
// written.
var nixPathSegmentRE = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)

// modulePathProblem explains why p is not a clean relative path inside the
// repository that a Nix path literal can name, or returns "".
func modulePathProblem(p string) string {
	if hasDotDot(p) && !strings.HasPrefix(p, "/") {
		return `it leaves the repository through ".."; a flake only sees files inside its repository, so move the module into it`
	}
	if p := cleanRelativeProblem(p); p != "" {
		if strings.HasPrefix(p, "it is absolute") {
			return p + "; copy the file into the repository and name it relative to cluster.hcl"
		}
		return p
	}
	if p == "." {
		return "it names the repository itself, not a module file"
	}
	for _, seg := range strings.Split(p, "/") {
		if !nixPathSegmentRE.MatchString(seg) {
			return fmt.Sprintf("%q has characters a Nix path cannot hold; rename it using letters, digits, '.', '_', '-' and '+'", seg)
		}
	}
	return ""
}

// moduleRef is one place the spec names a hand-written NixOS module.
type moduleRef struct {
	path  []string // document path of the setting
	owner string   // how the detail names the setting
	file  string
	hw    string // the node, for hardware files
}

func (rc *ruleContext) moduleRefs() []moduleRef {
	c := rc.c
	var out []moduleRef
	for i, m := range c.Cluster.ExtraModules {
		out = append(out, moduleRef{[]string{"cluster", "extra_modules", idx(i)}, "cluster.extra_modules", m, ""})
	}
	for _, n := range c.NodeNames() {
		node := c.Nodes[n]
		if node.Hardware != "" {
			out = append(out, moduleRef{[]string{"nodes", n, "hardware"}, fmt.Sprintf("node %q's hardware", n), node.Hardware, n})
		}
		for i, m := range node.ExtraModules {
			out = append(out, moduleRef{[]string{"nodes", n, "extra_modules", idx(i)}, fmt.Sprintf("node %q's extra_modules", n), m, ""})
		}
	}
	for _, g := range model.SortedKeys(c.Groups) {
		for i, m := range c.Groups[g].Modules {
			out = append(out, moduleRef{[]string{"groups", g, "modules", idx(i)}, fmt.Sprintf("group %q's modules", g), m, ""})
		}
	}
	return out
}

// checkModules: every module path is relative, clean, inside the
// repository, and names a file that exists. Existence is checked in the
// directory of cluster.hcl when the caller gave one (rc.repo).
func checkModules(rc *ruleContext) {
	for _, m := range rc.moduleRefs() {
		if m.file == "" {
			continue // rejected by the schema
		}
		at := rc.value(m.path...)
		if p := modulePathProblem(m.file); p != "" {
			rc.add(diag.ModulePath, at, "%s %q: %s. Module paths are relative to the directory of cluster.hcl, such as \"modules/common.nix\".", m.owner, m.file, p)
			continue
		}
		if rc.repo == nil || !fs.ValidPath(m.file) {
			continue
		}
		info, err := fs.Stat(rc.repo, m.file)
		switch {
		case err != nil && m.hw != "":
			rc.add(diag.ModuleFile, at,
				"%s %q does not exist next to cluster.hcl. Run `nixos-generate-config --show-hardware-config` on %s, save its output as %s in the repository and `git add` it (a flake only sees files Git tracks).",
				m.owner, m.file, m.hw, m.file)
		case err != nil:
			rc.add(diag.ModuleFile, at,
				"%s %q does not exist next to cluster.hcl. Create the module there and `git add` it (a flake only sees files Git tracks), or fix the path.",
				m.owner, m.file)
		case info.IsDir():
			rc.add(diag.ModuleFile, at, "%s %q is a directory; name the .nix file to import.", m.owner, m.file)
		}
	}
}

// checkGroups: a group block carries modules for the nodes that list it, so
// a block no node lists does nothing, which is probably a typo in a node's
// groups. Nodes may list groups without a block: those are plain tags for
// `make gdeploy GROUP=...`.
func checkGroups(rc *ruleContext) {
	c := rc.c
	used := map[string]bool{}
	var all []string
	for _, n := range c.NodeNames() {
		for _, g := range c.Nodes[n].Groups {
			if !used[g] && g != "" {
				all = append(all, g)
			}
			used[g] = true
		}
	}
	for _, g := range model.SortedKeys(c.Groups) {
		if used[g] || !groupNameRE.MatchString(g) {
			continue
		}
		hint := "Add it to the groups of the nodes that should import its modules, or remove the block."
		if s := load.Suggest(g, all); s != "" {
			hint = fmt.Sprintf("Nodes list a group %q: is that the same group? ", s) + hint
		}
		rc.add(diag.UnusedGroup, rc.name("groups", g), "No node lists group %q, so its modules are imported nowhere. %s", g, hint)
	}
}
