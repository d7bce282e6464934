package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/gitrepo"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check cluster.hcl against the schema and the cross-field rules",
		Description: "Prints every problem at once, sorted by position. Exit status: 0 valid (warnings allowed),\n" +
			"1 invalid, 2 usage error or unreadable file.",
		ArgsUsage: specArgs,
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
	// Git runs while the spec is validated; a spec path that is a
	// mistake is loadSpec's to report.
	git := func() (*gitrepo.Repo, error) { return nil, gitrepo.ErrNoGit }
	if path, err := specPath(c); err == nil {
		git = gitRepo(path)
	}
	l, err := loadSpec(c)
	if err != nil {
		if format == "json" {
			return unreadableJSON(c, err)
		}
		return err
	}
	// In a Git work tree, files the spec names that Git does not track
	// are a warning here; render --check and check make them an error.
	l.diags = append(l.diags, untrackedFiles(c, l.path, git, l.spec, l.cluster, diag.Warning)...)
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
			fmt.Fprintf(c.App.Writer, "%s is valid (%s)\n", l.path, countNoun(countSeverity(l.diags, diag.Warning), "warning"))
		}
	}
	if l.diags.HasErrors() {
		if format == "text" {
			return cli.Exit(fmt.Sprintf("\n%s: %s, %s", l.path, countNoun(countSeverity(l.diags, diag.Error), "error"), countNoun(countSeverity(l.diags, diag.Warning), "warning")), exitInvalid)
		}
		return cli.Exit("", exitInvalid)
	}
	return nil
}

// unreadableJSON keeps --format json's promise of one JSON object on
// stdout when the spec cannot be read (or named): one diagnostic about
// the file, and exit status 2 as in text mode.
func unreadableJSON(c *cli.Context, err error) error {
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != exitUsage {
		return err
	}
	path, _ := specPath(c)
	msg := strings.TrimPrefix(err.Error(), "hlcgen: ")
	d := diag.Diagnostic{Severity: diag.Error, Code: diag.Syntax.Code, Summary: "Cannot read the spec", Detail: upperFirst(msg), Subject: hcl.Range{Filename: path}}
	if werr := diag.WriteJSON(c.App.Writer, diag.Diagnostics{d}); werr != nil {
		return werr
	}
	return cli.Exit("", exitUsage)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
