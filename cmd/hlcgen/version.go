package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// lastRelease is the hlcgen release this source comes after: the rev that
// README's pre-commit example and `go install` line name (a test keeps
// them equal), and what init pins for a build that knows no version of its
// own.
const lastRelease = "v1.2.0"

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// the build info decides (buildVersion).
var version = ""

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print hlcgen's version (the same as --version)",
		Action: func(c *cli.Context) error {
			cli.VersionPrinter(c)
			return nil
		},
	}
}

// buildVersion is hlcgen's version: the module version `go install
// ...@v1.3.0` records (v1.3.0, or a pseudo-version for a commit), or, for
// a binary built in a clone, the commit it was built from (with -dirty
// for uncommitted changes), as the go command records them in the build
// info (`go version -m`). "devel" when it records neither
// (-buildvcs=false, go run).
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev != "" {
		return rev + dirty
	}
	return "devel"
}

// isReleaseTag reports whether a module version names a release, such as
// v1.2.0 or v1.3.0-rc.1, as opposed to a pseudo-version
// (v1.2.4-0.20260101120000-abcdef123456), a commit or a +dirty build.
func isReleaseTag(v string) bool {
	return semver.IsValid(v) && semver.Build(v) == "" && !module.IsPseudoVersion(v)
}

// hookRev is the hlcgen revision the scaffolded pre-commit config pins for
// version v: the release tag, or else the commit it was built from, so the
// hooks render exactly what the user's hlcgen renders; never a branch,
// which moves (pre-commit warns about one on every run). A build that
// knows no version pins lastRelease, and note says so.
func hookRev(v string) (rev, note string) {
	if semver.IsValid(v) {
		// A dirty build (v1.2.3+dirty) pins what it was built from.
		v = strings.TrimSuffix(v, semver.Build(v))
	}
	switch {
	case isReleaseTag(v):
		return v, ""
	case module.IsPseudoVersion(v):
		if r, err := module.PseudoVersionRev(v); err == nil {
			return r, ""
		}
	case isCommit(v):
		return v[:40], ""
	}
	return lastRelease, fmt.Sprintf("this hlcgen (version %s) does not know the revision it was built from, so .pre-commit-config.yaml pins the last release, %s: set its rev to the hlcgen you render with.", v, lastRelease)
}

// isCommit reports whether v is a full Git commit hash, with -dirty or not.
func isCommit(v string) bool {
	if len(v) < 40 {
		return false
	}
	for _, r := range v[:40] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return len(v) == 40 || v[40:] == "-dirty"
}
