package writer

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hlcgen/hlcgen/generator"
)

// Action is what a plan does, or refuses to do, at one path.
type Action int

const (
	// Unchanged: the file is owned and already has the generated content.
	// Apply does not touch it.
	Unchanged Action = iota
	// Add: the file does not exist and will be created.
	Add
	// Update: the owned file will be overwritten with new content.
	Update
	// Prune: the owned file is no longer generated and will be deleted.
	Prune
	// Edited (conflict): the owned file was changed by hand since hlcgen
	// wrote it. Options.Force turns it into an Update or a Prune.
	Edited
	// Foreign (conflict): something hlcgen does not own is in the way.
	// Never overridable.
	Foreign
	// Escape (conflict): the path is malformed or leads outside the output
	// directory, or the target is a symlink. Never overridable.
	Escape
	// RemoveTemp: a temporary file left by a render that was killed or lost
	// power (see Stray) will be deleted.
	RemoveTemp
	// Adopt: a file the manifest does not list (it was lost, or is
	// corrupt) already holds exactly the generated content. It is not
	// touched; the manifest takes it over, since nothing can be lost.
	Adopt
	// Unrecorded (conflict): a file the manifest does not list starts with
	// hlcgen's header, so an earlier render wrote it, but differs from the
	// generated content. Without the manifest's hash, hlcgen cannot tell an
	// older render from a hand edit. Options.Force turns it into an Update.
	Unrecorded
)

// String returns a short lowercase name, suitable for CLI listings.
func (a Action) String() string {
	switch a {
	case Unchanged:
		return "unchanged"
	case Add:
		return "add"
	case Update:
		return "update"
	case Prune:
		return "prune"
	case Edited:
		return "edited"
	case Foreign:
		return "foreign"
	case Escape:
		return "escape"
	case RemoveTemp:
		return "remove"
	case Adopt:
		return "adopt"
	case Unrecorded:
		return "unrecorded"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// IsConflict reports whether a is one of the conflict actions.
func (a Action) IsConflict() bool {
	return a == Edited || a == Foreign || a == Escape || a == Unrecorded
}

// Change describes the plan for one path.
type Change struct {
	Path   string // relative, slash-separated
	Action Action
	Reason string // human-readable, e.g. "added" or "pruned: no longer generated"
}

// String formats c as "action path: reason".
func (c Change) String() string {
	return fmt.Sprintf("%s %s: %s", c.Action, c.Path, c.Reason)
}

// Reasons, kept in one place so that tests and documentation agree.
const (
	reasonAdded      = "added"
	reasonReadded    = "missing on disk; re-added"
	reasonChanged    = "changed"
	reasonPruned     = "pruned: no longer generated"
	reasonPrunedGone = "pruned: no longer generated (already deleted)"
	reasonRelinquish = "pruned: no longer generated (no longer a regular file; left untouched)"
	reasonEdited     = "edited by hand since last render (hash differs from " + ManifestName + ")"
	reasonForeign    = "exists but is not owned by hlcgen"
	reasonAdopted    = "not in " + ManifestName + ", but identical to what render writes: hlcgen takes it over"
	reasonUnrecorded = "starts with hlcgen's header but is not in " + ManifestName + ", and differs from what render writes (an older render, or a hand edit)"
)

// ConflictError is returned by Apply when the plan has unresolved conflicts.
// Nothing has been written when it is returned.
type ConflictError struct {
	Conflicts []Change
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "writer: refusing to write: %d conflict(s)", len(e.Conflicts))
	for i, c := range e.Conflicts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", c.Path, c.Reason)
	}
	return b.String()
}

// ErrStale is returned (wrapped) by Apply when the output directory changed
// between NewPlan and Apply. Nothing has been written when it is returned.
var ErrStale = errors.New("writer: output directory changed since the plan was made; plan again")

// Options configures a plan.
type Options struct {
	// Force allows overwriting or pruning owned files that were edited by
	// hand, and overwriting Unrecorded ones. It never overrides Foreign or
	// Escape conflicts.
	Force bool

	// AfterStep, when set, is called after each step Apply takes, with the
	// path it concerns: a file written or deleted, a directory removed
	// (with a trailing slash), the manifest, and also, just before a file
	// replaces its target, the temporary file holding its content. It is
	// how the CLI's tests stop a real render at a known point.
	AfterStep func(path string)

	// hook, when set (only by tests), is called after each mutation Apply
	// makes, with the relative path it mutated. Returning an error makes
	// Apply stop right there, as a crash would, without any cleanup.
	hook func(path string) error
}

