package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// checkK3sFlags: the nixpkgs k3s module pastes extraFlags unquoted into the
// unit's ExecStart (nixos/modules/services/cluster/k3s/default.nix), where
// systemd splits words at whitespace, expands % specifiers and $VARIABLES
// and interprets quotes and backslashes. A flag with any of those would not
// reach k3s as written.
func checkK3sFlags(rc *ruleContext) {
	k := rc.c.Kubernetes
	for _, list := range []struct {
		attr  string
		flags []string
	}{{"extra_server_flags", k.ExtraServerFlags}, {"extra_agent_flags", k.ExtraAgentFlags}} {
		for i, f := range list.flags {
			if f == "" || !strings.ContainsAny(f, " \t\n\r\v\f%$\\\"'") && !strings.ContainsFunc(f, unprintable) {
				continue
			}
			rc.add(diag.InvalidValue, rc.value("kubernetes", list.attr, idx(i)),
				"kubernetes.%s[%d] %q has whitespace, a control character, a quote, a backslash, '%%' or '$'; k3s flags go into a systemd ExecStart line unquoted, where systemd would split or expand them. Write each flag as one word without these characters (a value with spaces belongs in a k3s config file instead).",
				list.attr, i, f)
		}
	}
}

// unprintable reports characters that are never part of a flag: controls
// and Unicode spaces (systemd splits only at ASCII whitespace, so k3s
// would get them as part of the flag).
func unprintable(r rune) bool { return unicode.IsSpace(r) || badControl(r) }

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
	raw, err := json.Marshal(rc.c)
	// encoding/json writes NUL and the other C0 controls as \u00XX (or
	// \n, \r), and U+2028 and U+2029 as \u2028 and \u2029; the others
	// badControl reports stay raw. Without any, there is nothing to walk
	// (the walk is most of this rule's cost on a large spec).
	if err != nil || !bytes.Contains(raw, []byte(`\u`)) && !bytes.Contains(raw, []byte(`\n`)) &&
		!bytes.Contains(raw, []byte(`\r`)) && !bytes.ContainsFunc(raw, badControl) {
		return
	}
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return
	}
	reported := func(at hcl.Range) bool {
		for _, d := range rc.diags {
			if d.Subject.Filename == at.Filename && d.Subject.Start.Byte <= at.Start.Byte && at.End.Byte <= d.Subject.End.Byte {
				return true
			}
		}
		return false
	}
	walkNUL(doc, nil, func(path []string, s string) {
		at := rc.value(path...)
		if reported(at) {
			return
		}
		if strings.ContainsRune(s, 0) {
			rc.add(diag.InvalidValue, at, "%s has a NUL byte (\\u0000), which Nix strings cannot hold. Remove it.", strings.Join(path, "."))
			return
		}
		if len(path) == 3 && path[0] == "groups" && path[2] == "description" {
			return // data: any text but NUL
		}
		if p := controlProblem(s); p != "" {
			rc.add(diag.InvalidValue, at, "%s has %s, which means nothing in this setting and would reach its consumer as is (a command line, a host name, a path, a URL). Remove it.", strings.Join(path, "."), p)
		}
	})
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
