package validate

import (
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/hlcgen/hlcgen/diag"
)

// fluxDurationRE is the pattern Flux's CRDs put on every interval
// (metav1.Duration with +kubebuilder:validation:Pattern): Go durations made
// of ms, s, m and h only.
var fluxDurationRE = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)

// scpLikeRE matches Git's scp-like syntax, git@github.com:me/repo.git, which
// Flux does not accept.
var scpLikeRE = regexp.MustCompile(`^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(.+)$`)

// repoURLProblem explains why raw is not a repository URL with one of the
// schemes and a host, or returns "". A Git repository (git) also needs a
// path. parsed is the URL when it parsed.
func repoURLProblem(raw string, schemes []string, git bool, example string) (problem string, parsed *url.URL) {
	if strings.TrimSpace(raw) == "" {
		return "it is empty; write a URL such as " + example, nil
	}
	if !strings.Contains(raw, "://") {
		if m := scpLikeRE.FindStringSubmatch(raw); m != nil && contains(schemes, "ssh") {
			return "Flux does not understand Git's scp-like syntax; write \"ssh://" + m[1] + "@" + m[2] + "/" + strings.TrimPrefix(m[3], "/") + "\"", nil
		}
		return "it has no scheme; write a URL such as " + example, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "it is not a URL (" + err.Error() + "); write one such as " + example, nil
	}
	if !contains(schemes, u.Scheme) {
		want := make([]string, len(schemes))
		for i, s := range schemes {
			want[i] = s + "://"
		}
		if u.Scheme == "http" {
			return "plain http:// is unauthenticated and unencrypted; use https://", u
		}
		return "its scheme is " + u.Scheme + "://, and only " + strings.Join(want, " and ") + " are supported; write a URL such as " + example, u
	}
	if u.Hostname() == "" {
		return "it has no host; write a URL such as " + example, u
	}
	// A Helm chart repository may be a whole host (https://helm.cilium.io);
	// a Git repository and an OCI repository are paths on one.
	if strings.Trim(u.Path, "/") == "" && (git || u.Scheme == "oci") {
		return "it names a host but no repository; write a URL such as " + example, u
	}
	return "", u
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cleanRelativeProblem explains why p is not a clean relative path inside
// the repository, or returns "".
func cleanRelativeProblem(p string) string {
	switch {
	case strings.HasPrefix(p, "/"):
		return "it is absolute"
	case hasDotDot(p):
		return "it leaves the repository through \"..\""
	case strings.Contains(p, "\\"):
		return "it has a backslash; separate directories with '/'"
	case path.Clean(p) != p:
		return "it is not a clean path; write \"" + path.Clean(p) + "\""
	}
	return ""
}

func checkFlux(rc *ruleContext) {
	f := rc.c.Flux
	if f == nil {
		return
	}
	if rc.wroteString("flux", "url") {
		p, u := repoURLProblem(f.URL, []string{"https", "ssh"}, true, "\"ssh://git@github.com/me/homelab.git\"")
		if !checkURLCredentials(rc, u, "flux.url", "flux", "url") && p != "" {
			rc.add(diag.FluxURL, rc.value("flux", "url"), "flux.url %q: %s.", f.URL, p)
		}
	}
	if rc.wroteString("flux", "branch") && strings.TrimSpace(f.Branch) == "" {
		rc.add(diag.FluxEmpty, rc.value("flux", "branch"),
			"flux.branch is empty; write the branch Flux follows, such as \"main\", or remove the setting to use \"main\".")
	}
	if rc.wroteString("flux", "path") {
		if strings.TrimSpace(f.Path) == "" {
			rc.add(diag.FluxEmpty, rc.value("flux", "path"),
				"flux.path is empty; write the directory Flux applies, relative to the repository root, such as \"kubernetes/manifests\" (or \".\" for the whole repository).")
		} else if p := cleanRelativeProblem(f.Path); p != "" {
			rc.add(diag.FluxPath, rc.value("flux", "path"),
				"flux.path %q: %s. Flux applies a directory of the repository it clones, given relative to its root, such as \"kubernetes/manifests\".", f.Path, p)
		}
	}
	if rc.wroteString("flux", "interval") {
		d, err := time.ParseDuration(f.Interval)
		switch {
		case err != nil || !fluxDurationRE.MatchString(f.Interval):
			rc.add(diag.FluxInterval, rc.value("flux", "interval"),
				"flux.interval %q is not a duration Flux accepts: write digits followed by h, m, s or ms, such as \"10m\" or \"1h30m\".", f.Interval)
		case d <= 0:
			rc.add(diag.FluxInterval, rc.value("flux", "interval"),
				"flux.interval %q is zero; Flux needs a positive interval, such as \"10m\".", f.Interval)
		}
	}
}
