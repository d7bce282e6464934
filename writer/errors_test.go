package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/google/renameio/v2"
)

// failWrites makes the n-th write (counting from 0) fail the way renameio
// fails when it cannot create its temporary file: a *fs.PathError naming
// that temporary file.
func failWrites(t *testing.T, n int, errno syscall.Errno) {
	t.Helper()
	calls := 0
	newPendingFile = func(p string, opts ...renameio.Option) (*renameio.PendingFile, error) {
		calls++
		if calls-1 == n {
			return nil, &fs.PathError{Op: "open", Path: "/somewhere/out/." + p + "2416004133981907853", Err: errno}
		}
		return renameio.NewPendingFile(p, opts...)
	}
	t.Cleanup(func() { newPendingFile = renameio.NewPendingFile })
}

// TestWriteErrorsNameTheRealFile: an error while writing names the file
// being written, never the temporary file, says what to do about the
// cause, and tells whether the tree had changed. After a failure midway
// the tree is consistent and rendering again completes.
func TestWriteErrorsNameTheRealFile(t *testing.T) {
	v1 := gen("generated/a.nix", "a v1\n", "generated/b.nix", "b v1\n")
	v2 := gen("generated/a.nix", "a v2\n", "generated/b.nix", "b v2\n")
	for _, tc := range []struct {
		errno  syscall.Errno
		reason string
		hint   string
	}{
		{syscall.EACCES, "permission denied", "hlcgen may not create or delete files in generated: check its owner and mode"},
		{syscall.EPERM, "operation not permitted", "that it is not immutable"},
		{syscall.EROFS, "read-only file system", "The file system holding generated is read-only: remount it read-write, or render elsewhere with --out."},
		{syscall.ENOSPC, "no space left on device", "The file system holding generated is full, or you are over your quota: free some space."},
		{syscall.EIO, "input/output error", "The disk reported an I/O error"},
	} {
		// Write 0 is the intermediate manifest, 1 generated/a.nix, 2
		// generated/b.nix.
		for _, n := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/write%d", tc.reason, n), func(t *testing.T) {
				dir := t.TempDir()
				render(t, dir, v1, Options{})
				old := readTree(t, dir)
				failWrites(t, n, tc.errno)
				err := plan(t, dir, v2, Options{}).Apply()
				var ioe *IOError
				if !errors.As(err, &ioe) || !errors.Is(err, tc.errno) {
					t.Fatalf("Apply = %v, want an *IOError wrapping %v", err, tc.errno)
				}
				target := map[int]string{0: ManifestName, 2: "generated/b.nix"}[n]
				if want := "cannot write " + target + ": " + tc.reason; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				if strings.Contains(err.Error(), "2416004133981907853") {
					t.Errorf("error names the temporary file: %v", err)
				}
				hint := tc.hint
				if n == 0 {
					// The manifest is at the top: its directory is the output directory.
					hint = strings.ReplaceAll(hint, " generated", " the output directory")
				}
				if h := ioe.Hint(); !strings.Contains(h, hint) {
					t.Errorf("hint %q, want it to contain %q", h, hint)
				}
				if ioe.Changed != (n > 0) {
					t.Errorf("Changed = %v after failing write %d", ioe.Changed, n)
				}
				assertConsistent(t, err.Error(), dir, old, v2, nil)
				newPendingFile = renameio.NewPendingFile
				render(t, dir, v2, Options{})
				assertFinal(t, dir, v2, nil)
			})
		}
	}
}

func TestSystemReason(t *testing.T) {
	err := ioErr("remove", "generated/x.nix", &fs.PathError{Op: "unlinkat", Path: "generated/x.nix", Err: syscall.EBUSY})
	if got := err.Error(); got != "cannot remove generated/x.nix: device or resource busy" {
		t.Errorf("got %q", got)
	}
	if got := ioErr("create directory", ".", syscall.EACCES).(*IOError).Hint(); !strings.Contains(got, "in the directory holding the output directory") {
		t.Errorf("hint for the output directory itself: %q", got)
	}
}
