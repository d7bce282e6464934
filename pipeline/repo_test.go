package pipeline_test

import (
	"os"
	"testing"

	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/writer"
)

// TestRepositoryOutputsAreCurrent is `hlcgen render --check` on the
// repository itself: the committed generated/, kubernetes/kubenix/,
// .sops.yaml, manifest and .gitattributes block must be exactly what the
// repository's cluster.hcl renders to. Run `go run ./cmd/hlcgen render`
// after an intended change.
func TestRepositoryOutputsAreCurrent(t *testing.T) {
	const root = "../"
	src, err := os.ReadFile(root + "cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Spec("cluster.hcl", src, os.DirFS(root))
	if err != nil || res.Diags.HasErrors() {
		t.Fatalf("render: %v %v", err, res.Diags.Errors())
	}
	plan, err := writer.NewPlan(root, res.Files, writer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.UpToDate() {
		for _, ch := range plan.Changes() {
			t.Errorf("%s", ch)
		}
		t.Error("the committed outputs are stale: run `go run ./cmd/hlcgen render` and commit the result")
	}
}
