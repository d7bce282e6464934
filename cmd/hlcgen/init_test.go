package main

import "testing"

// TestHookRev: the scaffolded pre-commit config pins the release that ran
// init, and a branch for anything that is not a release.
func TestHookRev(t *testing.T) {
	saved := version
	defer func() { version = saved }()
	for v, want := range map[string]string{
		"v1.2.3":                               "v1.2.3",
		"v1.3.0-rc.1":                          "v1.3.0-rc.1",
		"v1.2.4-0.20260101120000-abcdef123456": "main",
		"v1.2.3+dirty":                         "main",
		"dev":                                  "main",
	} {
		version = v
		if got := hookRev(); got != want {
			t.Errorf("version %q: rev %q, want %q", v, got, want)
		}
	}
}
