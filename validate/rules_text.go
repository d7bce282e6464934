package validate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// Rules about free text that reaches a consumer which gives it meaning.
// The Nix printer escapes every string, so no value can break a generated
// file; these rules are about values that would arrive intact and still
// mean something other than what was written: a set Nix reads as a string,
// a secret written outside the secrets directory, a branch Git cannot have.

// nixInterpretedName reports whether an attribute name changes what Nix
// makes of the set holding it: a set with outPath or __toString is a
// string to builtins.toJSON and to string interpolation (__toString must
// even be a function), and __functor makes it callable. Nix reserves the
// "__" prefix for such names.
func nixInterpretedName(name string) bool {
	return name == "outPath" || strings.HasPrefix(name, "__")
}

const nixNameWhy = "Nix treats an attribute named outPath, or starting with \"__\" (such as __toString), as part of the language, not as data"

// checkNixNames: user text that becomes an attribute name in generated
// Nix, where the validator's patterns still allow outPath or a "__" name:
// interface names (networking.interfaces.<if>), the token key
// (sops.secrets.<token_secret>) and label keys (the nodes' labels in
// generated/config, which `make gdeploy` reads with builtins.toJSON).
func checkNixNames(rc *ruleContext) {
	c := rc.c
	for _, n := range c.NodeNames() {
		node := c.Nodes[n]
		if nixInterpretedName(node.Interface) {
			rc.add(diag.InterfaceName, rc.value("nodes", n, "interface"),
				"Node %q's interface %q becomes the attribute networking.interfaces.%s, and %s. Write the interface's real name, such as \"enp1s0\".",
				n, node.Interface, node.Interface, nixNameWhy)
		}
		for _, key := range model.SortedKeys(node.Labels) {
			if nixInterpretedName(key) {
				rc.add(diag.LabelSyntax, rc.name("nodes", n, "labels", key),
					"Node %q's label key %q becomes an attribute name in generated/config/default.nix, and %s: the whole labels set would read as a string. Use a prefixed key such as \"homelab.example/%s\".",
					n, key, nixNameWhy, strings.TrimLeft(key, "_"))
			}
		}
	}
	checkTokenKey(rc)
}

// checkTokenKey: a secret's key names its sops-nix secret, which sops-nix
// decrypts to a file named after it under /run/secrets (joined as a path,
// so "." and ".." segments would move the secret elsewhere), and it is the
// attribute sops.secrets.<key> of a generated module.
func checkTokenKey(rc *ruleContext) {
	for _, k := range rc.secretKeys() {
		if k.key == "" || literalSecretReason(k.key) != "" {
			continue // missing, or reported as a literal secret
		}
		at := rc.value(k.path...)
		bad := ""
		for _, seg := range strings.Split(k.key, "/") {
			if seg == "." || seg == ".." {
				bad = seg
				break
			}
		}
		switch {
		case bad != "":
			rc.add(diag.InvalidValue, at,
				"%s %q has a %q segment. sops-nix writes the decrypted secret to a file named after the key, under /run/secrets, so it would land outside the secrets directory. Name the key with plain words, such as %q.", k.attr, k.key, bad, k.example)
		case nixInterpretedName(k.key):
			rc.add(diag.InvalidValue, at,
				"%s %q becomes the attribute sops.secrets.%s of a generated module, and %s. Name the key with plain words, such as %q.", k.attr, k.key, k.key, nixNameWhy, k.example)
		}
	}
}

// checkDeployHost: deploy-rs passes deploy_host to ssh as sshUser@host and
// to nix copy as ssh://sshUser@host, so it must be one host name or
// address: whitespace splits it, and a user part ("ops@cp1") would be
// doubled (deploy.ssh_user names the user). Each deploy.ssh_opts entry is
// one ssh argument, but deploy-rs joins them with spaces into NIX_SSHOPTS,
// which nix splits at whitespace again: an entry with a space would reach
// ssh as two arguments.
func checkDeployHost(rc *ruleContext) {
	for _, n := range rc.c.NodeNames() {
		h := rc.c.Nodes[n].DeployHost
		if !rc.has("nodes", n, "deploy_host") {
			continue
		}
		switch {
		case strings.ContainsFunc(h, unicode.IsSpace):
			rc.add(diag.InvalidValue, rc.value("nodes", n, "deploy_host"),
				"Node %q's deploy_host %q has whitespace; deploy-rs connects to it with ssh and nix copy, which take one host name or address. Write the host alone, such as \"cp1.home.arpa\" or \"10.10.10.11\".", n, h)
		case strings.Contains(h, "@"):
			rc.add(diag.InvalidValue, rc.value("nodes", n, "deploy_host"),
				"Node %q's deploy_host %q has a user part; deploy-rs prepends deploy.ssh_user itself, so ssh would get two. Write the host alone and set the user with deploy.ssh_user.", n, h)
		}
	}
	for i, opt := range rc.c.Deploy.SSHOpts {
		if strings.ContainsFunc(opt, unicode.IsSpace) {
			rc.add(diag.InvalidValue, rc.value("deploy", "ssh_opts", idx(i)),
				"deploy.ssh_opts[%d] %q has whitespace; deploy-rs joins the options with spaces for nix copy, which splits them again, so ssh would get it as two arguments. Write each argument as its own entry, such as [\"-o\", \"ProxyJump=bastion\"].", i, opt)
		}
	}
}

