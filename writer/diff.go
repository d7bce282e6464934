package writer

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/aymanbagabas/go-udiff"
)

// Diff writes a unified diff (a/ and b/ prefixes, three lines of context) of
// every add, update and prune in the plan, including forced ones and the
// .gitattributes block, in path order. The manifest is left out: it is
// bookkeeping derived from the other changes. So are the conflicts Force
// cannot override (Foreign, Escape), which render would never write; a hand
// edit (Edited, Unrecorded) is diffed against what Force would write over
// it, which is exactly what the user needs to see to decide.
func (p *Plan) Diff(w io.Writer) error {
	if p == nil {
		return errors.New("writer: Diff on nil plan")
	}
	for _, c := range p.Changes() {
		var old, new []byte
		switch {
		case c.Path == ManifestName || c.Action == Foreign || c.Action == Escape || c.Action == Unchanged:
			continue
		case c.Action == Adopt || c.Action == RemoveTemp:
			continue // bookkeeping: no content changes
		case c.Path == GitattributesName:
			if p.gitattr.exists {
				old = p.gitattr.old
				if old == nil {
					old = []byte{} // exists but empty: not /dev/null
				}
			}
			new = p.gitattr.new
		default:
			it := p.item(c.Path)
			if it == nil {
				continue
			}
			if it.obs.kind == obsFile {
				old = it.obs.content
				if old == nil {
					old = []byte{}
				}
			}
			if it.produced && it.action != Prune {
				new = it.content
				if new == nil {
					new = []byte{}
				}
			}
		}
		if err := UnifiedDiff(w, c.Path, old, new); err != nil {
			return err
		}
	}
	return nil
}

// item returns the plan item for path, or nil.
func (p *Plan) item(path string) *item {
	for _, it := range p.items {
		if it.path == path {
			return it
		}
	}
	return nil
}

// UnifiedDiff writes a unified diff of one file, as `git diff` would print it
// (without the "diff --git" line): "--- a/path" and "+++ b/path" headers,
// hunks with three lines of context, and "\ No newline at end of file"
// markers. A nil old means the file is being added (--- /dev/null), a nil new
// that it is being deleted (+++ /dev/null); a non-nil empty slice is an empty
// file. Nothing is written when old and new are the same. Content containing
// NUL bytes is reported as binary instead of being diffed.
func UnifiedDiff(w io.Writer, path string, old, new []byte) error {
	if (old == nil) == (new == nil) && bytes.Equal(old, new) {
		return nil
	}
	from, to := "a/"+path, "b/"+path
	if old == nil {
		from = "/dev/null"
	}
	if new == nil {
		to = "/dev/null"
	}

	var buf bytes.Buffer
	if isBinary(old) || isBinary(new) {
		fmt.Fprintf(&buf, "Binary files %s and %s differ\n", from, to)
	} else if d := udiff.Unified(from, to, string(old), string(new)); d != "" {
		buf.WriteString(d)
	} else {
		// An empty file being added or deleted: headers only, like git.
		fmt.Fprintf(&buf, "--- %s\n+++ %s\n", from, to)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writer: diff %s: %w", path, err)
	}
	return nil
}

// isBinary uses git's heuristic: a NUL byte in the first 8000 bytes.
func isBinary(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0
}
