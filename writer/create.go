package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// Created says what CreateNew did with one file.
type Created struct {
	Path string
	// Skipped is true when something already existed at Path, which was
	// left alone.
	Skipped bool
}

// CreateNew writes files into dir (created if needed) that do not exist
// yet: the starter files of `hlcgen init`, which are the user's from the
// moment they are written, so they are never listed in a manifest and never
// overwritten. Each file is created with O_EXCL through an os.Root on dir,
// so checking and creating are one step and neither a file nor a symlink
// already at the path, nor a symlink leading out of dir, is ever written
// through. It stops at the first error, returning what it did before.
func CreateNew(dir string, files []File) ([]Created, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", dir, err)
	}
	defer root.Close()
	var out []Created
	for _, f := range files {
		created, err := createNew(root, f)
		if err != nil {
			return out, &fs.PathError{Op: "create", Path: filepath.Join(dir, filepath.FromSlash(f.Path)), Err: err}
		}
		out = append(out, Created{Path: f.Path, Skipped: !created})
	}
	return out, nil
}

// File is a file CreateNew writes.
type File struct {
	Path    string // slash-separated, relative to the directory
	Content []byte
}

func createNew(root *os.Root, f File) (bool, error) {
	if d := path.Dir(f.Path); d != "." {
		if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			return false, err
		}
	}
	file, err := root.OpenFile(filepath.FromSlash(f.Path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := file.Write(f.Content); err != nil {
		file.Close()
		return false, err
	}
	return true, file.Close()
}
