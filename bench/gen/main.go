// Command gen prepares the inputs of bench/run.sh.
//
//	gen -nodes N -out DIR   writes DIR/cluster.hcl, a valid spec of N nodes
//	                        (internal/specgen), and the module files it names
//	gen -json SPEC          prints the document of SPEC as JSON: the data
//	                        hlcgen unifies with #Cluster, for `cue vet`
//
// It is a benchmark helper, not part of hlcgen.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/load"
)

func main() {
	nodes := flag.Int("nodes", 0, "write a generated spec of this many nodes")
	out := flag.String("out", "", "directory for -nodes")
	doc := flag.String("json", "", "print the document of this spec as JSON")
	flag.Parse()
	var err error
	switch {
	case *doc != "" && *nodes == 0:
		err = printDoc(*doc)
	case *nodes > 0 && *out != "" && *doc == "":
		err = writeSpec(*nodes, *out)
	default:
		fmt.Fprintln(os.Stderr, "usage: gen -nodes N -out DIR | gen -json SPEC")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func writeSpec(n int, dir string) error {
	files := specgen.Files(n)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.hcl"), specgen.Generate(n), 0o644); err != nil {
		return err
	}
	return fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, files[p].Data, 0o644)
	})
}

// printDoc prints the loader's document, which is exactly what hlcgen
// encodes and unifies with #Cluster for a spec without unknown settings.
func printDoc(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	spec, ds := load.Parse(path, src)
	if ds.HasErrors() {
		return fmt.Errorf("%s does not load: %d errors (run hlcgen validate)", path, len(ds.Errors()))
	}
	b, err := json.Marshal(spec.Doc)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(b, '\n'))
	return err
}
