package pipeline_test

import (
	"fmt"
	"testing"

	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/validate"
)

// BenchmarkFiles measures every generator on the validated model of a
// generated spec: what `hlcgen render` does after validation, before the
// writer. See BENCHMARKS.md.
func BenchmarkFiles(b *testing.B) {
	for _, n := range []int{5, 100, 1000} {
		_, c, ds := validate.Load("cluster.hcl", specgen.Generate(n), specgen.Files(n))
		if ds.HasErrors() {
			b.Fatalf("%d nodes: the generated spec has errors", n)
		}
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var out int64
			for b.Loop() {
				files, err := pipeline.Files(c)
				if err != nil {
					b.Fatal(err)
				}
				out = 0
				for _, f := range files {
					out += int64(len(f.Content))
				}
			}
			b.SetBytes(out)
		})
	}
}
