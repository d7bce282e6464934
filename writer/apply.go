package writer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/google/renameio/v2"
)

const (
	fileMode = 0o644
	dirMode  = 0o755
)

// Apply is ApplyContext with a context that is never cancelled.
func (p *Plan) Apply() error { return p.ApplyContext(context.Background()) }

// ApplyContext carries out the plan following the crash-safety protocol
// described in the package documentation. It refuses, writing nothing, when
// the plan has unresolved conflicts (*ConflictError) or when the output
// directory changed since the plan was made (ErrStale). An up-to-date plan
// writes nothing.
//
// If it fails midway, the output directory is left consistent with its
// manifest, and rendering again with the same input completes the job.
//
// When ctx is cancelled (the user pressed Ctrl-C), it stops at the next safe
// point: between two steps of the protocol, never inside a write, so that no
// temporary file is left behind and the tree is exactly what a crash at that
// point would leave, which the next render completes. It then returns an
// *InterruptedError.
func (p *Plan) ApplyContext(ctx context.Context) error {
	if p == nil {
		return errors.New("writer: Apply on nil plan")
	}
	if p.applied {
		return errors.New("writer: plan already applied; make a new plan")
	}
	if conflicts := p.Conflicts(); len(conflicts) > 0 {
		return &ConflictError{Conflicts: conflicts}
	}
	// The plan may have been shown to the user a while ago. Re-derive it and
	// act only if the world still looks exactly as it did.
	fresh, err := NewPlan(p.outDir, p.files, p.opts)
	if err != nil {
		return err
	}
	if fresh.fingerprint() != p.fingerprint() {
		return fmt.Errorf("%w: %s", ErrStale, p.outDir)
	}
	p.applied = true
	if p.UpToDate() {
		return nil
	}

	if err := ensureDir(p.outDir); err != nil {
		return err
	}
	root, err := os.OpenRoot(p.outDir)
	if err != nil {
		return ioErr("open", ".", err)
	}
	defer root.Close()
	a := &applier{root: root, ctx: ctx, hook: p.opts.hook, observe: p.opts.AfterStep, touched: map[string]bool{}}
	for _, it := range p.items {
		if it.action == Add || it.action == Update || it.action == Prune && it.obs.kind == obsFile {
			a.total++
		}
	}
	if p.gitattr.changed() {
		a.total++
	}
	a.total += len(p.leftovers)
	err = a.run(p)
	var ioe *IOError
	if errors.As(err, &ioe) && a.changed {
		ioe.Changed = true
	}
	return err
}

// InterruptedError is returned by ApplyContext when its context was
// cancelled. The output directory is consistent with its manifest (see the
// crash-safety protocol): Done of the Total files to write or delete were,
// and rendering again completes the others.
type InterruptedError struct {
	Done, Total int
	// Cause is the context's cause (context.Cause), such as the signal
	// that stopped the render.
	Cause error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("writer: interrupted after %d of %d file changes", e.Done, e.Total)
}

func (e *InterruptedError) Unwrap() error { return e.Cause }

// ensureDir creates the output directory if needed, making its creation
// durable before anything is written into it.
func ensureDir(dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return ioErr("read", ".", err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return ioErr("create directory", ".", err)
	}
	parent, err := os.Open(filepath.Dir(dir))
	if err != nil {
		return ioErr("sync", "..", err)
	}
	defer parent.Close()
	if err := syncFile(parent); err != nil {
		return ioErr("sync", "..", err)
	}
	return nil
}

// applier performs the mutations of one Apply, all confined to root.
type applier struct {
	root    *os.Root
	ctx     context.Context
	hook    func(string) error // Options.hook
	observe func(string)       // Options.AfterStep
	touched map[string]bool    // directories whose entries changed, to fsync

	done, total int  // file changes made, and planned (InterruptedError)
	changed     bool // anything on disk changed (IOError.Changed)
}

// step reports a completed mutation to the hooks, then stops Apply if its
// context was cancelled: every step ends at a safe point.
func (a *applier) step(rel string) error {
	if err := a.lastStep(rel); err != nil {
		return err
	}
	return a.checkpoint()
}

// lastStep reports the final mutation, after which there is nothing left to
// stop: an interrupt that comes then changes nothing.
func (a *applier) lastStep(rel string) error {
	if a.observe != nil {
		a.observe(rel)
	}
	if a.hook == nil {
		return nil
	}
	return a.hook(rel)
}

// checkpoint returns an *InterruptedError once the context is cancelled.
func (a *applier) checkpoint() error {
	if a.ctx.Err() == nil {
		return nil
	}
	return &InterruptedError{Done: a.done, Total: a.total, Cause: context.Cause(a.ctx)}
}

