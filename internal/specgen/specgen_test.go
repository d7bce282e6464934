package specgen_test

import (
	"bytes"
	"fmt"
	"testing"

	"filippo.io/age"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/validate"
)

func TestGeneratedSpecsAreValid(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := specgen.Generate(n)
			_, c, ds := validate.Load("cluster.hcl", src, specgen.Files(n))
			// Warnings are logged, not failed: a new warning rule should
			// not break this test, but a spec with errors benchmarks
			// nothing (render refuses it).
			for _, d := range ds {
				report := t.Errorf
				if d.Severity != diag.Error {
					report = t.Logf
				}
				report("%s:%d:%d %s %s: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Code, d.Severity, d.Detail)
			}
			if c == nil {
				t.Fatal("no model")
			}
			if len(c.Nodes) != n {
				t.Errorf("%d nodes, want %d", len(c.Nodes), n)
			}
			if cps := len(c.ControlPlaneNodes()); cps%2 != 1 {
				t.Errorf("%d control-plane nodes, want an odd count", cps)
			}
			if got, want := len(c.HelmReleases), max(3, n/10); got != want {
				t.Errorf("%d helm releases, want %d", got, want)
			}
			if t.Failed() {
				return
			}
			if _, err := pipeline.Files(c); err != nil {
				t.Errorf("render: %v", err)
			}
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	if !bytes.Equal(specgen.Generate(50), specgen.Generate(50)) {
		t.Error("two specs of 50 nodes differ")
	}
}

func TestRecipientsParseAndDiffer(t *testing.T) {
	seen := map[string]string{}
	for _, seed := range []string{"a", "b", "node/cp1", "node/w1", "flux"} {
		r := specgen.Recipient(seed)
		if _, err := age.ParseX25519Recipient(r); err != nil {
			t.Errorf("Recipient(%q) = %q: %v", seed, r, err)
		}
		if prev, dup := seen[r]; dup {
			t.Errorf("Recipient(%q) = Recipient(%q)", seed, prev)
		}
		seen[r] = seed
	}
}
