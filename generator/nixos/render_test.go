package nixos

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/model"
)

// The cases are the end-to-end cases (package e2e): their expected trees
// are checked once, by pipeline's TestEndToEnd. The tests here check
// properties of the NixOS files that a golden comparison cannot.
var cases []e2e.Case

func allCases(t *testing.T) []e2e.Case {
	t.Helper()
	if cases == nil {
		cases = e2e.Valid(t)
	}
	return cases
}

func loadCase(t *testing.T, tc e2e.Case) *model.Cluster {
	t.Helper()
	return tc.Load(t)
}

func render(t *testing.T, tc e2e.Case) []generator.File {
	t.Helper()
	return Render(loadCase(t, tc))
}

func TestDeterministic(t *testing.T) {
	for _, tc := range allCases(t) {
		first := render(t, tc)
		for i := 0; i < 5; i++ {
			again := render(t, tc)
			if len(again) != len(first) {
				t.Fatalf("%s: %d files, then %d", tc.Name, len(first), len(again))
			}
			for j := range first {
				if first[j].Path != again[j].Path || !bytes.Equal(first[j].Content, again[j].Content) {
					t.Fatalf("%s: %s differs between runs", tc.Name, first[j].Path)
				}
			}
		}
	}
}

func TestFilesAreSortedWithHeader(t *testing.T) {
	want := "# " + generator.Header + "\n"
	for _, tc := range allCases(t) {
		files := render(t, tc)
		for i, f := range files {
			if i > 0 && files[i-1].Path >= f.Path {
				t.Errorf("%s: %s listed after %s", tc.Name, f.Path, files[i-1].Path)
			}
			if !strings.HasPrefix(string(f.Content), want) {
				t.Errorf("%s: %s does not start with the header line", tc.Name, f.Path)
			}
			if strings.HasPrefix(f.Path, "/") || strings.Contains(f.Path, "..") || !strings.HasPrefix(f.Path, "generated/") {
				t.Errorf("%s: unexpected output path %s", tc.Name, f.Path)
			}
		}
	}
}

func TestRelFrom(t *testing.T) {
	for _, tt := range []struct{ dir, target, want string }{
		{"generated/hosts/cp1", "hardware/cp1.nix", "../../../hardware/cp1.nix"},
		{"generated/hosts/cp1", "generated/modules/common.nix", "../../modules/common.nix"},
		{"generated/modules", "secrets/cluster.yaml", "../../secrets/cluster.yaml"},
		{"generated/modules", "generated/modules/x.nix", "x.nix"},
		{"generated/hosts/generated", "generated.nix", "../../../generated.nix"},
	} {
		if got := relFrom(tt.dir, tt.target); got != tt.want {
			t.Errorf("relFrom(%q, %q) = %q, want %q", tt.dir, tt.target, got, tt.want)
		}
	}
}
