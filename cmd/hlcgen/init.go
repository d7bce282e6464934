package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/hlcgen/hlcgen/scaffold"
	"github.com/hlcgen/hlcgen/writer"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "start a homelab repository: a starter cluster.hcl, flake.nix, Makefile, hardware modules, pre-commit config",
		ArgsUsage: "[DIR]",
		Description: "Writes the starter files into DIR (default: the current directory), creating it if needed.\n" +
			"They are yours to edit: init never overwrites an existing file (it says which it skipped),\n" +
			"and render never touches them. The starter cluster.hcl is valid as is, but its keys are\n" +
			"placeholders to replace before deploying.\n\n" +
			"Exit status: 0 written (skipped files included), 2 usage error or a file could not be written.",
		Action: runInit,
	}
}

// isReleaseTag reports whether a module version names a release, such as
// v1.2.0 or v1.3.0-rc.1, as opposed to "dev", a pseudo-version
// (v1.2.4-0.20260101120000-abcdef123456) or a +dirty build.
func isReleaseTag(v string) bool {
	return semver.IsValid(v) && semver.Build(v) == "" && !module.IsPseudoVersion(v)
}

// hookRev is the hlcgen revision the scaffolded pre-commit config pins: this
// binary's release, so the hooks render exactly what the user's hlcgen
// renders; "main" for a development build.
func hookRev() string {
	v := buildVersion()
	if isReleaseTag(v) {
		return v
	}
	return "main"
}

func runInit(c *cli.Context) error {
	if c.NArg() > 1 {
		return usageError("init takes at most one directory, not %d arguments", c.NArg())
	}
	dir := "."
	if c.NArg() == 1 {
		dir = c.Args().First()
	}
	var files []writer.File
	for _, f := range scaffold.Files(hookRev()) {
		files = append(files, writer.File{Path: f.Path, Content: f.Content})
	}
	out := c.App.Writer
	var done []writer.Created
	err := writeFiles(c, func() (err error) {
		done, err = writer.CreateNew(dir, files)
		return err
	})
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return err // interrupted before writing
	}
	var skipped int
	for _, d := range done {
		name := filepath.FromSlash(d.Path)
		if d.Skipped {
			skipped++
			fmt.Fprintf(out, "skipped %s: it exists; init never overwrites a file\n", name)
		} else {
			fmt.Fprintf(out, "created %s\n", name)
		}
	}
	if err != nil && len(done) == 0 {
		return usageError("%v", err)
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("hlcgen: %v\nFiles listed above were written; rerun `hlcgen init` after fixing the problem: it skips them.", err), exitUsage)
	}

	var steps []string
	if dir != "." {
		steps = append(steps, "cd "+dir)
	}
	steps = append(steps,
		"Edit cluster.hcl for your network and replace each PLACEHOLDER in it (`grep -n PLACEHOLDER cluster.hcl`).",
		"Replace each hardware/<node>.nix with the output of `nixos-generate-config --show-hardware-config` on that node.",
		"hlcgen validate && hlcgen render",
		"sops secrets/cluster.yaml   # the k3s join token: k3s: {token: <a long random string>}",
		"git init && git add -A && pre-commit install && git commit -m 'Homelab from hlcgen init'",
	)
	if skipped > 0 {
		fmt.Fprintf(out, "\n%s left unchanged.\n", countNoun(skipped, "existing file"))
	}
	fmt.Fprintln(out, "\nNext:")
	for i, s := range steps {
		fmt.Fprintf(out, "  %d. %s\n", i+1, s)
	}
	return nil
}
