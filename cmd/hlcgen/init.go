package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/scaffold"
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

// releaseTag matches a module version that names a release, such as v1.2.0
// or v1.3.0-rc.1, as opposed to "dev", a pseudo-version
// (v1.2.4-0.20260101120000-abcdef123456) or a +dirty build.
var releaseTag = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$`)

// hookRev is the hlcgen revision the scaffolded pre-commit config pins: this
// binary's release, so the hooks render exactly what the user's hlcgen
// renders; "main" for a development build.
func hookRev() string {
	v := buildVersion()
	if releaseTag.MatchString(v) {
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageError("cannot create %s: %v", dir, err)
	}
	// All writes go through a root on dir, so a symlink in it cannot send
	// a starter file elsewhere.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return usageError("cannot open %s: %v", dir, err)
	}
	defer root.Close()

	out := c.App.Writer
	var skipped int
	for _, f := range scaffold.Files(hookRev()) {
		name := filepath.FromSlash(f.Path)
		created, err := createNew(root, f)
		switch {
		case err != nil:
			return cli.Exit(fmt.Sprintf("hlcgen: writing %s: %v\nFiles listed above were written; rerun `hlcgen init` after fixing the problem: it skips them.", filepath.Join(dir, name), err), exitUsage)
		case created:
			fmt.Fprintf(out, "created %s\n", name)
		default:
			skipped++
			fmt.Fprintf(out, "skipped %s: it exists; init never overwrites a file\n", name)
		}
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

// createNew writes f under root unless something already exists at its
// path; it reports whether it wrote the file. O_EXCL makes the check and the
// creation one step, and refuses a symlink at the path too.
func createNew(root *os.Root, f scaffold.File) (bool, error) {
	if d := path.Dir(f.Path); d != "." {
		if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			return false, err
		}
	}
	file, err := root.OpenFile(filepath.FromSlash(f.Path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := file.Write(f.Content); err != nil {
		file.Close()
		return false, err
	}
	return true, file.Close()
}
