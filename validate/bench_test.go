package validate_test

import (
	"fmt"
	"testing"

	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/validate"
)

// BenchmarkLoad measures parsing and validating a generated spec (schema
// and cross-field rules, module existence in an in-memory repository). The
// schema is compiled once per process, before the timer starts, as in
// hlcgen itself where it is compiled once per run. See BENCHMARKS.md.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{5, 100, 1000} {
		src, repo := specgen.Generate(n), specgen.Files(n)
		if _, _, ds := validate.Load("cluster.hcl", src, repo); ds.HasErrors() {
			b.Fatalf("%d nodes: the generated spec has errors", n)
		}
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				validate.Load("cluster.hcl", src, repo)
			}
		})
	}
}
