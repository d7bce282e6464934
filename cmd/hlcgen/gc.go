package main

import (
	"os"
	"runtime/debug"
)

// tuneGC sets the garbage collector for one run over a spec of specBytes.
//
// hlcgen is a short batch process: most of what it allocates (HCL tokens,
// CUE's evaluation graph) is garbage within milliseconds, and the process
// exits soon after. With Go's default pacing the collector runs many
// times for nothing on a small spec, and on a large one lets the heap reach
// twice its live size. Instead, collection is off until the heap reaches a
// soft limit that grows with the spec: a small spec never collects, a
// formatted 1,000-node spec (about 555 kB) peaks at about 90 MB, and a very
// large one keeps enough headroom not to collect continuously. The live
// heap peaks at about 55 times the spec's size (render --check, with the
// generated files in memory); the limit is 135 times: a higher one trades
// memory for fewer collections (150 times: 3 % faster at 1,000 nodes, and
// 95 MB). BENCHMARKS.md has the figures. A GOGC or GOMEMLIMIT set by the
// user wins.
func tuneGC(specBytes int) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	const (
		floor   = 64 << 20
		perByte = 135
	)
	limit := int64(specBytes) * perByte
	if limit < floor {
		limit = floor
	}
	debug.SetMemoryLimit(limit)
	debug.SetGCPercent(-1)
}
