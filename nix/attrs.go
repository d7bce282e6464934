package nix

import (
	"strconv"
	"strings"
)

// AttrSet is an ordered attribute set builder. Bindings are printed in the
// order they were added, so callers control the layout; use [SortedAttrs]
// for map-derived data. The zero value is not usable; call [NewAttrs].
//
// *AttrSet implements [Expr]. An empty set prints as `{ }`; a non-empty one
// is always expanded, one binding per line, as in the standard Nix format.
type AttrSet struct {
	entries []entry
	// index maps an encoded attribute path to its position in entries, so
	// that setting the same path twice replaces the value in place.
	index   map[string]int
	pending []string // comment lines waiting for the next entry
	n       int      // number of attributes (bindings + inherited names)
}

type entryKind int

const (
	entryBinding entryKind = iota
	entryInherit
	entryComment
)

type entry struct {
	kind  entryKind
	path  []string // binding: attribute path
	value Expr     // binding: value
	from  Expr     // inherit: source expression, nil for plain inherit
	names []string // inherit: names; comment: lines
}

func (*AttrSet) nixExpr() {}

// NewAttrs returns an empty attribute set builder.
func NewAttrs() *AttrSet {
	return &AttrSet{index: map[string]int{}}
}

// Set binds key to v (`key = v;`) and returns a for chaining. Setting a key
// that is already bound replaces the value but keeps the original position,
// so the result never contains a duplicate binding (a Nix error). The key
// may be any string: it is rendered with [Key].
func (a *AttrSet) Set(key string, v Expr) *AttrSet {
	return a.SetPath([]string{key}, v)
}

// SetPath binds a nested attribute with a dotted attribute path on a single
// line: SetPath([]string{"a", "b/c"}, v) prints `a."b/c" = v;`. Each
// component is rendered with [Key]. Setting an identical path again replaces
// the value in place. Overlapping paths (`a.b = …; a.c = …;`) are legal Nix
// and left to the caller; mixing them with a plain `a = { … };` binding is a
// Nix evaluation error.
func (a *AttrSet) SetPath(path []string, v Expr) *AttrSet {
	if len(path) == 0 {
		panic("nix: SetPath with empty attribute path")
	}
	mustExpr("SetPath", v)
	for _, k := range path {
		mustString(k)
	}
	id := pathID(path)
	if i, ok := a.index[id]; ok {
		a.entries[i].value = v
		a.flushComments(i)
		return a
	}
	a.flushComments(-1)
	a.index[id] = len(a.entries)
	a.entries = append(a.entries, entry{kind: entryBinding, path: append([]string(nil), path...), value: v})
	a.n++
	return a
}

// Inherit adds `inherit name1 name2;`. Names are rendered with [Key].
func (a *AttrSet) Inherit(names ...string) *AttrSet {
	return a.inherit(nil, names)
}

// InheritFrom adds `inherit (from) name1 name2;`.
func (a *AttrSet) InheritFrom(from Expr, names ...string) *AttrSet {
	mustExpr("InheritFrom", from)
	return a.inherit(from, names)
}

func (a *AttrSet) inherit(from Expr, names []string) *AttrSet {
	if len(names) == 0 {
		return a
	}
	for _, n := range names {
		mustString(n)
	}
	a.flushComments(-1)
	a.entries = append(a.entries, entry{kind: entryInherit, from: from, names: append([]string(nil), names...)})
	a.n += len(names)
	return a
}

// Comment adds a `# text` line before the next binding (or at the end of
// the set if no binding follows). Multi-line text becomes several comment
// lines; control characters are neutralised, so text may come from anywhere.
func (a *AttrSet) Comment(text string) *AttrSet {
	a.pending = append(a.pending, sanitizeComment(text)...)
	return a
}

// blankLine stands for an empty line among the pending comment lines; it
// cannot come from Comment, which neutralises control characters.
const blankLine = "\x00"

// Blank adds an empty line before the next binding (or comment), to group
// bindings the way a person would; the standard Nix format keeps such
// lines. A blank line at the start or end of a set is not printed.
func (a *AttrSet) Blank() *AttrSet {
	a.pending = append(a.pending, blankLine)
	return a
}

// flushComments turns pending comment lines into an entry placed at
// position at (or appended if at < 0).
func (a *AttrSet) flushComments(at int) {
	if len(a.pending) == 0 {
		return
	}
	c := entry{kind: entryComment, names: a.pending}
	a.pending = nil
	if at < 0 {
		a.entries = append(a.entries, c)
		return
	}
	a.entries = append(a.entries, entry{})
	copy(a.entries[at+1:], a.entries[at:])
	a.entries[at] = c
	for id, i := range a.index {
		if i >= at {
			a.index[id] = i + 1
		}
	}
}

// Len returns the number of attributes defined: one per Set/SetPath binding
// plus one per inherited name. Comments are not counted.
func (a *AttrSet) Len() int { return a.n }

// allEntries returns the entries including trailing, not yet attached
// comments.
func (a *AttrSet) allEntries() []entry {
	if len(a.pending) == 0 {
		return a.entries
	}
	return append(a.entries[:len(a.entries):len(a.entries)], entry{kind: entryComment, names: a.pending})
}

// pathID encodes an attribute path unambiguously (length-prefixed).
func pathID(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

func attrPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = Key(p)
	}
	return strings.Join(parts, ".")
}
