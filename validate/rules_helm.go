package validate

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// checkHelmReleases checks each helm_release. A release's name is its block
// label: the Flux HelmRelease object and the Helm release are both named
// after it, in its namespace. Labels are unique (the loader reports a
// repeated block as HLC004), so the only (namespace, name) pairs that can
// collide are with the releases hlcgen installs itself.
func checkHelmReleases(rc *ruleContext) {
	c := rc.c
	taken := map[[2]string]string{}
	for _, r := range c.ReservedHelmReleases() {
		taken[[2]string{r.Namespace, r.Name}] = r.What
	}
	names := rc.inFileOrder(model.SortedKeys(c.HelmReleases), "helm_releases")
	if len(names) > 0 && c.Flux == nil {
		rc.add(diag.HelmNoFlux, rc.name("helm_releases", names[0]),
			"%s %s %s declared, but there is no flux block: hlcgen renders Helm releases as Flux HelmRelease objects, and without Flux nothing installs them. Add a flux block, or remove the helm_release %s.",
			plural(len(names), "helm_release", "helm_releases"), quoteList(names), plural(len(names), "is", "are"), plural(len(names), "block", "blocks"))
	}
	for _, name := range names {
		h := c.HelmReleases[name]
		if rc.wroteString("helm_releases", name, "namespace") {
			if p := dnsLabelProblem(h.Namespace); p != "" {
				rc.add(diag.HelmNamespace, rc.value("helm_releases", name, "namespace"),
					"helm_release %q: namespace %q is not a Kubernetes namespace name (a DNS label: lowercase letters, digits and '-', at most 63 characters); %s.%s",
					name, h.Namespace, p, suchAs(h.Namespace, dnsLabelRE, "Write namespace = %q."))
			}
			if why, isTaken := taken[[2]string{h.Namespace, name}]; isTaken {
				rc.add(diag.HelmDuplicate, rc.name("helm_releases", name),
					"helm_release %q in namespace %q: %s, and two owners of one Helm release undo each other's changes. Rename this release or put it in another namespace; to change hlcgen's own release, use its settings in cluster.hcl.",
					name, h.Namespace, why)
			}
		}
		if rc.wroteString("helm_releases", name, "repo") {
			p, u := repoURLProblem(h.Repo, []string{"https", "oci"}, false, "\"https://grafana.github.io/helm-charts\" or \"oci://ghcr.io/org/charts\"")
			if !checkURLCredentials(rc, u, fmt.Sprintf("helm_release %q's repo", name), "helm_releases", name, "repo") && p != "" {
				rc.add(diag.HelmRepo, rc.value("helm_releases", name, "repo"),
					"helm_release %q: repo %q: %s.", name, h.Repo, p)
			}
		}
		// The schema rejects an empty version; this catches blanks and
		// ranges.
		switch at := rc.value("helm_releases", name, "version"); {
		case h.Version != "" && strings.TrimSpace(h.Version) == "":
			rc.add(diag.HelmVersion, at,
				"helm_release %q: version is blank. Pin the chart version, such as version = \"8.5.1\", so that a deploy is reproducible and upgrades are a reviewed change.", name)
		case h.Version != "" && versionRange(h.Version):
			rc.add(diag.HelmVersion, at,
				"helm_release %q: version %q is a range, so Flux would install whichever chart version is newest when it reconciles, and a deploy would not be reproducible. Pin one version, as the chart's Chart.yaml has it (MAJOR.MINOR.PATCH), such as version = \"8.5.1\"; upgrading is then a reviewed change.",
				name, h.Version)
		}
	}
	checkHelmValues(rc)
}

// versionRange reports whether a chart version is a range rather than one
// version. Flux's HelmRelease reads chart.spec.version as a semver
// constraint (Masterminds/semver), so "1.17.*", "1.x", "^1.2.0", "~1.2",
// ">=1.0.0 <2.0.0" and "1.0.0 || 2.0.0" each pick the newest chart that
// matches. Anything else is one version, carried as written.
func versionRange(v string) bool {
	if strings.ContainsAny(v, "*^~<>=|,") || strings.ContainsFunc(v, unicode.IsSpace) {
		return true
	}
	for _, p := range strings.Split(strings.TrimPrefix(v, "v"), ".") {
		if p == "x" || p == "X" {
			return true
		}
	}
	return false
}

