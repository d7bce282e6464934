// Package gitrepo is hlcgen's access to the Git repository a spec lives in:
// reading a file as committed at a revision (`hlcgen diff --base`) and
// telling which files Git tracks. It runs the git binary, as the user's own
// Git configuration expects, and never writes to the repository.
package gitrepo

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoGit means git is not on PATH.
var ErrNoGit = errors.New("git is not on PATH")

// ErrNotRepository means the directory is not in a Git work tree.
var ErrNotRepository = errors.New("not in a Git work tree")

// Repo is the Git work tree holding a directory.
type Repo struct {
	// dir is the directory commands run in; prefix is its path from the
	// work tree's top, with a trailing slash ("" at the top).
	dir, prefix string
}

// Open returns the work tree holding dir.
func Open(dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, ErrNoGit
	}
	prefix, err := run(dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotRepository, err)
	}
	return &Repo{dir: dir, prefix: strings.TrimSpace(string(prefix))}, nil
}

// Blob is a file as committed at a revision.
type Blob struct {
	// Name is how Git names it, rev:path, for diagnostics.
	Name string
	// Content is nil when the file does not exist at the revision.
	Content []byte
}

// ErrUnknownRevision means rev names no commit.
var ErrUnknownRevision = errors.New("not a commit in this repository")

// ReadAt reads file (relative to the directory Open was given) as
// committed at rev.
func (r *Repo) ReadAt(rev, file string) (*Blob, error) {
	commit, err := run(r.dir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("%q: %w", rev, ErrUnknownRevision)
	}
	rel := r.prefix + filepath.ToSlash(file)
	b := &Blob{Name: rev + ":" + rel}
	object := strings.TrimSpace(string(commit)) + ":" + rel
	kind, err := run(r.dir, "cat-file", "-t", object)
	if err != nil {
		return b, nil // the path does not exist at rev
	}
	if k := strings.TrimSpace(string(kind)); k != "blob" {
		return nil, fmt.Errorf("%s is a %s at %s, not a file", rel, k, rev)
	}
	src, err := run(r.dir, "show", object)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", b.Name, err)
	}
	if src == nil {
		src = []byte{}
	}
	b.Content = src
	return b, nil
}

// Untracked returns those of paths (relative to the directory Open was
// given) that exist in the work tree but that Git does not track: a fresh
// clone would not have them. Ignored files count as untracked.
func (r *Repo) Untracked(paths []string) ([]string, error) {
	var untracked []string
	// In batches: a large spec names more files than one command line
	// holds (Linux limits the arguments to a fraction of the stack).
	const batch = 1000
	for len(paths) > 0 {
		n := min(len(paths), batch)
		// Literal pathspecs: a path with "*" or "?" names only itself.
		args := append([]string{"--literal-pathspecs", "ls-files", "--others", "-z", "--"}, paths[:n]...)
		paths = paths[n:]
		out, err := run(r.dir, args...)
		if err != nil {
			return nil, err
		}
		for _, p := range strings.Split(string(out), "\x00") {
			if p != "" {
				untracked = append(untracked, p)
			}
		}
	}
	return untracked, nil
}

// run runs git in dir and returns its standard output; the error carries
// git's own message.
func run(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, err
	}
	return stdout.Bytes(), nil
}
