package main

import (
	"os"
	"regexp"
	"runtime/debug"
	"testing"
)

// TestHookRev: the scaffolded pre-commit config pins the release that ran
// init, or the commit it was built from; never a branch, which moves.
func TestHookRev(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	for v, want := range map[string]string{
		"v1.2.3":                               "v1.2.3",
		"v1.3.0-rc.1":                          "v1.3.0-rc.1",
		"v1.2.3+dirty":                         "v1.2.3",
		"v1.2.4-0.20260101120000-abcdef123456": "abcdef123456",
		"v1.2.4-0.20260101120000-abcdef123456+dirty": "abcdef123456",
		commit:            commit,
		commit + "-dirty": commit,
		"devel":           lastRelease,
	} {
		rev, note := hookRev(v)
		if rev != want {
			t.Errorf("version %q: rev %q, want %q", v, rev, want)
		}
		if (note != "") != (want == lastRelease) {
			t.Errorf("version %q: note %q", v, note)
		}
	}
}

// TestVersionOf: the version comes from the build info: the module's
// version when go install recorded one, else the commit of a clone.
func TestVersionOf(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}}
	for _, tc := range []struct {
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"v1.3.0", nil, "v1.3.0"},
		{"(devel)", vcs, "0123456789abcdef0123456789abcdef01234567"},
		{"(devel)", append(vcs, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), "0123456789abcdef0123456789abcdef01234567-dirty"},
		{"(devel)", nil, "devel"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Version: tc.main}, Settings: tc.settings}
		if got := versionOf(bi); got != tc.want {
			t.Errorf("%q %v: %q, want %q", tc.main, tc.settings, got, tc.want)
		}
	}
}

// TestREADMERelease: the README's pre-commit rev and go install line name
// the same release as lastRelease, which init pins when it knows no
// better.
func TestREADMERelease(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	revs := regexp.MustCompile(`(?m)rev: (\S+)|cmd/hlcgen@(\S+)`).FindAllStringSubmatch(string(b), -1)
	if len(revs) < 2 {
		t.Fatalf("README names %d hlcgen revisions, want the pre-commit rev and the go install version", len(revs))
	}
	for _, m := range revs {
		if got := m[1] + m[2]; got != lastRelease {
			t.Errorf("README names %s, want %s (lastRelease)", got, lastRelease)
		}
	}
}
