package main

import (
	"os"
	"path/filepath"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/validate"
)

var fileFlag = &cli.StringFlag{
	Name:    "file",
	Aliases: []string{"f"},
	Value:   "cluster.hcl",
	Usage:   "the cluster spec to read",
}

// loaded is a spec read from disk, validated.
type loaded struct {
	path    string
	spec    *load.Spec
	cluster *model.Cluster
	diags   diag.Diagnostics
	// sources are the other files diagnostics point into (the sops
	// files), by the name they are printed with.
	sources map[string][]byte
}

// readSpec reads the spec named by --file, the one way every command reads
// it, and tunes the garbage collector to its size (tuneGC); an unreadable
// file is a usage error (exit 2).
func readSpec(c *cli.Context) (path string, src []byte, err error) {
	path = c.String("file")
	src, err = os.ReadFile(path)
	if err != nil {
		return "", nil, usageError("cannot read the spec: %v", err)
	}
	tuneGC(len(src))
	return path, src, nil
}

// loadSpec reads and validates the spec named by --file. Module paths in it
// are checked against the directory that holds it.
func loadSpec(c *cli.Context) (*loaded, error) {
	path, src, err := readSpec(c)
	if err != nil {
		return nil, err
	}
	repo := os.DirFS(filepath.Dir(path))
	spec, cluster, ds := validate.Load(path, src, repo)
	return &loaded{path: path, spec: spec, cluster: cluster, diags: ds}, nil
}

// printDiagnostics writes diagnostics for people to stderr.
func printDiagnostics(c *cli.Context, l *loaded) {
	if len(l.diags) == 0 {
		return
	}
	sources := map[string][]byte{l.path: l.spec.Src}
	for name, src := range l.sources {
		sources[name] = src
	}
	_ = diag.WriteText(c.App.ErrWriter, l.diags, sources, diag.TextOptions{Color: useColor(c.App.ErrWriter)})
}

// useColor is true only on a terminal, and never when NO_COLOR is set
// (https://no-color.org).
func useColor(w any) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func countSeverity(ds diag.Diagnostics, s diag.Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}
