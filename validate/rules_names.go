package validate

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// A DNS label (RFC 1123), as NixOS networking.hostName and Kubernetes object
// names need. Lowercase only, no dots: a name never becomes a path with
// "/" or "..", nor a domain.
var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// A Linux login name as NixOS and shadow's useradd accept it; the schema's
// pattern for user block labels is the same.
var userNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)

// A group name: it is a tag on nodes and the GROUP= of `make gdeploy`, so
// it must be safe in a Makefile, a shell word and a file name. The schema
// checks node groups lists with the same pattern.
var groupNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// maxHelmReleaseName is Helm's limit on release names (helm's
// releaseNameMaxLen), stricter than a DNS label's 63.
const maxHelmReleaseName = 53

// dnsLabelProblem explains why s is not a DNS label, or returns "".
func dnsLabelProblem(s string) string {
	switch {
	case dnsLabelRE.MatchString(s):
		return ""
	case s == "":
		return "it is empty"
	case utf8.RuneCountInString(s) > 63:
		return fmt.Sprintf("it is %d characters long, and a DNS label has at most 63", utf8.RuneCountInString(s))
	case strings.ContainsAny(s, "./\\"):
		return "it contains '.' or '/', and a DNS label has neither (it must never read as a domain or a path)"
	case strings.ToLower(s) != s:
		return "it has uppercase letters"
	case strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-"):
		return "it starts or ends with '-'"
	}
	return "it has characters other than lowercase letters, digits and '-'"
}

// suggestLabel turns s into something close that matches re, for "such as"
// hints; it returns "" when nothing sensible comes out.
func suggestLabel(s string, re *regexp.Regexp) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	if !re.MatchString(out) {
		return ""
	}
	return out
}

func suchAs(s string, re *regexp.Regexp, format string) string {
	if sug := suggestLabel(s, re); sug != "" && sug != s {
		return " " + fmt.Sprintf(format, sug)
	}
	return ""
}

// checkNames checks the names that become host names, Kubernetes object
// names and file names: the cluster, nodes, Helm releases and groups. User
// names and Ceph pool names have patterns in the schema; a label that fails
// them is reported by labelNameDiagnostic during the schema walk.
func checkNames(rc *ruleContext) {
	c := rc.c
	if rc.has("cluster", "name") {
		if p := dnsLabelProblem(c.Cluster.Name); p != "" {
			rc.add(diag.DNSLabelName, rc.value("cluster", "name"),
				"The cluster name %q is used in Kubernetes and NixOS names, so it must be a DNS label: lowercase letters, digits and '-', at most 63 characters; %s.%s",
				c.Cluster.Name, p, suchAs(c.Cluster.Name, dnsLabelRE, "Write cluster %q { ... }."))
		}
	}
	for _, n := range c.NodeNames() {
		if p := dnsLabelProblem(n); p != "" {
			rc.add(diag.DNSLabelName, rc.name("nodes", n),
				"A node's name becomes its NixOS networking.hostName and its Kubernetes node name, so it must be a DNS label: lowercase letters, digits and '-', at most 63 characters, no dots (the domain goes in cluster.domain); %s.%s",
				p, suchAs(n, dnsLabelRE, "Rename the block, such as node %q."))
		} else if n[0] < 'a' || n[0] > 'z' {
			// deploy-rs' interface.json: node names match [A-z][A-z0-9_-]*.
			rc.add(diag.DNSLabelName, rc.name("nodes", n),
				"Node %q: deploy-rs requires node names to start with a letter. Rename the block, such as node %q.", n, "n"+n)
		}
	}
	for _, h := range model.SortedKeys(c.HelmReleases) {
		p := dnsLabelProblem(h)
		if p == "" && len(h) > maxHelmReleaseName {
			p = fmt.Sprintf("it is %d characters long, and Helm release names have at most %d", len(h), maxHelmReleaseName)
		}
		if p != "" {
			rc.add(diag.DNSLabelName, rc.name("helm_releases", h),
				"A helm_release's name becomes the name of its Flux HelmRelease and of the Helm release, so it must be a DNS label: lowercase letters, digits and '-', at most 63 characters; %s.%s",
				p, suchAs(h, dnsLabelRE, "Rename the block, such as helm_release %q."))
		}
	}
	for _, g := range model.SortedKeys(c.Groups) {
		if !groupNameRE.MatchString(g) {
			rc.add(diag.GroupName, rc.name("groups", g),
				"Group %q: a group name is used as GROUP= of `make gdeploy` and in file names, so it is a lowercase letter or digit followed by at most 62 lowercase letters, digits, '-' or '_'.%s",
				g, suchAs(g, groupNameRE, "Rename the block, such as group %q."))
		}
	}
}

// labelNameDiagnostic is called by the schema walk for a block label that
// the schema's key pattern rejects (user "Ops", block_pool "Fast_Pool"). It
// reports the label under the naming rule with a proper explanation, rather
// than as an unknown attribute. ok is false for paths that are not labels
// of such a block.
func labelNameDiagnostic(spec *load.Spec, path []string) (d diag.Diagnostic, ok bool) {
	switch {
	case len(path) == 2 && path[0] == "users":
		name := path[1]
		var why string
		switch {
		case name == "":
			why = "it is empty"
		case utf8.RuneCountInString(name) > 32:
			why = fmt.Sprintf("it is %d characters long", utf8.RuneCountInString(name))
		case strings.ToLower(name) != name:
			why = "it has uppercase letters"
		case strings.ContainsAny(name, "./\\"):
			why = "it contains '.' or '/'"
		case name[0] >= '0' && name[0] <= '9' || name[0] == '-':
			why = "it starts with a digit or '-'"
		default:
			why = "it has characters other than lowercase letters, digits, '_' and '-'"
		}
		sug := ""
		if s := suggestLabel(name, userNameRE); s != "" && s != name {
			sug = fmt.Sprintf(" Rename the block, such as user %q.", s)
		}
		return diag.New(diag.UserName, spec.Source.Name(path...),
			"User %q: a user name is a Linux login name: a lowercase letter or '_' first, then lowercase letters, digits, '_' or '-', at most 32 characters; %s.%s",
			name, why, sug), true
	case len(path) == 3 && path[0] == "ceph" && (path[1] == "block_pools" || path[1] == "filesystems"):
		kind := "block_pool"
		if path[1] == "filesystems" {
			kind = "filesystem"
		}
		return diag.New(diag.DNSLabelName, spec.Source.Name(path...),
			"Ceph %s %q: the name becomes the name of a Rook object and of Ceph pools, so it must be a DNS label: lowercase letters, digits and '-', at most 63 characters; %s.%s",
			kind, path[2], dnsLabelProblem(path[2]), suchAs(path[2], dnsLabelRE, "Rename the block, such as "+kind+" %q.")), true
	}
	return diag.Diagnostic{}, false
}
