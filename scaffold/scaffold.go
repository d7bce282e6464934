// Package scaffold holds the files `hlcgen init` writes into a new homelab
// repository: a starter cluster.hcl, the flake and Makefile that consume
// hlcgen's outputs, placeholder hardware modules and a pre-commit config.
//
// These are the user's files from the moment they are written: they are
// static text meant to be edited by hand, so they do not go through the Nix
// printer, carry no "generated" header and are never listed in the manifest.
// render never touches them, and init never overwrites one that exists.
package scaffold

import (
	"path"
	"strings"

	"github.com/hlcgen/hlcgen/templates"
)

//go:generate cp ../flake.nix ../Makefile ../templates/init/

// The starter files are in templates/init. flake.nix and Makefile are
// copies of the repository's own (go generate refreshes them; a test fails
// when they drift): hlcgen's repository is itself a homelab repository, the
// reference one.

// File is one scaffolded file.
type File struct {
	Path    string // slash-separated, relative to the new repository
	Content []byte
}

// StarterNodes are the nodes of the starter cluster.hcl, in order; each
// gets a placeholder hardware/<node>.nix.
var StarterNodes = []string{"cp1", "cp2", "cp3"}

// placeholder markers substituted in the templates. They are plain text
// replacements: the files are static apart from them.
const (
	nodeMarker    = "@NODE@"
	versionMarker = "@VERSION@"
)

// Files returns the files of a new homelab repository, sorted by path. rev
// is the hlcgen revision the pre-commit hooks build (a release tag such as
// v1.2.0, or a branch).
func Files(rev string) []File {
	out := []File{
		{".pre-commit-config.yaml", []byte(strings.ReplaceAll(read("pre-commit-config.yaml"), versionMarker, rev))},
		{"Makefile", []byte(read("Makefile"))},
		{"cluster.hcl", []byte(read("cluster.hcl"))},
		{"flake.nix", []byte(read("flake.nix"))},
	}
	hw := read("hardware.nix")
	for _, n := range StarterNodes {
		out = append(out, File{path.Join("hardware", n+".nix"), []byte(strings.ReplaceAll(hw, nodeMarker, n))})
	}
	return out
}

func read(name string) string {
	b, err := templates.Init.ReadFile("init/" + name)
	if err != nil {
		panic("scaffold: missing embedded file " + name) // caught by the tests
	}
	return string(b)
}
