package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// syntaxProblem returns why p is not an acceptable output path, or "" if it
// is. Only canonical, relative, slash-separated paths are accepted: anything
// else either could escape the output directory or could name the same file
// two ways, which would defeat the manifest's bookkeeping. Control characters
// are refused because paths are written line by line into .gitattributes.
func syntaxProblem(p string) string {
	switch {
	case p == "":
		return "path is empty"
	case !utf8.ValidString(p):
		return "path is not valid UTF-8"
	case strings.ContainsRune(p, '\\'):
		return "path contains a backslash"
	case strings.HasPrefix(p, "/") || filepath.IsAbs(filepath.FromSlash(p)):
		return "path is absolute"
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "path contains a control character"
		}
	}
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "":
			return "path has an empty component"
		case "..":
			return `path contains ".." and could escape the output directory`
		case ".":
			return `path contains a "." component`
		}
	}
	return ""
}

// reservedName reports whether p is, or lies under, a root-level name the
// writer manages itself.
func reservedName(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return first == ManifestName || first == GitattributesName
}

// within reports whether target (absolute, clean) is dir or lies beneath it.
func within(dir, target string) bool {
	rel, err := filepath.Rel(dir, target)
	if err != nil {
		return false
	}
	return rel == "." || rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// obsKind is what inspect found at a path.
type obsKind int

const (
	obsMissing obsKind = iota // nothing there; it can be created
	obsFile                   // a regular file, read and hashed
	obsBlocked                // something hlcgen must not touch; see action/reason
)

// observed is the on-disk state of one output path.
type observed struct {
	kind    obsKind
	action  Action // Foreign or Escape, when kind == obsBlocked
	reason  string // when kind == obsBlocked
	content []byte // when kind == obsFile
	hash    string // when kind == obsFile
	// key is the fully resolved location of the path (symlinks inside the
	// output directory followed), used to detect two paths that name the
	// same file. Empty when it could not be determined.
	key string
	// via is the symlink on the way to the path that leads outside the
	// output directory, for an Escape because of one, and viaTarget what
	// it points to: every path under it is refused for the same reason,
	// so Changes reports it once.
	via, viaTarget string
}

// inspector examines paths beneath one output directory without modifying
// anything.
type inspector struct {
	abs  string   // output directory, absolute
	real string   // output directory with symlinks resolved
	root *os.Root // nil when the output directory does not exist
}

// newInspector opens outDir (absolute). A missing outDir is fine: then every
// path is simply missing.
func newInspector(abs string) (*inspector, error) {
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return &inspector{abs: abs, real: abs}, nil
	}
	if err != nil {
		return nil, ioErr("read", ".", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("writer: output directory %s: not a directory", abs)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, ioErr("open", ".", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, ioErr("open", ".", err)
	}
	return &inspector{abs: abs, real: real, root: root}, nil
}

func (in *inspector) close() {
	if in.root != nil {
		in.root.Close()
	}
}

// via records that obs is blocked by the symlink at prefix.
func (in *inspector) via(prefix string, obs observed) observed {
	obs.via = prefix
	obs.viaTarget, _ = in.root.Readlink(prefix)
	return obs
}

func blocked(action Action, format string, args ...any) observed {
	return observed{kind: obsBlocked, action: action, reason: fmt.Sprintf(format, args...)}
}

// inspect reports what is at rel, which must have passed syntaxProblem.
//
// Every existing parent component is checked with Lstat. A symlinked parent is
// accepted only if os.Root can follow it, which means it is relative and never
// leaves the output directory (not even transiently via ".."); this is exactly
// what Apply, which writes through os.Root, will be able to use. The target
// itself must not be a symlink: hlcgen never writes through one.
//
// Only genuine I/O failures are returned as errors; everything that is merely
// in the way is reported as an obsBlocked observation so the plan can list it.
func (in *inspector) inspect(rel string) (observed, error) {
	comps := strings.Split(rel, "/")
	if in.root == nil {
		return observed{kind: obsMissing, key: filepath.Join(in.real, filepath.FromSlash(rel))}, nil
	}
	real := in.real // resolved location of the components walked so far
	for i, c := range comps[:len(comps)-1] {
		prefix := path.Join(comps[:i+1]...)
		fi, err := in.root.Lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			// The rest will be created by Apply as plain directories.
			return observed{kind: obsMissing, key: filepath.Join(real, filepath.Join(comps[i:]...))}, nil
		}
		if err != nil {
			return observed{}, ioErr("read", prefix, err)
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			st, err := in.root.Stat(prefix)
			if err != nil {
				return in.via(prefix, blocked(Escape, "goes through symlink %q, which does not resolve inside the output directory (only relative symlinks that stay inside it are followed)", prefix)), nil
			}
			if !st.IsDir() {
				return blocked(Foreign, "parent %q is a symlink to something that is not a directory", prefix), nil
			}
			// Belt and braces: os.Root already confined the resolution, but
			// the resolved path is also what alias detection needs.
			target, err := filepath.EvalSymlinks(filepath.Join(in.abs, filepath.FromSlash(prefix)))
			if err != nil || !within(in.real, target) {
				return in.via(prefix, blocked(Escape, "goes through symlink %q, which points outside the output directory", prefix)), nil
			}
			real = target
		case fi.IsDir():
			real = filepath.Join(real, c)
		default:
			return blocked(Foreign, "parent %q exists and is not a directory", prefix), nil
		}
	}

	key := filepath.Join(real, comps[len(comps)-1])
	fi, err := in.root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return observed{kind: obsMissing, key: key}, nil
	}
	if err != nil {
		return observed{}, ioErr("read", rel, err)
	}
	var obs observed
	switch mode := fi.Mode(); {
	case mode&fs.ModeSymlink != 0:
		obs = blocked(Escape, "is a symlink; hlcgen never writes through symlinks")
	case mode.IsDir():
		obs = blocked(Foreign, "exists and is a directory")
	case !mode.IsRegular():
		// Never open FIFOs, devices or sockets: reading could block or
		// have side effects.
		obs = blocked(Foreign, "exists and is not a regular file (%s)", mode.Type())
	default:
		content, err := in.root.ReadFile(rel)
		if err != nil {
			return observed{}, ioErr("read", rel, err)
		}
		obs = observed{kind: obsFile, content: content, hash: hashBytes(content)}
	}
	obs.key = key
	return obs, nil
}
