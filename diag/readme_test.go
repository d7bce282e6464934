package diag

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryRule keeps the README's rule table in step with
// the catalogue: a new rule without documentation fails here.
func TestREADMEDocumentsEveryRule(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, r := range Catalogue {
		row := "| " + r.Code + " | " + r.Severity.String() + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md has no row %q for %q", row, r.Summary)
		}
	}
}