func (a *applier) run(p *Plan) error {
	// onDisk tracks the manifest bytes currently on disk, to skip rewriting
	// identical content.
	onDisk, exists := p.manifestRaw, p.manifestExists
	if err := a.checkpoint(); err != nil {
		return err // interrupted before anything was written
	}

	// 1. Intermediate manifest: accept both old and new content for every
	// path about to change, before changing any.
	var writes, prunes []*item
	for _, it := range p.items {
		switch it.action {
		case Add, Update:
			writes = append(writes, it)
		case Prune:
			prunes = append(prunes, it)
		}
	}
	if len(writes) > 0 || slices.ContainsFunc(prunes, func(it *item) bool { return it.obs.kind == obsFile }) {
		inter, err := encodeManifest(intermediateEntries(p.items))
		if err != nil {
			return err
		}
		if !exists || !bytes.Equal(inter, onDisk) {
			if err := a.writeManifest(inter); err != nil {
				return err
			}
			onDisk, exists = inter, true
			if err := a.step(ManifestName); err != nil {
				return err
			}
		}
	}

	// 2. Writes, in path order.
	for _, it := range writes {
		if err := a.mkdirParents(it.path); err != nil {
			return err
		}
		if err := a.writeFile(it.path, it.content, renameio.WithStaticPermissions(fileMode)); err != nil {
			return err
		}
		a.touched[path.Dir(it.path)] = true
		a.done++
		if err := a.step(it.path); err != nil {
			return err
		}
	}

	// 3. Prunes, then the directories they left empty.
	for _, it := range prunes {
		if it.obs.kind == obsFile {
			if err := a.root.Remove(it.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return ioErr("remove", it.path, err)
			}
			a.changed = true
			a.touched[path.Dir(it.path)] = true
			a.done++
			if err := a.step(it.path); err != nil {
				return err
			}
		}
		if it.obs.kind != obsBlocked {
			// Also for an already-missing file: after an interrupted
			// Apply its directories may still need removing.
			if err := a.removeEmptyParents(it.path); err != nil {
				return err
			}
		}
	}

	// 3b. Temporary files of interrupted renders: hlcgen's own, never
	// listed in a manifest, recognised by name (scan.go).
	for _, l := range p.leftovers {
		fi, err := a.root.Lstat(l)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return ioErr("read", l, err)
		}
		if !fi.Mode().IsRegular() {
			continue // replaced since the plan (which Apply re-checked): leave it
		}
		if err := a.root.Remove(l); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return ioErr("remove", l, err)
		}
		a.changed = true
		a.touched[path.Dir(l)] = true
		a.done++
		if err := a.step(l); err != nil {
			return err
		}
		if err := a.removeEmptyParents(l); err != nil {
			return err
		}
	}

	// 4. Make all of the above durable before the final manifest says so.
	if err := a.syncTouched(); err != nil {
		return err
	}

	// 5. .gitattributes (shared with the user; not part of the manifest).
	if g := p.gitattr; g.changed() {
		opt := renameio.WithStaticPermissions(fileMode)
		if g.exists {
			opt = renameio.WithExistingPermissions() // the user's file; keep its mode
		}
		if err := a.writeFile(GitattributesName, g.new, opt); err != nil {
			return err
		}
		a.done++
		if err := a.step(GitattributesName); err != nil {
			return err
		}
	}

	// 6. Final manifest, last.
	if !exists || !bytes.Equal(p.manifestNew, onDisk) {
		if err := a.writeManifest(p.manifestNew); err != nil {
			return err
		}
		if err := a.lastStep(ManifestName); err != nil {
			return err
		}
	} else if err := a.syncDir("."); err != nil { // .gitattributes may have changed
		return err
	}
	return nil
}

// intermediateEntries is the manifest written before any owned file changes:
// for every path it accepts both what is on disk now and what will be there.
func intermediateEntries(items []*item) []manifestEntry {
	var out []manifestEntry
	for _, it := range items {
		switch it.action {
		case Unchanged, Adopt:
			out = append(out, manifestEntry{Path: it.path, SHA256: it.newHash})
		case Add, Update:
			// obs.hash is empty when the file does not exist yet; when it
			// was a forced hand edit, accepting it means a rerun after a
			// crash does not ask for Force again.
			out = append(out, manifestEntry{Path: it.path, SHA256: it.obs.hash, Pending: it.newHash})
		case Prune:
			if it.obs.kind == obsFile {
				out = append(out, manifestEntry{Path: it.path, SHA256: it.obs.hash})
			}
			// Missing or relinquished: nothing to protect, drop it now.
		}
	}
	return out
}

