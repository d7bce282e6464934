package writer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var errSignal = errors.New("simulated SIGINT")

// TestInterrupt cancels ApplyContext's context after each step in turn, as
// Ctrl-C would, and checks that Apply stops right there: nothing is written
// after the cancel, no temporary file is left, the tree is consistent with
// its manifest, and rendering again completes.
func TestInterrupt(t *testing.T) {
	v1 := gen("a/keep.nix", "keep\n", "a/upd.nix", "upd v1\n", "b/gone/x.nix", "gone\n", "top.nix", "top v1\n")
	v2 := gen("a/keep.nix", "keep\n", "a/upd.nix", "upd v2\n", "new/deep/f.nix", "new\n", "top.nix", "top v2\n")
	for k := 0; ; k++ {
		dir := t.TempDir()
		render(t, dir, v1, Options{})
		old := readTree(t, dir)

		ctx, cancel := context.WithCancelCause(context.Background())
		steps, afterCancel := 0, []string{}
		observe := func(p string) {
			if isTempName(path.Base(p)) {
				return // inside a write, not a step
			}
			if ctx.Err() != nil {
				afterCancel = append(afterCancel, p)
			}
			if steps == k {
				cancel(errSignal)
			}
			steps++
		}
		err := plan(t, dir, v2, Options{AfterStep: observe}).ApplyContext(ctx)
		if len(afterCancel) > 0 {
			t.Fatalf("k=%d: steps after the cancel: %q", k, afterCancel)
		}
		if err == nil {
			if k < 4 {
				t.Fatalf("Apply took only %d steps", k)
			}
			assertFinal(t, dir, v2, nil)
			return
		}
		var ie *InterruptedError
		if !errors.As(err, &ie) || !errors.Is(err, errSignal) {
			t.Fatalf("k=%d: ApplyContext = %v, want an *InterruptedError caused by the signal", k, err)
		}
		if ie.Done > ie.Total || ie.Total != 5 {
			t.Errorf("k=%d: interrupted after %d of %d file changes, want at most 5 of 5 (3 writes, 1 prune, .gitattributes)", k, ie.Done, ie.Total)
		}
		assertConsistent(t, fmt.Sprintf("interrupt after step %d", k), dir, old, v2, nil)
		for p := range readTree(t, dir) {
			if isTempName(path.Base(p)) {
				t.Fatalf("k=%d: temporary file %s left", k, p)
			}
		}
		p := plan(t, dir, v2, Options{})
		if c := p.Conflicts(); len(c) != 0 {
			t.Fatalf("k=%d: rerun after interrupt has conflicts: %v", k, c)
		}
		if err := p.Apply(); err != nil {
			t.Fatalf("k=%d: rerun: %v", k, err)
		}
		assertFinal(t, dir, v2, nil)
	}
}

// TestInterruptBeforeApply: a context cancelled before Apply begins writes
// nothing at all.
func TestInterruptBeforeApply(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := plan(t, dir, gen("a.nix", "a\n"), Options{}).ApplyContext(ctx)
	var ie *InterruptedError
	if !errors.As(err, &ie) || ie.Done != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("ApplyContext = %v, want interrupted after 0 changes", err)
	}
	if tree := readTree(t, dir); len(tree) != 0 {
		t.Fatalf("wrote %q", tree)
	}
}

// TestAfterStepSeesTemporaryFile: AfterStep is told about each temporary
// file while it exists, under the name renameio gives it, next to its
// target; that is the name a crash at that moment leaves behind.
func TestAfterStepSeesTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	var temps []string
	observe := func(p string) {
		if !isTempName(path.Base(p)) {
			return
		}
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			t.Errorf("temporary file %s: %v", p, err)
		}
		temps = append(temps, p)
	}
	render(t, dir, gen("a/b.nix", "b\n"), Options{AfterStep: observe})
	re := regexp.MustCompile(`^(a/\.b\.nix|\.\.hlcgen-manifest\.json|\.\.gitattributes)[0-9]+$`)
	for _, p := range temps {
		if !re.MatchString(p) {
			t.Errorf("temporary file %q is not named like renameio's", p)
		}
	}
	if got := strings.Count(strings.Join(temps, " "), ManifestName); len(temps) != 4 || got != 2 {
		t.Errorf("temporary files %q, want one for a/b.nix, .gitattributes and each manifest", temps)
	}
}

// isTempName reports whether name looks like a renameio temporary file:
// a dot, a name, then digits.
func isTempName(name string) bool {
	return regexp.MustCompile(`^\..+[0-9]$`).MatchString(name)
}
