package kubernetes

import (
	"fmt"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
)

// ManifestsFile is the name of the rendered manifests file inside the Flux
// path.
const ManifestsFile = "all.yaml"

// manifestsScript is the body of kubernetes/manifests.sh after the
// destination assignment. It is constant: the only value taken from
// cluster.hcl is the destination, which is shell-quoted into `dest=`.
const manifestsScript = `# The flake's packages.<system>.manifests is kubenix's resultYAML for
# kubernetes/kubenix (multi-document YAML). It is built, not evaluated, so
# nothing here needs kubectl or cluster access.
out=$(nix --extra-experimental-features 'nix-command flakes' \
  build --no-link --print-out-paths "$root#manifests")

mkdir -p "$(dirname "$dest")"
# The store copy is read-only; replace rather than overwrite it.
rm -f "$dest"
cp "$out" "$dest"
chmod 0644 "$dest"
echo "wrote $dest; commit and push it for Flux to apply"
`

// renderManifestsScript writes the `make manifests` script: it builds the
// kubenix output with the flake and copies it to <flux.path>/all.yaml, the
// directory Flux's root Kustomization applies (kubernetes/manifests without
// a flux block). Run it from anywhere inside the repository:
//
//	sh kubernetes/manifests.sh
func renderManifestsScript(c *model.Cluster) (generator.File, error) {
	dir := "kubernetes/manifests"
	if c.Flux != nil {
		dir = cleanRel(c.Flux.Path)
	}
	if strings.HasPrefix(dir, "../") || dir == ".." || strings.HasPrefix(dir, "/") {
		return generator.File{}, fmt.Errorf("manifests directory %q leaves the repository", dir)
	}
	if strings.ContainsRune(dir, 0) {
		return generator.File{}, fmt.Errorf("manifests directory contains a NUL byte")
	}
	var b strings.Builder
	// No shebang: the header must be the first line of every generated
	// file, and the script is run as `sh kubernetes/manifests.sh`.
	b.WriteString("# " + generator.Header + "\n")
	b.WriteString("#\n")
	b.WriteString("# Renders the kubenix modules in kubernetes/kubenix to YAML and writes it\n")
	b.WriteString("# where Flux applies it. Usage: sh kubernetes/manifests.sh\n")
	b.WriteString("set -eu\n")
	b.WriteString("root=$(cd \"$(dirname \"$0\")/..\" && pwd)\n")
	// The destination is the only value from cluster.hcl: single-quoted,
	// and anchored at the repository root so it can never read as an option.
	b.WriteString("dest=\"$root\"/" + shellQuote(dir+"/"+ManifestsFile) + "\n")
	b.WriteString("\n")
	b.WriteString(manifestsScript)
	return generator.File{Path: ManifestsScriptPath, Content: []byte(b.String())}, nil
}

// shellQuote returns s as one POSIX shell word: single-quoted, with each
// embedded single quote written as quote, backslash-quote, quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