// gitBranchProblem explains why b is not a branch name Git accepts
// (git check-ref-format --branch, and `git branch`'s refusal of "HEAD"
// and of names starting with '-'), or returns "".
func gitBranchProblem(b string) string {
	switch {
	case strings.TrimSpace(b) == "":
		return "" // HLC071
	case strings.ContainsFunc(b, func(r rune) bool { return r < 0x20 || r == 0x7f || unicode.IsSpace(r) }):
		return "it has whitespace or a control character"
	case strings.ContainsAny(b, "~^:?*[\\"):
		return "it has one of ~ ^ : ? * [ \\, which Git does not allow in a branch name"
	case strings.Contains(b, ".."), strings.Contains(b, "@{"), b == "@":
		return "it has \"..\" or \"@{\", or is \"@\", which Git does not allow"
	case strings.HasPrefix(b, "-"):
		return "it starts with '-'"
	case strings.HasPrefix(b, "/"), strings.HasSuffix(b, "/"), strings.Contains(b, "//"):
		return "it starts or ends with '/' or has an empty component"
	case strings.HasSuffix(b, "."):
		return "it ends with '.'"
	case b == "HEAD":
		return "HEAD names the current commit, not a branch"
	}
	for _, comp := range strings.Split(b, "/") {
		if strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return fmt.Sprintf("its component %q starts with '.' or ends with \".lock\"", comp)
		}
	}
	return ""
}

func checkFluxBranch(rc *ruleContext) {
	f := rc.c.Flux
	if f == nil || !rc.wroteString("flux", "branch") {
		return
	}
	if p := gitBranchProblem(f.Branch); p != "" {
		rc.add(diag.FluxBranch, rc.value("flux", "branch"),
			"flux.branch %q is not a Git branch name: %s (git check-ref-format). Write the branch as `git branch` lists it, such as \"main\".", f.Branch, p)
	}
}

// badControl reports the characters no single-line setting may hold: C0
// controls but tab, DEL, C1 controls, Unicode line and paragraph
// separators, and bidirectional overrides (which make a value read
// differently from what it is, in review and in a terminal).
func badControl(r rune) bool {
	switch {
	case r == '\t':
		return false
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// controlProblem describes the first bad character of s, or returns "".
func controlProblem(s string) string {
	if i := strings.IndexFunc(s, badControl); i >= 0 {
		r := []rune(s[i:])[0]
		return fmt.Sprintf("the control character U+%04X", r)
	}
	return ""
}

// checkNUL: Nix strings cannot hold a NUL byte, so no string of the spec
// may have one. Nor may any setting hold another control character (see
// badControl), except the group descriptions, which are plain data in
// generated/config: every other string is a name, a flag, a host, a path,
// a URL or a key line, for which a newline or an escape sequence means
// nothing to its consumer or breaks it. It runs last and stays silent
// where another rule already reported the same value (a taint or a device
// path with a NUL, say).
//
// The model holds exactly the values the schema accepted, under the
// document's keys (its JSON tags), so walking it reports each bad string
// once and at its own range. Map keys are block labels and label keys,
// which their own rules check; Helm values are checkHelmValues' business.
func checkNUL(rc *ruleContext) {
	// Almost no spec has a bad character anywhere: looking for one in
	// the model's strings is much cheaper than marshalling the model.
	if !holdsBadControl(reflect.ValueOf(rc.c).Elem()) {
		return
	}
	raw, err := json.Marshal(rc.c)
	if err != nil {
		return
	}
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return
	}
	reported := func(at hcl.Range) bool {
		for _, d := range rc.diags {
			// A warning about the value does not say it is unusable.
			if d.Severity == diag.Error && d.Subject.Filename == at.Filename && d.Subject.Start.Byte <= at.Start.Byte && at.End.Byte <= d.Subject.End.Byte {
				return true
			}
		}
		return false
	}
	walkNUL(doc, nil, func(path []string, s string) {
		at := rc.value(path...)
		if reported(at) || rc.failed(path...) {
			return
		}
		if strings.ContainsRune(s, 0) {
			rc.add(diag.InvalidValue, at, "%s has a NUL byte (\\u0000), which Nix strings cannot hold. Remove it.", dottedPath(path))
			return
		}
		if len(path) == 3 && path[0] == "groups" && path[2] == "description" {
			return // data: any text but NUL
		}
		if p := controlProblem(s); p != "" {
			rc.add(diag.InvalidValue, at, "%s has %s, which means nothing in this setting and would reach its consumer as is (a command line, a host name, a path, a URL). Remove it.", dottedPath(path), p)
		}
	})
}

// dottedPath writes a document path as cluster.hcl's reader would:
// deploy.ssh_opts[0], nodes.cp2.deploy_host.
func dottedPath(path []string) string {
	var b strings.Builder
	for _, k := range path {
		if _, err := strconv.Atoi(k); err == nil && b.Len() > 0 {
			b.WriteString("[" + k + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

// holdsBadControl reports whether any string in v, map keys and Helm
// values included, holds a character badControl reports (NUL is one):
// when none does, checkNUL's walk would report nothing.
func holdsBadControl(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.ContainsFunc(v.String(), badControl)
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && holdsBadControl(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && holdsBadControl(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if holdsBadControl(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if holdsBadControl(it.Key()) || holdsBadControl(it.Value()) {
				return true
			}
		}
	}
	return false
}

func walkNUL(v any, path []string, bad func(path []string, s string)) {
	if len(path) == 3 && path[0] == "helm_releases" && path[2] == "values" {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range model.SortedKeys(x) {
			walkNUL(x[k], append(append([]string(nil), path...), k), bad)
		}
	case []any:
		for i, e := range x {
			walkNUL(e, append(append([]string(nil), path...), fmt.Sprint(i)), bad)
		}
	case string:
		if strings.ContainsRune(x, 0) || strings.ContainsFunc(x, badControl) {
			bad(path, x)
		}
	}
}
