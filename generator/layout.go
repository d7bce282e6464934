package generator

import "path"

// Layout says where the output directory lies relative to the directory
// holding cluster.hcl. The files cluster.hcl names (hardware, extra_modules
// and group modules, the sops files) are relative to the spec's directory,
// and generated files name them by paths relative to themselves, so those
// paths depend on it. The zero Layout is the default: the output directory
// is the spec's directory.
type Layout struct {
	// SpecDir is the spec's directory relative to the output directory:
	// slash-separated and clean ("..", "infra", "../../lab"), or "" or "."
	// when they are the same. Each component must be one a Nix path
	// literal can hold (the caller checks; see nix.Path).
	SpecDir string
}

// SpecFile returns the path, relative to the output directory, of the file
// cluster.hcl names by p (relative to the spec's directory). Every reference
// a generator writes to a hand-written file goes through it.
func (l Layout) SpecFile(p string) string { return path.Join(l.SpecDir, p) }
