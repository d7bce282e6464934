package testtool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
)

// MatchCommitted checks rendered files against the repository's own
// committed outputs under root: for the repository's cluster.hcl those are
// the golden files, so they are not kept a second time under testdata.
// (render/repo_test.go checks the whole tree, stale files included.)
func MatchCommitted(t *testing.T, root string, files []generator.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		want, err := os.ReadFile(p)
		switch {
		case err != nil:
			t.Errorf("%s: %v (run `go run ./cmd/hlcgen render` at the repository root if intended)", f.Path, err)
		case !bytes.Equal(want, f.Content):
			t.Errorf("%s differs from the committed file (run `go run ./cmd/hlcgen render` at the repository root if intended)", f.Path)
		}
	}
}
