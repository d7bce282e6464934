package load

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/hlcgen/hlcgen/diag"
)

// chunks.go parses a large spec in parts, on every CPU. HCL's lexer is
// most of loading a spec of a thousand nodes (BENCHMARKS.md), and one parse
// of the file is one goroutine's work; but the blocks of a file do not
// depend on each other. The file is cut at lines of its top level that
// start a block, each part is parsed with the position it starts at (so
// every range is the one a parse of the whole file gives) and loaded on its
// own, and the parts are merged in file order.
//
// The merge is the whole file's load only when the parts do not meet:
// nothing but blocks at the top level, no block repeated across parts, no
// syntax error. Anything else, and the file is parsed and loaded whole,
// as before, for the diagnostics of the whole file; TestChunksLoadAsWhole
// checks that both give the same spec for every case.

// minChunk is the least size of a part: below twice this, a file is parsed
// whole, which takes a few milliseconds.
const minChunk = 32 << 10

// partsPerWorker cuts more parts than CPUs, so that one CPU waits less for
// the other at the end.
const partsPerWorker = 2

// parseInChunks is Parse for a large file, on every CPU; ok is false when
// the file must be parsed whole.
func parseInChunks(filename string, src []byte) (*Spec, diag.Diagnostics, bool) {
	return parseParts(filename, src, minChunk, runtime.GOMAXPROCS(0))
}

// part is one part of a file: src[start:end], starting at pos.
type part struct {
	start, end int
	pos        hcl.Pos
	spec       *Spec
	loader     *loader
	ok         bool
}

func parseParts(filename string, src []byte, least, workers int) (*Spec, diag.Diagnostics, bool) {
	if workers < 2 || len(src) < 2*least || len(src) > MaxSpecBytes {
		return nil, nil, false
	}
	if _, bad := notText(filename, src); bad {
		return nil, nil, false
	}
	var starts []int
	if _, bad := scanNesting(filename, src, &starts); bad {
		return nil, nil, false
	}
	parts := cut(src, starts, least, workers*partsPerWorker)
	if len(parts) < 2 {
		return nil, nil, false
	}

	filesParsed.Add(1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(parts)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(parts) {
					return
				}
				parts[i].parseSafely(filename, src)
			}
		})
	}
	wg.Wait()
	return merge(filename, src, parts)
}

// cut cuts src at some of starts into at most n parts of at least least
// bytes.
func cut(src []byte, starts []int, least, n int) []part {
	size := max(least, len(src)/n)
	var out []part
	from, line := 0, 1
	for _, s := range starts {
		if s-from < size || len(src)-s < least {
			continue
		}
		out = append(out, part{start: from, end: s, pos: hcl.Pos{Line: line, Column: 1, Byte: from}})
		line += bytes.Count(src[from:s], []byte("\n"))
		from = s
	}
	return append(out, part{start: from, end: len(src), pos: hcl.Pos{Line: line, Column: 1, Byte: from}})
}

// parseSafely is parse on a goroutine of its own: a part that panics is
// not ok, and the file is parsed whole, where a panic is what it was
// before, on the caller's goroutine.
func (p *part) parseSafely(filename string, src []byte) {
	defer func() {
		if recover() != nil {
			p.ok = false
		}
	}()
	p.parse(filename, src)
}

// parse parses and loads the part; ok is false when it has a syntax error
// or an attribute at the top level, whose meaning depends on the rest of
// the file (HCL refuses one written twice).
func (p *part) parse(filename string, src []byte) {
	file, hds := hclsyntax.ParseConfig(src[p.start:p.end], filename, p.pos)
	if hds.HasErrors() {
		return
	}
	body := file.Body.(*hclsyntax.Body)
	if len(body.Attributes) > 0 {
		return
	}
	p.spec = newSpec(filename, src)
	p.loader = &loader{spec: p.spec}
	p.loader.file(body)
	p.ok = true
}

// merge merges the loaded parts in file order into the spec of the whole
// file, when they do not meet.
func merge(filename string, src []byte, parts []part) (*Spec, diag.Diagnostics, bool) {
	entries, members := 0, map[string]int{}
	for _, p := range parts {
		if !p.ok {
			return nil, nil, false
		}
		entries += len(p.spec.Source.entries)
		for k, v := range p.spec.Doc {
			if m, isMap := v.(map[string]any); isMap && isCollection(k) {
				members[k] += len(m)
			}
		}
	}
	// The merged maps are made at their size, not grown.
	spec := newSpec(filename, src)
	spec.Parsed = true
	spec.Source.entries = make(map[string]span, entries+1)
	for k, n := range members {
		spec.Doc[k] = make(map[string]any, n)
	}
	var ds diag.Diagnostics
	blocks := map[string]bool{}
	for _, p := range parts {
		for id := range p.loader.blocks {
			if blocks[id] {
				return nil, nil, false // a duplicate: reported against the first
			}
			blocks[id] = true
		}
		for k, v := range p.spec.Doc {
			have, exists := spec.Doc[k]
			if !exists {
				spec.Doc[k] = v
				continue
			}
			// Only a collection (the nodes) spans parts; its map is
			// made above.
			into, isMap := have.(map[string]any)
			from, alsoMap := v.(map[string]any)
			if !isMap || !alsoMap || !isCollection(k) {
				return nil, nil, false
			}
			for name, m := range from {
				into[name] = m
			}
		}
		for k, e := range p.spec.Source.entries {
			if _, exists := spec.Source.entries[k]; exists {
				// A collection's range is its first block's.
				if isCollection(k) {
					continue
				}
				return nil, nil, false
			}
			spec.Source.entries[k] = e
		}
		for k := range p.spec.failed {
			spec.fail([]string{k}) // the key of the path, as it is
		}
		for k := range p.spec.dropped {
			spec.drop([]string{k})
		}
		ds = append(ds, p.loader.diags...)
	}
	spec.finish()
	return spec, ds, true
}

// isCollection reports whether key is a document path of one element that
// labelled blocks of the top level fill, by label: "nodes".
func isCollection(key string) bool {
	for _, k := range language {
		if k.key == key && k.labels == 1 && k.labelKey == "" {
			return true
		}
	}
	return false
}
