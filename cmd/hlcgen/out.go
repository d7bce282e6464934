package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/nix"
	"github.com/hlcgen/hlcgen/writer"
)

// outputLayout resolves the output directory out against specDir, the
// directory holding the spec, both as they really are (symlinks resolved):
// generated files name hand-written files by relative paths, which Nix
// resolves from where the files are. It refuses an out inside a directory
// hlcgen renders into (`--out generated` would write generated/generated/),
// and a spec inside one of out's.
//
// warning is set when the spec's directory is not out or beneath it: then
// sops cannot use the .sops.yaml written into out for the spec's secrets.
func outputLayout(out, specDir string) (l generator.Layout, warning string, err error) {
	realOut, err := realPath(out)
	if err != nil {
		return l, "", usageError("--out %s: %v", out, err)
	}
	realSpec, err := realPath(specDir)
	if err != nil {
		return l, "", usageError("%s: %v", specDir, err)
	}
	if root, dir := enclosingOutput(realOut, realSpec); root != "" {
		return l, "", usageError("--out %s is inside %s, a directory hlcgen renders into (for %s). --out names the directory that receives generated/, kubernetes/ and .sops.yaml: use --out %s, or leave it out to render next to the spec.",
			out, filepath.Join(root, filepath.FromSlash(dir)), displayDir(root), displayDir(root))
	}
	for _, d := range generator.OutputDirs {
		if inside(filepath.Join(realOut, filepath.FromSlash(d)), realSpec) {
			return l, "", usageError("the spec's directory %s is inside %s, where hlcgen renders its files: move the spec out of it, or choose another --out.", specDir, filepath.Join(out, filepath.FromSlash(d)))
		}
	}
	rel, err := filepath.Rel(realOut, realSpec)
	if err != nil {
		return l, "", usageError("--out %s: %v", out, err)
	}
	rel = filepath.ToSlash(rel)
	// Every path to a hand-written file starts with rel, and is written as
	// a Nix path literal.
	if _, err := nix.Path(rel + "/x"); err != nil {
		return l, "", usageError("from --out %s, the spec's directory is %s, and a Nix path literal cannot hold every character of it (only letters, digits and . _ - +): render next to the spec, or choose an --out from which the path to it has none of the others.", out, rel)
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		warning = fmt.Sprintf("%s is not the spec's directory or one of its parents, so sops will not use the .sops.yaml written there for the spec's secrets: sops reads .sops.yaml from the directory it runs in or a parent, and matches its rules against paths below that directory.", out)
	}
	return generator.Layout{SpecDir: rel}, warning, nil
}

// enclosingOutput returns the output directory root, and the output
// directory dir (one of generator.OutputDirs) under it, that out lies in:
// root is the spec's directory (where render writes by default) or holds a
// manifest, so hlcgen renders into root/dir.
func enclosingOutput(out, spec string) (root, dir string) {
	for a := filepath.Dir(out); ; a = filepath.Dir(a) {
		for _, d := range generator.OutputDirs {
			if !inside(filepath.Join(a, filepath.FromSlash(d)), out) {
				continue
			}
			if a == spec {
				return a, d
			}
			if fi, err := os.Lstat(filepath.Join(a, writer.ManifestName)); err == nil && fi.Mode().IsRegular() {
				return a, d
			}
		}
		if a == filepath.Dir(a) {
			return "", ""
		}
	}
}

// realPath is the absolute path of p with every symlink resolved; of a path
// that does not exist yet, the longest part that does is resolved.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for {
		real, err := filepath.EvalSymlinks(abs)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", err
		}
		rest = append([]string{filepath.Base(abs)}, rest...)
		abs = parent
	}
}

// inside reports whether target is dir or lies beneath it (both absolute
// and clean).
func inside(dir, target string) bool {
	rel, err := filepath.Rel(dir, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// displayDir names an absolute directory relative to the working directory
// when it is beneath it.
func displayDir(dir string) string {
	wd, err := os.Getwd()
	if err != nil {
		return dir
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	if rel, err := filepath.Rel(wd, dir); err == nil && inside(wd, dir) {
		return rel
	}
	return dir
}
