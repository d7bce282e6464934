package validate

import (
	"encoding/json"
	"fmt"
	"strings"

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
			if f == "" || !strings.ContainsAny(f, " \t\n\r\v\f%$\\\"'") {
				continue
			}
			rc.add(diag.InvalidValue, rc.value("kubernetes", list.attr, idx(i)),
				"kubernetes.%s[%d] %q has whitespace, a quote, a backslash, '%%' or '$'; k3s flags go into a systemd ExecStart line unquoted, where systemd would split or expand them. Write each flag as one word without these characters (a value with spaces belongs in a k3s config file instead).",
				list.attr, i, f)
		}
	}
}

// checkNUL: Nix strings cannot hold a NUL byte, so no string of the spec
// may have one. It runs last and stays silent where another rule already
// reported the same value (a taint or a device path with a NUL, say).
//
// The model holds exactly the values the schema accepted, under the
// document's keys (its JSON tags), so walking it reports each bad string
// once and at its own range. Map keys are block labels and label keys,
// which their own rules check; Helm values are checkHelmValues' business.
func checkNUL(rc *ruleContext) {
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
			if d.Subject.Filename == at.Filename && d.Subject.Start.Byte <= at.Start.Byte && at.End.Byte <= d.Subject.End.Byte {
				return true
			}
		}
		return false
	}
	walkNUL(doc, nil, func(path []string) {
		if at := rc.value(path...); !reported(at) {
			rc.add(diag.InvalidValue, at, "%s has a NUL byte (\\u0000), which Nix strings cannot hold. Remove it.", strings.Join(path, "."))
		}
	})
}

func walkNUL(v any, path []string, bad func(path []string)) {
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
		if strings.ContainsRune(x, 0) {
			bad(path)
		}
	}
}