// item is the plan for one path: produced, owned, or both.
type item struct {
	path     string
	action   Action
	reason   string
	conflict bool // an unresolved conflict (Force already taken into account)

	produced bool
	content  []byte // new content, when produced
	newHash  string // when produced

	owned bool
	entry manifestEntry // previous manifest entry, when owned

	obs observed
}

// gitattrState is the plan for .gitattributes.
type gitattrState struct {
	exists   bool
	old, new []byte
	conflict *Change // set when .gitattributes cannot be updated
}

func (g *gitattrState) changed() bool {
	return g.conflict == nil && (!g.exists || !bytes.Equal(g.old, g.new))
}

// Plan is the result of comparing generated files with the output directory.
// It is computed without writing anything. A Plan can be applied once.
type Plan struct {
	outDir string // absolute
	opts   Options
	files  []generator.File
	items  []*item // sorted by path

	manifestExists  bool
	manifestRaw     []byte // current manifest bytes, nil if absent
	manifestNew     []byte // manifest after a successful Apply
	manifestProblem string // why the manifest on disk is corrupt, if it is

	gitattr gitattrState

	leftovers []string // temporary files of interrupted renders, to delete
	strays    []Stray

	applied bool
}

// NewPlan compares files, the complete output of a render, with the state of
// outDir and its manifest, and returns what Apply would do. It writes nothing.
//
// Problems with individual paths (hand edits, foreign files, escapes) are
// reported as conflicts in the plan so that all of them can be shown at once.
// NewPlan returns an error for problems with the render as a whole: an
// unreadable or corrupt manifest, I/O errors, and generator bugs such as
// duplicate paths or a generator producing the manifest or .gitattributes.
func NewPlan(outDir string, files []generator.File, opts Options) (*Plan, error) {
	if outDir == "" {
		return nil, errors.New("writer: empty output directory")
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return nil, fmt.Errorf("writer: output directory %s: %w", outDir, err)
	}
	p := &Plan{outDir: abs, opts: opts, files: slices.Clone(files)}

	byPath, err := producedItems(files)
	if err != nil {
		return nil, err
	}

	in, err := newInspector(abs)
	if err != nil {
		return nil, err
	}
	defer in.close()

	var owned map[string]manifestEntry
	p.manifestRaw, p.manifestExists, owned, p.manifestProblem, err = readManifest(in.root)
	if err != nil {
		return nil, err
	}
	for pth, e := range owned {
		it := byPath[pth]
		if it == nil {
			it = &item{path: pth}
			byPath[pth] = it
		}
		it.owned, it.entry = true, e
	}

	for _, it := range byPath {
		p.items = append(p.items, it)
	}
	slices.SortFunc(p.items, func(a, b *item) int { return strings.Compare(a.path, b.path) })

	for _, it := range p.items {
		if it.conflict {
			continue // already an Escape from syntax checking; never touch the disk for it
		}
		if it.obs, err = in.inspect(it.path); err != nil {
			return nil, err
		}
		p.classify(it)
		if it.action == Unchanged || it.action == Adopt {
			it.obs.content = nil // only needed for diffs; don't hold every file in memory
		}
	}
	markAliases(p.items)
	if p.leftovers, p.strays, err = in.scan(p.items); err != nil {
		return nil, err
	}

	var final []manifestEntry
	var ownedAfter []string
	for _, it := range p.items {
		if it.produced && syntaxProblem(it.path) == "" {
			final = append(final, manifestEntry{Path: it.path, SHA256: it.newHash})
			ownedAfter = append(ownedAfter, it.path)
		}
	}
	if p.manifestNew, err = encodeManifest(final); err != nil {
		return nil, err
	}
	if p.gitattr, err = planGitattributes(in.root, ownedAfter); err != nil {
		return nil, err
	}
	return p, nil
}

