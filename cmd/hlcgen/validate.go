package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check cluster.hcl against the schema and the cross-field rules",
		Description: "Prints every problem at once, sorted by position. Exit status: 0 valid (warnings allowed),\n" +
			"1 invalid, 2 usage error or unreadable file.",
		Flags: []cli.Flag{
			fileFlag,
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text or json"},
		},
		Action: runValidate,
	}
}

func runValidate(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageError("--format must be text or json, not %q", format)
	}
	if c.Args().Present() {
		return usageError("validate takes no arguments; use --file to name the spec")
	}
	l, err := loadSpec(c)
	if err != nil {
		return err
	}
	// In a Git work tree, files the spec names that Git does not track
	// are a warning here; render --check and check make them an error.
	l.diags = append(l.diags, untrackedFiles(c, l.path, l.spec, l.cluster, diag.Warning)...)
	// The sops files' recipients against .sops.yaml's (HLC170-HLC172).
	secrets := auditSecrets(l.path, l.cluster, diag.Error)
	l.diags, l.sources = append(l.diags, secrets.diags...), secrets.sources
	l.diags.Sort()
	if format == "json" {
		if err := diag.WriteJSON(c.App.Writer, l.diags); err != nil {
			return err
		}
	} else {
		printDiagnostics(c, l)
		if !l.diags.HasErrors() {
			fmt.Fprintf(c.App.Writer, "%s is valid (%d warnings)\n", l.path, countSeverity(l.diags, diag.Warning))
		}
	}
	if l.diags.HasErrors() {
		if format == "text" {
			return cli.Exit(fmt.Sprintf("\n%s: %d errors, %d warnings", l.path, countSeverity(l.diags, diag.Error), countSeverity(l.diags, diag.Warning)), exitInvalid)
		}
		return cli.Exit("", exitInvalid)
	}
	return nil
}
