package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

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

func runInit(c *cli.Context) error {
	if c.NArg() > 1 {
		return usageError("init takes at most one directory, not %d arguments", c.NArg())
	}
	dir := "."
	if c.NArg() == 1 {
		dir = c.Args().First()
	}
	rev, note := hookRev(buildVersion())
	var files []writer.File
	for _, f := range scaffold.Files(rev) {
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
		"hlcgen validate && hlcgen render   # render writes .sops.yaml, which sops reads",
		"mkdir -p secrets && sops secrets/cluster.yaml   # the server token: k3s: {token: <a long random string>}",
		"sops secrets/nodes.yaml   # the agent token: k3s: {agent_token: <another long random string>}",
		"git init && git add -A && pre-commit install && git commit -m 'Homelab from hlcgen init'",
	)
	if skipped > 0 {
		fmt.Fprintf(out, "\n%s left unchanged.\n", countNoun(skipped, "existing file"))
	}
	if note != "" {
		fmt.Fprintf(out, "\nNote: %s\n", note)
	}
	fmt.Fprintln(out, "\nNext:")
	for i, s := range steps {
		fmt.Fprintf(out, "  %d. %s\n", i+1, s)
	}
	return nil
}
