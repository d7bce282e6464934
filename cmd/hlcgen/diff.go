package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/gitrepo"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/specdiff"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "show what rendering would change on disk, or what a change to cluster.hcl does since a Git revision",
		Description: "Without --base, the same as `hlcgen render --diff`: a unified diff of what `hlcgen render`\n" +
			"would write. Exit status: 0 up to date, 1 invalid spec, conflicts or outputs not up to date,\n" +
			"2 usage error.\n\n" +
			"With --base REV, renders cluster.hcl as committed at REV and as it is in the working tree,\n" +
			"both in memory (nothing on disk is read but the spec and its modules, nothing is written),\n" +
			"then prints what changed in the spec (nodes, addresses, versions, apps, users, groups), the\n" +
			"changes that need care first with why and what to do, each with the generated files it\n" +
			"alters, and a unified diff of the generated files. --format markdown makes it a pull-request\n" +
			"comment of at most 65,536 characters, with a picture of the cluster; text leaves nothing out.\n" +
			"Both sides are rendered by this hlcgen, so the diff shows the spec change alone; `hlcgen\n" +
			"render --check` tells whether the committed files are up to date. Exit status: 0 (the\n" +
			"report is informational), 1 the working-tree spec is invalid, 2 usage or Git error.",
		ArgsUsage: specArgs,
		Flags: []cli.Flag{
			fileFlag,
			&cli.StringFlag{Name: "out", Usage: "output directory to compare with, without --base (default: the directory holding the spec)"},
			&cli.StringFlag{Name: "base", Usage: "Git revision to compare the spec with, such as origin/main"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "with --base: text or markdown"},
		},
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	if !c.IsSet("base") {
		// planRender warms the consumers' schemas.
		if c.IsSet("format") {
			return usageError("--format applies to --base only; without it, diff prints a unified diff")
		}
		_, plan, err := planRender(c, diag.Warning)
		if err != nil {
			return err
		}
		return reportDiff(c, plan)
	}
	format := c.String("format")
	if format != "text" && format != "markdown" {
		return usageError("--format must be text or markdown, not %q", format)
	}
	warmRender()
	if c.IsSet("out") {
		return usageError("--out does not go with --base: both sides are rendered in memory and nothing on disk is compared")
	}
	rev := c.String("base")
	if rev == "" || strings.HasPrefix(rev, "-") {
		return usageError("--base needs a Git revision, such as origin/main, not %q", rev)
	}
	path, src, err := readSpec(c)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)

	repo, err := gitrepo.Open(dir)
	switch {
	case errors.Is(err, gitrepo.ErrNoGit):
		return usageError("diff --base runs git, which is not on PATH")
	case err != nil:
		return usageError("%s is not in a Git repository (%v). --base compares with a Git revision; without it, `hlcgen diff` compares with the files on disk.", dir, err)
	}
	base, err := repo.ReadAt(rev, filepath.Base(path))
	switch {
	case errors.Is(err, gitrepo.ErrUnknownRevision):
		return usageError("%q is not a commit in this repository. In CI, fetch it first (for example `git fetch origin main`, or check out with full history), or name another revision.", rev)
	case err != nil:
		return usageError("%v", err)
	}

	cur, err := pipeline.Spec(path, src, os.DirFS(dir))
	printDiagnostics(c, &loaded{path: path, spec: cur.Spec, diags: cur.Diags})
	if cur.Diags.HasErrors() {
		return cli.Exit(fmt.Sprintf("\n%s has %s, so there is nothing to compare. Fix them (`hlcgen validate` lists them) and run `hlcgen diff --base %s` again.",
			path, countNoun(countSeverity(cur.Diags, diag.Error), "error"), rev), exitInvalid)
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("hlcgen: %v\nThis is a bug in hlcgen.", err), exitUsage)
	}

	rep := &specdiff.Report{Spec: path, Rev: rev, BaseMissing: base.Content == nil}
	var oldFiles []generator.File
	var oldCluster *model.Cluster
	if base.Content != nil {
		// Module paths of the base are not checked (nil repository): the
		// modules as they were at the base are history, nothing this
		// change could fix, and the rendered output does not read them.
		old, err := pipeline.Spec(base.Name, base.Content, nil)
		switch {
		case old.Diags.HasErrors():
			rep.BaseErrors = old.Diags.Errors()
		case err != nil:
			return cli.Exit(fmt.Sprintf("hlcgen: rendering %s: %v\nThis is a bug in hlcgen.", base.Name, err), exitUsage)
		default:
			oldFiles, oldCluster = old.Files, old.Cluster
		}
	}
	rep.Compare(specdiff.Side{Cluster: oldCluster, Files: oldFiles}, specdiff.Side{Cluster: cur.Cluster, Files: cur.Files}, pipeline.Files)
	if format == "markdown" {
		return rep.WriteMarkdown(c.App.Writer)
	}
	return rep.WriteText(c.App.Writer)
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
