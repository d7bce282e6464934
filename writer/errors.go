package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// IOError is a failure to read or change the output tree itself: a
// permission, a read-only or full file system, a symlink in the way. It
// names the file or directory of the output tree the operation was for,
// never the temporary file a write goes through, whose name means nothing
// to the user, and keeps the system's reason (Err).
type IOError struct {
	// Op is what hlcgen was doing: "read", "read directory", "write",
	// "create directory", "remove", "sync" or "open".
	Op string
	// Path is relative to the output directory and slash-separated; "."
	// is the output directory itself.
	Path string
	Err  error
	// Changed is set on an error from Apply when Apply had already
	// changed the tree: the manifest then records what it did (the crash
	// protocol), and rendering again once the cause is fixed finishes.
	Changed bool
}

func (e *IOError) Error() string {
	return fmt.Sprintf("cannot %s %s: %s", e.Op, displayPath(e.Path), systemReason(e.Err))
}

func (e *IOError) Unwrap() error { return e.Err }

// Hint says, as a sentence, what the user can do about the error, or ""
// when there is nothing more specific to say than the reason.
func (e *IOError) Hint() string {
	// A write, a new directory or a removal changes the entries of the
	// parent directory: that is the one whose permissions matter.
	where := e.Path
	changesParent := e.Op == "write" || e.Op == "create directory" || e.Op == "remove"
	if changesParent {
		where = path.Dir(e.Path)
		if e.Path == "." {
			where = ".."
		}
	}
	w := displayPath(where)
	switch err := e.Err; {
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("The file system holding %s is read-only: remount it read-write, or render elsewhere with --out.", w)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		if changesParent {
			return fmt.Sprintf("hlcgen may not create or delete files in %s: check its owner and mode (`ls -ld`), and that it is not immutable (`lsattr -d`).", w)
		}
		return fmt.Sprintf("hlcgen may not %s %s: check its owner and mode (`ls -ld`).", e.Op, w)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Sprintf("The file system holding %s is full, or you are over your quota: free some space.", w)
	case errors.Is(err, syscall.EIO):
		return "The disk reported an I/O error: check it (`dmesg`) before anything else."
	case errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR), isEscape(err):
		return fmt.Sprintf("A directory on the way to %s was replaced, or is a symlink that leads outside the output directory, which hlcgen never follows: make it a real directory.", displayPath(e.Path))
	}
	return ""
}

// ioErr wraps err, from an operation op on rel, as an *IOError.
func ioErr(op, rel string, err error) error {
	return &IOError{Op: op, Path: rel, Err: err}
}

// systemReason is the innermost message of err: "permission denied", not
// "open generated/.x.nix1234: permission denied", which names a temporary
// file.
func systemReason(err error) string {
	for {
		var pe *fs.PathError
		var le *os.LinkError
		var se *os.SyscallError
		switch {
		case errors.As(err, &pe):
			err = pe.Err
		case errors.As(err, &le):
			err = le.Err
		case errors.As(err, &se):
			err = se.Err
		default:
			return err.Error()
		}
	}
}

// isEscape reports whether err is os.Root refusing a path that leads out of
// it (the error is not exported).
func isEscape(err error) bool {
	return err != nil && strings.Contains(systemReason(err), "escapes from parent")
}

func displayPath(rel string) string {
	switch rel {
	case ".":
		return "the output directory"
	case "..":
		return "the directory holding the output directory"
	}
	return rel
}