// producedItems validates the generated files as a set and returns an item
// per path. Malformed paths become Escape conflicts; mistakes that can only be
// generator bugs are errors.
func producedItems(files []generator.File) (map[string]*item, error) {
	byPath := make(map[string]*item, len(files))
	folded := make(map[string]string, len(files))
	for _, f := range files {
		if _, dup := byPath[f.Path]; dup {
			return nil, fmt.Errorf("writer: %q generated twice", f.Path)
		}
		it := &item{path: f.Path, produced: true, content: f.Content, newHash: hashBytes(f.Content)}
		byPath[f.Path] = it
		if reason := syntaxProblem(f.Path); reason != "" {
			it.action, it.reason, it.conflict = Escape, reason, true
			continue
		}
		if reservedName(f.Path) {
			return nil, fmt.Errorf("writer: %q: generators must not produce %s or %s; the writer manages them", f.Path, ManifestName, GitattributesName)
		}
		// Paths differing only in case are the same file on case-insensitive
		// filesystems (macOS, Windows), where one would silently clobber the
		// other after a checkout.
		low := strings.ToLower(f.Path)
		if other, ok := folded[low]; ok {
			return nil, fmt.Errorf("writer: %q and %q differ only in case", other, f.Path)
		}
		folded[low] = f.Path
	}
	// A path cannot be both a file and a directory.
	for pth, it := range byPath {
		if it.conflict {
			continue
		}
		for dir := path.Dir(pth); dir != "."; dir = path.Dir(dir) {
			if other := byPath[dir]; other != nil && !other.conflict {
				return nil, fmt.Errorf("writer: %q is generated as a file but is also a parent directory of %q", dir, pth)
			}
		}
	}
	return byPath, nil
}

// classify decides the action for an item whose on-disk state is known.
func (p *Plan) classify(it *item) {
	obs := it.obs
	conflict := func(a Action, reason string) {
		it.action, it.reason, it.conflict = a, reason, true
	}

	if !it.produced {
		// Owned, no longer generated.
		switch obs.kind {
		case obsMissing:
			it.action, it.reason = Prune, reasonPrunedGone
		case obsBlocked:
			// Something other than a regular file now sits at (or above)
			// this owned path: the user replaced hlcgen's file. Since it
			// is no longer generated, hlcgen just stops claiming it and
			// leaves whatever is there alone.
			it.action, it.reason = Prune, reasonRelinquish
		case obsFile:
			switch {
			case it.entry.accepts(obs.hash):
				it.action, it.reason = Prune, reasonPruned
			case p.opts.Force:
				it.action, it.reason = Prune, reasonEdited+"; deleted anyway (force)"
			default:
				conflict(Edited, reasonEdited)
			}
		}
		return
	}

	switch obs.kind {
	case obsBlocked:
		conflict(obs.action, obs.reason)
	case obsMissing:
		// An owned file deleted by hand is not a conflict: nothing of the
		// user's is lost by writing it again.
		// (An entry with only a pending hash is a file an interrupted
		// Apply had not written yet: that is a plain add.)
		it.action, it.reason = Add, reasonAdded
		if it.owned && it.entry.SHA256 != "" {
			it.reason = reasonReadded
		}
	case obsFile:
		switch {
		case !it.owned && obs.hash == it.newHash:
			// A lost or corrupt manifest, or a file copied in: taking
			// over what is already exactly the output loses nothing.
			it.action, it.reason = Adopt, reasonAdopted
		case !it.owned && hasHeader(obs.content) && p.opts.Force:
			it.action, it.reason = Update, reasonUnrecorded+"; overwritten anyway (force)"
		case !it.owned && hasHeader(obs.content):
			conflict(Unrecorded, reasonUnrecorded)
		case !it.owned:
			conflict(Foreign, reasonForeign)
		case obs.hash == it.newHash:
			// Includes an owned file edited by hand into exactly the
			// generated content: nothing can be lost, so no conflict.
			it.action = Unchanged
			it.reason = "unchanged"
		case it.entry.accepts(obs.hash):
			it.action, it.reason = Update, reasonChanged
		case p.opts.Force:
			it.action, it.reason = Update, reasonEdited+"; overwritten anyway (force)"
		default:
			conflict(Edited, reasonEdited)
		}
	}
}

// markAliases turns into conflicts any paths that resolve, through symlinks
// inside the output directory, to the same file. Writing or pruning one would
// silently change the other, and the manifest would record two owners.
func markAliases(items []*item) {
	first := make(map[string]*item)
	for _, it := range items {
		if it.obs.key == "" {
			continue
		}
		other, seen := first[it.obs.key]
		if !seen {
			first[it.obs.key] = it
			continue
		}
		markAlias(other, it.path)
		markAlias(it, other.path)
	}
}

func markAlias(it *item, other string) {
	if it.conflict && it.action == Escape {
		return // already refused; keep the first reason
	}
	it.action, it.reason, it.conflict = Escape, fmt.Sprintf("refers to the same file as %q through a symlink", other), true
}

// Conflicts returns the unresolved conflicts, sorted by path. Apply refuses to
// run while there are any.
func (p *Plan) Conflicts() []Change {
	var out []Change
	for _, c := range p.Changes() {
		if c.Action.IsConflict() {
			out = append(out, c)
		}
	}
	return out
}

