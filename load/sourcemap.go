package load

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// SourceMap remembers where each part of the document came from.
type SourceMap struct {
	entries map[string]span
}

type span struct {
	// name is the attribute name, block type and labels, or map key.
	name hcl.Range
	// value is the attribute's expression or the whole block header.
	value hcl.Range
	block bool
}

func newSourceMap() *SourceMap { return &SourceMap{entries: map[string]span{}} }

func key(path []string) string { return strings.Join(path, "\x00") }

func (s *SourceMap) setAttr(path []string, name, value hcl.Range) {
	s.entries[key(path)] = span{name: name, value: value}
}

func (s *SourceMap) setBlock(path []string, def, typ hcl.Range) {
	e, ok := s.entries[key(path)]
	if ok && e.block {
		return
	}
	if !ok || e.name.Filename == "" {
		// A labelled block keeps its label as the name.
		e.name = typ
	}
	e.value, e.block = def, true
	s.entries[key(path)] = e
}

func (s *SourceMap) setLabel(path []string, label hcl.Range) {
	e := s.entries[key(path)]
	e.name = label
	s.entries[key(path)] = e
}

// Value returns the range of the value at path: an attribute's expression, a
// list element, or a block's header. When path itself was not written in the
// file (a missing attribute, say), it falls back to the nearest enclosing
// block or attribute that was, so every diagnostic has a location.
func (s *SourceMap) Value(path ...string) hcl.Range {
	for p := path; ; p = p[:len(p)-1] {
		if e, ok := s.entries[key(p)]; ok {
			return e.value
		}
		if len(p) == 0 {
			return hcl.Range{}
		}
	}
}

// Name returns the range of the attribute name or block label at path,
// falling back like Value.
func (s *SourceMap) Name(path ...string) hcl.Range {
	for p := path; ; p = p[:len(p)-1] {
		if e, ok := s.entries[key(p)]; ok {
			if e.name.Filename != "" {
				return e.name
			}
			return e.value
		}
		if len(p) == 0 {
			return hcl.Range{}
		}
	}
}

// Has reports whether path was written in the file.
func (s *SourceMap) Has(path ...string) bool {
	_, ok := s.entries[key(path)]
	return ok
}

// Whole returns the range spanning an attribute's name and value (the whole
// `name = value` line), or a block header.
func (s *SourceMap) Whole(path ...string) hcl.Range {
	e, ok := s.entries[key(path)]
	if !ok {
		return s.Value(path...)
	}
	if e.block || e.name.Filename == "" {
		return e.value
	}
	return hcl.RangeBetween(e.name, e.value)
}