// checkHelmValues: values reach the chart through Nix and YAML. Nix strings
// cannot hold NUL bytes, and neither YAML nor JSON has a non-finite number.
func checkHelmValues(rc *ruleContext) {
	raw, _ := rc.spec.Doc["helm_releases"].(map[string]any)
	for _, name := range model.SortedKeys(raw) {
		rel, _ := raw[name].(map[string]any)
		walkValues(rel["values"], []string{"helm_releases", name, "values"}, func(path []string, key bool, v any) {
			at := rc.value(path...)
			if key {
				at = rc.name(path...)
			}
			rc.add(diag.HelmValues, at, "helm_release %q: %s.", name, valueProblem(path[3:], key, v))
		})
	}
}

// walkValues calls bad for every map key or value under v that cannot be
// represented: a string with a NUL byte or a non-finite number.
func walkValues(v any, path []string, bad func(path []string, key bool, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range model.SortedKeys(x) {
			p := append(append([]string(nil), path...), k)
			if strings.ContainsRune(k, 0) || interpretedKey(k) {
				bad(p, true, k)
			}
			walkValues(x[k], p, bad)
		}
	case []any:
		for i, e := range x {
			walkValues(e, append(append([]string(nil), path...), idx(i)), bad)
		}
	case string:
		if strings.ContainsRune(x, 0) {
			bad(path, false, x)
		}
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			bad(path, false, x)
		}
	}
}

// interpretedKey reports whether a values key would not survive the trip
// through Nix and kubenix as data: Nix turns a set with outPath or
// __toString into a string when printing it as JSON, and kubenix strips
// every attribute whose name starts with "_" from the objects it renders.
func interpretedKey(k string) bool {
	return k == "outPath" || strings.HasPrefix(k, "_")
}

func valueProblem(path []string, key bool, v any) string {
	where := "values." + strings.Join(path, ".")
	switch {
	case key && interpretedKey(path[len(path)-1]):
		return fmt.Sprintf("the key %q of %s would not reach the chart: Nix treats outPath and __toString specially and kubenix drops keys that start with \"_\". Set it with a post-renderer or in a values file the chart reads", path[len(path)-1], strings.Join(append([]string{"values"}, path[:len(path)-1]...), "."))
	case key:
		return fmt.Sprintf("the key %q of %s has a NUL byte, which Nix strings cannot hold; remove it", strings.ReplaceAll(path[len(path)-1], "\x00", `\u0000`), strings.Join(append([]string{"values"}, path[:len(path)-1]...), "."))
	case isString(v):
		return fmt.Sprintf("%s has a NUL byte (\\u0000), which Nix strings cannot hold; remove it", where)
	}
	return fmt.Sprintf("%s is too large to be a number (beyond ±1.8e308); if the chart expects such a value, write it as a string", where)
}

func isString(v any) bool { _, ok := v.(string); return ok }

// withoutNonFinite returns the document with every non-finite number in
// Helm values removed. The loader turns a number literal beyond float64's
// range into ±Inf; CUE accepts it in the opaque values but cannot export
// it, which would fail the whole model. checkHelmValues reports them.
func withoutNonFinite(spec *load.Spec) map[string]any {
	raw, _ := spec.Doc["helm_releases"].(map[string]any)
	if raw == nil {
		return spec.Doc
	}
	doc := make(map[string]any, len(spec.Doc))
	for k, v := range spec.Doc {
		doc[k] = v
	}
	releases := make(map[string]any, len(raw))
	for name, r := range raw {
		rel, ok := r.(map[string]any)
		if !ok {
			releases[name] = r
			continue
		}
		copied := make(map[string]any, len(rel))
		for k, v := range rel {
			copied[k] = v
		}
		if v, ok := rel["values"]; ok {
			copied["values"] = finiteOnly(v)
		}
		releases[name] = copied
	}
	doc["helm_releases"] = releases
	return doc
}

func finiteOnly(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if f, ok := e.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
				continue
			}
			out[k] = finiteOnly(e)
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if f, ok := e.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
				e = nil // keep positions
			}
			out = append(out, finiteOnly(e))
		}
		return out
	}
	return v
}
