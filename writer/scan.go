package writer

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
)

// Besides the paths it owns or writes, a plan looks at what else is in the
// directories it writes into, for two kinds of file:
//
//   - Leftovers: the temporary file of a write that never finished. Every
//     file is written to a temporary file next to it, then renamed over it
//     (renameio); a process killed in between (kill -9, a power loss)
//     leaves the temporary file behind. Its name is "." + the target's
//     name + a decimal number (renameio's openTempFileRoot), and it is
//     recognised only next to a file hlcgen writes or owns, under exactly
//     that name, so a user's dotfile is never taken for one. Apply deletes
//     leftovers; until then a plan is not up to date.
//   - Strays: any other file under the output directories
//     (generator.OutputDirs) that hlcgen neither owns nor writes. hlcgen
//     never touches them; `render --check` lists them so that a review
//     sees them.

// Stray is a file under an output directory that hlcgen does not own.
type Stray struct {
	Path   string // relative to the output directory, slash-separated
	Reason string
}

func (s Stray) String() string { return s.Path + ": " + s.Reason }

const (
	reasonLeftover    = "temporary file of a render that was killed or lost power; deleted by render"
	reasonStray       = "not written by hlcgen (not in " + ManifestName + "); it is left alone"
	reasonStrayHeader = "starts with hlcgen's header but is not in " + ManifestName + ": a render whose manifest was lost may have left it; delete it unless it is yours"
	reasonStraySym    = "is a symlink hlcgen does not own; it is left alone"
	reasonStrayOdd    = "is not a regular file, and hlcgen does not own it; it is left alone"
)

// dirListing is one directory scanned.
type dirListing struct {
	path    string // as the plan's paths name it ("." for the output directory)
	key     string // its resolved location, as observed.key
	entries []fs.DirEntry
	output  bool // under one of generator.OutputDirs, where strays are looked for
}

// scan finds leftovers and strays (see above) for the plan's items.
func (in *inspector) scan(items []*item) (leftovers []string, strays []Stray, err error) {
	if in.root == nil {
		return nil, nil, nil
	}
	byPath := map[string]*item{}
	keys := map[string]bool{}               // resolved locations of every item
	targets := map[string]map[string]bool{} // resolved directory -> names hlcgen writes there
	addTarget := func(dirKey, name string) {
		if targets[dirKey] == nil {
			targets[dirKey] = map[string]bool{}
		}
		targets[dirKey][name] = true
	}
	addTarget(in.real, ManifestName)
	addTarget(in.real, GitattributesName)
	for _, it := range items {
		byPath[it.path] = it
		if it.obs.key != "" {
			keys[it.obs.key] = true
			addTarget(filepath.Dir(it.obs.key), filepath.Base(it.obs.key))
		}
	}

	var dirs []*dirListing
	listed := map[string]bool{} // by key
	for _, top := range generator.OutputDirs {
		if err := in.walk(top, &dirs, listed); err != nil {
			return nil, nil, err
		}
	}
	// The directories of files outside the output directories (the
	// manifest, .sops.yaml), for their leftovers only.
	others := []*dirListing{{path: ".", key: in.real}}
	for _, it := range items {
		if it.obs.key != "" {
			others = append(others, &dirListing{path: path.Dir(it.path), key: filepath.Dir(it.obs.key)})
		}
	}
	for _, d := range others {
		if listed[d.key] {
			continue
		}
		listed[d.key] = true
		entries, err := in.readDir(d.path)
		if err != nil {
			continue // missing, or not a directory any more: nothing left there
		}
		d.entries = entries
		dirs = append(dirs, d)
	}

	for _, d := range dirs {
		for _, e := range d.entries {
			p := path.Join(d.path, e.Name())
			if byPath[p] != nil || keys[filepath.Join(d.key, e.Name())] {
				continue
			}
			if e.Type().IsRegular() && isLeftover(e.Name(), targets[d.key]) {
				leftovers = append(leftovers, p)
				continue
			}
			if !d.output || e.IsDir() {
				continue
			}
			switch {
			case e.Type()&fs.ModeSymlink != 0:
				if !slices.ContainsFunc(items, func(it *item) bool { return strings.HasPrefix(it.path, p+"/") }) {
					strays = append(strays, Stray{p, reasonStraySym})
				}
			case !e.Type().IsRegular():
				strays = append(strays, Stray{p, reasonStrayOdd})
			case in.hasHeader(p):
				strays = append(strays, Stray{p, reasonStrayHeader})
			default:
				strays = append(strays, Stray{p, reasonStray})
			}
		}
	}
	slices.Sort(leftovers)
	leftovers = slices.Compact(leftovers)
	slices.SortFunc(strays, func(a, b Stray) int { return strings.Compare(a.Path, b.Path) })
	return leftovers, strays, nil
}

// walk lists top and every directory beneath it, without following
// symlinks below top. top itself may be a symlink that resolves inside the
// output directory, as the writer follows those; one that does not is left
// to the items' Escape conflicts.
func (in *inspector) walk(top string, dirs *[]*dirListing, listed map[string]bool) error {
	fi, err := in.root.Stat(top)
	if err != nil || !fi.IsDir() {
		return nil
	}
	real, err := filepath.EvalSymlinks(filepath.Join(in.abs, filepath.FromSlash(top)))
	if err != nil || !within(in.real, real) {
		return nil
	}
	var visit func(dir, key string) error
	visit = func(dir, key string) error {
		if listed[key] {
			return nil
		}
		listed[key] = true
		entries, err := in.readDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return ioErr("read directory", dir, err)
		}
		*dirs = append(*dirs, &dirListing{path: dir, key: key, entries: entries, output: true})
		for _, e := range entries {
			if e.IsDir() {
				if err := visit(path.Join(dir, e.Name()), filepath.Join(key, e.Name())); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return visit(top, real)
}

// isLeftover reports whether name is the temporary file renameio creates
// for one of targets: "." + target + strconv.FormatInt of a non-negative
// int64.
func isLeftover(name string, targets map[string]bool) bool {
	if len(targets) == 0 || !strings.HasPrefix(name, ".") {
		return false
	}
	for i := len(name) - 1; i > 1 && name[i] >= '0' && name[i] <= '9'; i-- {
		digits := name[i:]
		n, err := strconv.ParseInt(digits, 10, 64)
		if err == nil && n >= 0 && strconv.FormatInt(n, 10) == digits && targets[name[1:i]] {
			return true
		}
	}
	return false
}

// hasHeader reports whether the file at rel starts with the generated-file
// header (on its first line, or its second after a #! line).
func (in *inspector) hasHeader(rel string) bool {
	f, err := in.root.Open(rel)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, _ := io.ReadFull(f, head)
	return hasHeader(head[:n])
}

func hasHeader(content []byte) bool {
	line, rest, _ := bytes.Cut(content, []byte("\n"))
	if bytes.HasPrefix(line, []byte("#!")) {
		line, _, _ = bytes.Cut(rest, []byte("\n"))
	}
	return bytes.Contains(line, []byte(generator.Header))
}

// readDir lists a directory through the root, so that a symlink swapped in
// cannot make it list something outside.
func (in *inspector) readDir(dir string) ([]fs.DirEntry, error) {
	f, err := in.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}
