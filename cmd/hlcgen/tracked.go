package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

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
//
// git is the work tree, opened by gitRepo while the spec was validated.
func untrackedFiles(c *cli.Context, path string, git func() (*gitrepo.Repo, error), spec *load.Spec, cluster *model.Cluster, sev diag.Severity) diag.Diagnostics {
	if cluster == nil {
		return nil
	}
	dir := filepath.Dir(path)
	repo, err := git()
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

// gitRepo opens the Git work tree holding the spec at path in the
// background: git runs on another core while this one parses and
// validates the spec (on the reference spec, the git command is a fifth
// of hlcgen validate). The result is the same as opening it afterwards:
// hlcgen changes nothing in the repository meanwhile.
func gitRepo(path string) func() (*gitrepo.Repo, error) {
	type opened struct {
		repo *gitrepo.Repo
		err  error
	}
	ch := make(chan opened, 1)
	go func() {
		repo, err := gitrepo.Open(filepath.Dir(path))
		ch <- opened{repo, err}
	}()
	return sync.OnceValues(func() (*gitrepo.Repo, error) {
		o := <-ch
		return o.repo, o.err
	})
}
