package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/gitrepo"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/validate"
)

// untrackedFiles reports HLC094, with severity sev, for the spec at path:
// the module and secrets files it names that exist but that Git does not
// track (validate.CheckTracked). Without git, or outside a Git work tree,
// there is nothing to check; a Git that fails otherwise is reported as a
// warning and the check skipped.
func untrackedFiles(c *cli.Context, path string, spec *load.Spec, cluster *model.Cluster, sev diag.Severity) diag.Diagnostics {
	if cluster == nil {
		return nil
	}
	dir := filepath.Dir(path)
	repo, err := gitrepo.Open(dir)
	if err != nil {
		return nil
	}
	ds, err := validate.CheckTracked(spec, cluster, os.DirFS(dir), repo, sev)
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "warning: Git could not tell which files it tracks (%v), so untracked module and secrets files were not looked for.\n", err)
		return nil
	}
	return ds
}
