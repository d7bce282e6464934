package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/google/renameio/v2"
	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
)

func fmtCommand() *cli.Command {
	return &cli.Command{
		Name:  "fmt",
		Usage: "rewrite cluster.hcl in canonical HCL format",
		Description: "With --check, writes nothing and exits 1 when formatting would change the file.\n" +
			"Exit status: 0 formatted, 1 not formatted (--check) or syntax errors, 2 usage error.",
		ArgsUsage: specArgs,
		Flags: []cli.Flag{
			fileFlag,
			&cli.BoolFlag{Name: "check", Usage: "exit 1 instead of rewriting when the file is not formatted"},
		},
		Action: runFmt,
	}
}

func runFmt(c *cli.Context) error {
	path, src, err := readSpec(c)
	if err != nil {
		return err
	}
	formatted, ds := load.Format(path, src)
	if ds.HasErrors() {
		_ = diag.WriteText(c.App.ErrWriter, ds, map[string][]byte{path: src}, diag.TextOptions{Color: useColor(c.App.ErrWriter)})
		return cli.Exit(fmt.Sprintf("\n%s has syntax errors; fix them, then run `hlcgen fmt`.", path), exitInvalid)
	}
	if bytes.Equal(formatted, src) {
		return nil
	}
	if c.Bool("check") {
		return cli.Exit(fmt.Sprintf("%s is not formatted: run `hlcgen fmt --file %s` and commit the result.", path, path), exitInvalid)
	}
	info, err := os.Stat(path)
	if err != nil {
		return usageError("%v", err)
	}
	err = writeFiles(c, func() error { return renameio.WriteFile(path, formatted, info.Mode().Perm()) })
	if err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			return err // interrupted before writing
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(c.App.Writer, "formatted %s\n", path)
	return nil
}
