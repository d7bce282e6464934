package nix_test

import (
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/nix"
)

func addSeeds(f *testing.F) {
	for _, s := range fixedHostile {
		f.Add(s)
	}
	for _, s := range hostileFragments {
		f.Add(s)
	}
}

// FuzzString checks, with a Go model of the Nix lexer, that String output
// is one properly terminated literal without a live `${` interpolation that
// decodes to exactly the input.
func FuzzString(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("NUL is unrepresentable")
		}
		out := nix.Print(nix.String(s))
		if strings.ContainsAny(out, "\n\r") {
			t.Fatalf("raw line break in %q", out)
		}
		got, err := decodeLiteral(out)
		if err != nil {
			t.Fatalf("String(%q) = %s: %v", s, out, err)
		}
		if got != s {
			t.Fatalf("String(%q) = %s decodes to %q", s, out, got)
		}
		// Keys use the same escaping when quoted.
		if k := nix.Key(s); strings.HasPrefix(k, `"`) && k != out {
			t.Fatalf("Key(%q) = %s, String = %s", s, k, out)
		}
	})
}

// FuzzMultilineString does the same for indented strings, including Nix's
// indentation stripping, at several indentation levels.
func FuzzMultilineString(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("NUL is unrepresentable")
		}
		e := nix.MultilineString(s)
		for _, out := range []string{
			nix.Print(e),
			// Nested: the literal starts after "  a = " at indentation 2.
			strings.TrimSuffix(strings.TrimPrefix(nix.Print(nix.NewAttrs().Set("a", e)), "{\n  a = "), ";\n}"),
		} {
			got, err := decodeLiteral(out)
			if err != nil {
				t.Fatalf("MultilineString(%q) = %s: %v", s, out, err)
			}
			if got != s {
				t.Fatalf("MultilineString(%q) =\n%s\ndecodes to %q", s, out, got)
			}
		}
	})
}