// Changes returns every path the plan would write, prune or refuses to touch,
// sorted by path; Unchanged files are omitted. Besides generated files it
// includes .gitattributes when its hlcgen block is stale and the manifest
// when it would be rewritten.
func (p *Plan) Changes() []Change {
	if p == nil {
		return nil
	}
	var out []Change
	// Every path under a symlink that leads outside the output directory
	// is refused for that one reason: one conflict, at the symlink.
	under := map[string]int{}
	for _, it := range p.items {
		if it.action == Unchanged {
			continue
		}
		if via := it.obs.via; it.conflict && it.action == Escape && via != "" {
			if under[via]++; under[via] == 1 {
				out = append(out, Change{Path: via, Action: Escape, Reason: it.obs.viaTarget})
			}
			continue
		}
		out = append(out, Change{Path: it.path, Action: it.action, Reason: it.reason})
	}
	for i, c := range out {
		if n, ok := under[c.Path]; ok && c.Action == Escape {
			out[i].Reason = fmt.Sprintf("is a symlink to %q, which does not resolve inside the output directory (hlcgen follows only relative symlinks that stay inside it), so %s: make it a real directory", c.Reason, countFiles(n))
		}
	}
	for _, l := range p.leftovers {
		out = append(out, Change{Path: l, Action: RemoveTemp, Reason: reasonLeftover})
	}
	switch g := &p.gitattr; {
	case g.conflict != nil:
		out = append(out, *g.conflict)
	case !g.exists:
		out = append(out, Change{Path: GitattributesName, Action: Add, Reason: "created with the hlcgen block"})
	case !bytes.Equal(g.old, g.new):
		out = append(out, Change{Path: GitattributesName, Action: Update, Reason: "hlcgen block out of date"})
	}
	switch {
	case p.manifestProblem != "":
		out = append(out, Change{Path: ManifestName, Action: Update, Reason: "replaces a corrupt manifest (" + p.manifestProblem + ")"})
	case !p.manifestExists:
		out = append(out, Change{Path: ManifestName, Action: Add, Reason: "manifest created"})
	case !bytes.Equal(p.manifestRaw, p.manifestNew):
		out = append(out, Change{Path: ManifestName, Action: Update, Reason: "manifest updated"})
	}
	slices.SortStableFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// ManifestProblem says why the manifest on disk is corrupt, or returns "".
// A corrupt manifest is treated as a lost one: the plan owns nothing yet,
// adopts the files that already hold the generated content (Adopt) and
// lists the others as conflicts, and Apply replaces the manifest.
func (p *Plan) ManifestProblem() string {
	if p == nil {
		return ""
	}
	return p.manifestProblem
}

// Strays returns the files under the output directories (generator.OutputDirs)
// that hlcgen neither owns nor writes, sorted by path. They are never
// touched; `render --check` lists them so that a review sees them.
func (p *Plan) Strays() []Stray {
	if p == nil {
		return nil
	}
	return slices.Clone(p.strays)
}

// OutDir returns the absolute output directory the plan is for.
func (p *Plan) OutDir() string {
	if p == nil {
		return ""
	}
	return p.outDir
}

// UpToDate reports whether the output directory already matches the render
// exactly: no conflicts, no file to write or prune, and manifest and
// .gitattributes block current. It is what `render --check` tests.
func (p *Plan) UpToDate() bool {
	return p != nil && len(p.Changes()) == 0
}

// fingerprint summarises everything the plan observed and decided, so that
// Apply can detect that the directory changed since the plan was made.
func (p *Plan) fingerprint() string {
	var b strings.Builder
	for _, it := range p.items {
		fmt.Fprintf(&b, "%q %d %q %t %t %s %t %d %s\n",
			it.path, it.action, it.reason, it.conflict, it.produced, it.newHash, it.owned, it.obs.kind, it.obs.hash)
	}
	fmt.Fprintf(&b, "leftovers %q\n", p.leftovers)
	fmt.Fprintf(&b, "manifest %t %s\n", p.manifestExists, hashBytes(p.manifestRaw))
	fmt.Fprintf(&b, "gitattributes %t %s %s %v\n", p.gitattr.exists, hashBytes(p.gitattr.old), hashBytes(p.gitattr.new), p.gitattr.conflict)
	return b.String()
}

// countFiles says that n output files cannot be written.
func countFiles(n int) string {
	if n == 1 {
		return "the output file under it cannot be written"
	}
	return fmt.Sprintf("none of the %d output files under it can be written", n)
}
