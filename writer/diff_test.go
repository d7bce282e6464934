package writer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	tests := []struct {
		name     string
		old, new []byte
		want     string
	}{
		{"identical", []byte("a\n"), []byte("a\n"), ""},
		{"both absent", nil, nil, ""},
		{
			"added",
			nil, []byte("a\nb\n"),
			"--- /dev/null\n+++ b/f.nix\n@@ -0,0 +1,2 @@\n+a\n+b\n",
		},
		{
			"deleted",
			[]byte("a\n"), nil,
			"--- a/f.nix\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n",
		},
		{"empty file added", nil, []byte{}, "--- /dev/null\n+++ b/f.nix\n"},
		{"empty file deleted", []byte{}, nil, "--- a/f.nix\n+++ /dev/null\n"},
		{
			"emptied",
			[]byte("a\n"), []byte{},
			"--- a/f.nix\n+++ b/f.nix\n@@ -1 +0,0 @@\n-a\n",
		},
		{
			"changed with context",
			[]byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"),
			[]byte("1\n2\n3\n4\n5\nSIX\n7\n8\n9\n10\n11\n12\n"),
			"--- a/f.nix\n+++ b/f.nix\n@@ -3,7 +3,7 @@\n 3\n 4\n 5\n-6\n+SIX\n 7\n 8\n 9\n",
		},
		{
			"two hunks",
			[]byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"),
			[]byte("ONE\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nTWELVE\n"),
			"--- a/f.nix\n+++ b/f.nix\n@@ -1,4 +1,4 @@\n-1\n+ONE\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+TWELVE\n",
		},
		{
			"newline added at end",
			[]byte("a\nb"), []byte("a\nb\n"),
			"--- a/f.nix\n+++ b/f.nix\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
		},
		{
			"no newline on both sides",
			[]byte("x\na\nb"), []byte("y\na\nb"),
			"--- a/f.nix\n+++ b/f.nix\n@@ -1,3 +1,3 @@\n-x\n+y\n a\n b\n\\ No newline at end of file\n",
		},
		{"binary", []byte("a\x00b"), []byte("a\x00c"), "Binary files a/f.nix and b/f.nix differ\n"},
		{"binary added", nil, []byte("\x00"), "Binary files /dev/null and b/f.nix differ\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := UnifiedDiff(&buf, "f.nix", tc.old, tc.new); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Fatalf("diff:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestUnifiedDiffReportsWriteErrors(t *testing.T) {
	err := UnifiedDiff(failingWriter{}, "f.nix", []byte("a\n"), []byte("b\n"))
	if err == nil || !strings.Contains(err.Error(), "f.nix") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanDiff(t *testing.T) {
	dir := t.TempDir()
	render(t, dir, gen("a.nix", "1\n2\n3\n", "gone.nix", "bye\n", "edited.nix", "e\n"), Options{})
	writeFile(t, dir, "edited.nix", "e by hand\n")

	p := plan(t, dir, gen("a.nix", "1\nTWO\n3\n", "new/n.nix", "hello\n", "edited.nix", "e2\n"), Options{})
	var buf bytes.Buffer
	if err := p.Diff(&buf); err != nil {
		t.Fatal(err)
	}
	// The unforced hand edit is a conflict, diffed against what Force
	// would write over it.
	want := "" +
		"--- a/.gitattributes\n+++ b/.gitattributes\n" +
		"@@ -2,5 +2,5 @@\n" +
		" /.hlcgen-manifest.json linguist-generated=true\n" +
		" /a.nix linguist-generated=true\n" +
		" /edited.nix linguist-generated=true\n" +
		"-/gone.nix linguist-generated=true\n" +
		"+/new/n.nix linguist-generated=true\n" +
		" " + BlockEnd + "\n" +
		"--- a/a.nix\n+++ b/a.nix\n@@ -1,3 +1,3 @@\n 1\n-2\n+TWO\n 3\n" +
		"--- a/edited.nix\n+++ b/edited.nix\n@@ -1 +1 @@\n-e by hand\n+e2\n" +
		"--- a/gone.nix\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n" +
		"--- /dev/null\n+++ b/new/n.nix\n@@ -0,0 +1 @@\n+hello\n"
	if got := buf.String(); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}

	// Forced, the overwrite of the hand edit is shown.
	p = plan(t, dir, gen("a.nix", "1\n2\n3\n", "gone.nix", "bye\n", "edited.nix", "e2\n"), Options{Force: true})
	buf.Reset()
	if err := p.Diff(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "--- a/edited.nix\n+++ b/edited.nix\n@@ -1 +1 @@\n-e by hand\n+e2\n"; buf.String() != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", buf.String(), want)
	}

	// An up-to-date plan has an empty diff, and a fresh render diffs
	// .gitattributes from /dev/null.
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := plan(t, dir, gen("a.nix", "1\n2\n3\n", "gone.nix", "bye\n", "edited.nix", "e2\n"), Options{}).Diff(&buf); err != nil || buf.Len() != 0 {
		t.Fatalf("diff of up-to-date plan: %v %q", err, buf.String())
	}
	buf.Reset()
	if err := plan(t, filepath.Join(t.TempDir(), "fresh"), gen("x", "x\n"), Options{}).Diff(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "--- /dev/null\n+++ b/.gitattributes\n") {
		t.Fatalf("fresh diff:\n%s", buf.String())
	}
}

func FuzzUnifiedDiff(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nc\n"), false, false)
	f.Add([]byte(""), []byte(""), true, false)
	f.Add([]byte("x"), []byte("x\n"), false, false)
	f.Add([]byte("\n\n\n"), []byte("\n"), false, true)
	f.Fuzz(func(t *testing.T, old, new []byte, oldNil, newNil bool) {
		if oldNil {
			old = nil
		} else if old == nil {
			old = []byte{}
		}
		if newNil {
			new = nil
		} else if new == nil {
			new = []byte{}
		}
		var buf bytes.Buffer
		if err := UnifiedDiff(&buf, "p", old, new); err != nil {
			t.Fatal(err)
		}
		if same := (old == nil) == (new == nil) && bytes.Equal(old, new); same != (buf.Len() == 0) {
			t.Fatalf("same=%v but diff %q", same, buf.String())
		}
	})
}

// FuzzNewPlan feeds arbitrary paths through NewPlan and Apply and checks that
// nothing panics and nothing is ever written outside the output directory.
func FuzzNewPlan(f *testing.F) {
	for _, s := range []string{"a", "a/b", "../x", "/abs", "a/../../x", `a\b`, "a//b", "", ".", "link/x", "file/x", "\xff", "a\nb"} {
		f.Add(s, "a/b")
	}
	f.Fuzz(func(t *testing.T, p1, p2 string) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		writeFile(t, parent, "outside/file", "outside\n")
		writeFile(t, dir, "file", "user\n")
		if err := os.Symlink("../outside", filepath.Join(dir, "link")); err != nil {
			t.Fatal(err)
		}
		p, err := NewPlan(dir, gen(p1, "1\n", p2, "2\n"), Options{Force: true})
		if err != nil {
			return
		}
		_ = p.Changes()
		_ = p.Diff(&bytes.Buffer{})
		if err := p.Apply(); err == nil {
			if !plan(t, dir, gen(p1, "1\n", p2, "2\n"), Options{}).UpToDate() {
				t.Fatal("not up to date after Apply")
			}
		}
		tree := readTree(t, parent)
		if tree["outside/file"] != "outside\n" || tree["out/file"] != "user\n" || len(readTree(t, filepath.Join(parent, "outside"))) != 1 {
			t.Fatalf("wrote outside or over a user file: %q", tree)
		}
		for path := range tree {
			if !strings.HasPrefix(path, "out/") && path != "outside/file" {
				t.Fatalf("wrote outside: %q", path)
			}
		}
	})
}

// TestDiffSkipsBookkeeping: adopting a file (a lost manifest) and deleting a
// leftover temporary file change no content, so Diff shows nothing for them.
func TestDiffSkipsBookkeeping(t *testing.T) {
	files := gen("generated/a.nix", "a\n")
	dir := t.TempDir()
	render(t, dir, files, Options{})
	if err := os.Remove(filepath.Join(dir, ManifestName)); err != nil {
		t.Fatal(err)
	}
	leaveTemp(t, dir, "generated/a.nix", "half")
	p := plan(t, dir, files, Options{})
	var buf bytes.Buffer
	if err := p.Diff(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("diff of bookkeeping changes:\n%s", buf.String())
	}
}

// TestDiffShowsHandEdits: a hand-edited file is diffed against what a forced
// render would write over it, and a hand-edited file no longer generated
// against its deletion; foreign files, which render never writes, are not.
func TestDiffShowsHandEdits(t *testing.T) {
	dir := t.TempDir()
	render(t, dir, gen("edited.nix", "a\nb\nc\n", "gone.nix", "g\n"), Options{})
	writeFile(t, dir, "edited.nix", "a\nb by hand\nc\n")
	writeFile(t, dir, "gone.nix", "g by hand\n")
	writeFile(t, dir, "foreign.nix", "mine\n")
	p := plan(t, dir, gen("edited.nix", "a\nb\nc\n", "foreign.nix", "x\n"), Options{})
	var buf bytes.Buffer
	if err := p.Diff(&buf); err != nil {
		t.Fatal(err)
	}
	want := "--- a/edited.nix\n+++ b/edited.nix\n@@ -1,3 +1,3 @@\n a\n-b by hand\n+b\n c\n" +
		"--- a/gone.nix\n+++ /dev/null\n@@ -1 +0,0 @@\n-g by hand\n"
	if got := buf.String(); !strings.Contains(got, want) || strings.Contains(got, "b/foreign.nix") {
		t.Fatalf("diff:\n%s\nwant it to contain:\n%s\nand nothing about foreign.nix", got, want)
	}
}
