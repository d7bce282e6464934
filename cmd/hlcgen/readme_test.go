package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryCommand keeps README's Commands table in step
// with the commands hlcgen has: each has a row starting with its name.
func TestREADMEDocumentsEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, cmd := range newApp(io.Discard, io.Discard).Commands {
		if row := "\n| `hlcgen " + cmd.Name; !strings.Contains(readme, row) {
			t.Errorf("README.md has no Commands row for hlcgen %s (%q)", cmd.Name, row)
		}
	}
}