// writeManifest atomically replaces the manifest and makes the rename durable
// at once: the protocol depends on the intermediate manifest reaching the disk
// before any file does, and on the final one reaching it after all of them.
func (a *applier) writeManifest(data []byte) error {
	if err := a.writeFile(ManifestName, data, renameio.WithStaticPermissions(fileMode)); err != nil {
		return err
	}
	return a.syncDir(".")
}

// writeFile atomically replaces rel: the content goes to a temporary file in
// the same directory, which is fsynced and renamed over the target. Readers
// and crashes see either the old or the new file, never a partial one.
func (a *applier) writeFile(rel string, data []byte, perm renameio.Option) error {
	dir, base := path.Split(rel)
	if dir == "" {
		dir = "."
	}
	// A Root for the parent keeps the temporary file in the same directory
	// (renameio's own Root support would put it at the top) while still
	// confining every operation to the output directory.
	// Errors name rel, never the temporary file (IOError).
	sub, err := a.root.OpenRoot(path.Clean(dir))
	if err != nil {
		return ioErr("write", rel, err)
	}
	defer sub.Close()
	pf, err := newPendingFile(base, renameio.WithRoot(sub), perm)
	if err != nil {
		return ioErr("write", rel, err)
	}
	defer pf.Cleanup() // removes the temporary file unless the rename happened
	if _, err := pf.Write(data); err != nil {
		return ioErr("write", rel, err)
	}
	if a.observe != nil {
		// The content is in the temporary file, which is about to
		// replace its target: the one moment a crash leaves it behind.
		a.observe(path.Join(path.Dir(rel), filepath.Base(pf.Name())))
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return ioErr("write", rel, err)
	}
	a.changed = true
	return nil
}

// newPendingFile is renameio.NewPendingFile; tests make it fail the way it
// fails on a read-only or full file system, which root cannot provoke.
var newPendingFile = renameio.NewPendingFile

// mkdirParents creates the missing parent directories of rel with mode 0755
// (explicitly, regardless of umask).
func (a *applier) mkdirParents(rel string) error {
	dir := path.Dir(rel)
	if dir == "." {
		return nil
	}
	var prefix string
	for _, c := range strings.Split(dir, "/") { // rel is canonical (syntaxProblem)
		prefix = path.Join(prefix, c)
		fi, err := a.root.Stat(prefix) // follows in-root symlinks, as the plan allowed
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := a.root.Mkdir(prefix, dirMode); err != nil {
				return ioErr("create directory", prefix, err)
			}
			a.changed = true
			if err := a.root.Chmod(prefix, dirMode); err != nil {
				return ioErr("create directory", prefix, err)
			}
			a.touched[path.Dir(prefix)] = true
		case err != nil:
			return ioErr("read", prefix, err)
		case !fi.IsDir():
			return ioErr("create directory", prefix, syscall.ENOTDIR)
		}
	}
	return nil
}

// removeEmptyParents removes the parent directories of rel, walking up, as
// long as they are empty real directories. rmdir itself refuses a non-empty
// directory, so there is no window in which a user's file could be deleted.
// Symlinks are never removed, and neither is the output directory.
func (a *applier) removeEmptyParents(rel string) error {
	for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
		fi, err := a.root.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue // already gone (e.g. an interrupted earlier Apply)
		}
		if err != nil || !fi.IsDir() {
			return nil // a symlink, or out of reach: leave it and everything above
		}
		if err := a.root.Remove(dir); err != nil {
			return nil // not empty (or not removable): stop here
		}
		a.changed = true
		a.touched[path.Dir(dir)] = true
		if err := a.step(dir + "/"); err != nil {
			return err
		}
	}
	return nil
}

// syncTouched fsyncs every directory whose entries changed, deepest first.
func (a *applier) syncTouched() error {
	dirs := make([]string, 0, len(a.touched))
	for d := range a.touched {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	slices.Reverse(dirs)
	for _, d := range dirs {
		if err := a.syncDir(d); err != nil {
			return err
		}
	}
	clear(a.touched)
	return nil
}

// syncDir fsyncs a directory so that renames and removals in it are durable.
// A directory removed in the meantime needs no syncing.
func (a *applier) syncDir(rel string) error {
	f, err := a.root.Open(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return ioErr("sync", rel, err)
	}
	defer f.Close()
	if err := syncFile(f); err != nil {
		return ioErr("sync", rel, err)
	}
	return nil
}

// syncFile fsyncs f, tolerating filesystems that cannot fsync directories.
func syncFile(f *os.File) error {
	err := f.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}
