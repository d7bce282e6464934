package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/validate"
)

func secretsCommand() *cli.Command {
	return &cli.Command{
		Name:  "secrets",
		Usage: "list the sops files the cluster uses: who reads each, its state, and the keys it must hold",
		Description: "Reads each file's sops metadata (its recipients), never its secrets: it needs no private key.\n" +
			"A file is up to date, missing, needs `sops updatekeys` (encrypted for other recipients than\n" +
			".sops.yaml names), not encrypted, unreadable, or covered by no rule.\n\n" +
			"Exit status: 0 nothing to fix (missing files included), 1 invalid spec, a file that needs\n" +
			"updatekeys, or one that is not encrypted or unreadable, 2 usage error or unreadable spec.",
		ArgsUsage: specArgs,
		Flags: []cli.Flag{
			fileFlag,
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text or json"},
		},
		Action: runSecrets,
	}
}

func runSecrets(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageError("--format must be text or json, not %q", format)
	}
	l, err := loadSpec(c)
	if err != nil {
		return err
	}
	if l.diags.HasErrors() {
		printDiagnostics(c, l)
		return cli.Exit(fmt.Sprintf("\n%s has %s: fix them (`hlcgen validate` lists them) to see its secrets files.",
			l.path, countNoun(countSeverity(l.diags, diag.Error), "error")), exitInvalid)
	}
	rs := auditSecrets(l.path, l.cluster, diag.Error)
	if format == "json" {
		err = writeSecretsJSON(c.App.Writer, rs)
	} else {
		err = writeSecretsTable(c.App.Writer, rs)
	}
	if err != nil {
		return err
	}
	if rs.diags.HasErrors() {
		if format == "text" {
			l.diags, l.sources = rs.diags, rs.sources
			printDiagnostics(c, l)
		}
		return cli.Exit("", exitInvalid)
	}
	return nil
}

// secretsReport is what the CLI knows of the repository's sops files.
type secretsReport struct {
	dir     string // the spec's directory, where the paths are relative to
	audits  []validate.SecretsAudit
	diags   diag.Diagnostics // HLC170-HLC172, with paths as the user sees them
	sources map[string][]byte
}

// auditSecrets audits the sops files next to the spec at specPath; sev is
// the severity of recipients drift (HLC170).
func auditSecrets(specPath string, c *model.Cluster, sev diag.Severity) secretsReport {
	dir := filepath.Dir(specPath)
	r := secretsReport{dir: dir, sources: map[string][]byte{}}
	if c == nil {
		return r
	}
	r.audits = validate.AuditSecrets(c, os.DirFS(dir))
	src := map[string][]byte{}
	for _, a := range r.audits {
		src[a.Path] = a.Source()
	}
	for _, d := range validate.CheckSecrets(c, r.audits, sev) {
		rel := d.Subject.Filename
		d.Subject.Filename = filepath.Join(dir, rel)
		r.sources[d.Subject.Filename] = src[rel]
		r.diags = append(r.diags, d)
	}
	return r
}

// drifted are the audits whose file needs `sops updatekeys`.
func (r secretsReport) drifted() []validate.SecretsAudit {
	var out []validate.SecretsAudit
	for _, a := range r.audits {
		if a.State == validate.SecretsDrifted {
			out = append(out, a)
		}
	}
	return out
}

// advice is a check's verdict on the sops files, or "" when none needs
// fixing.
func (r secretsReport) advice() string {
	n := countSeverity(r.diags, diag.Error)
	switch {
	case n == 0:
		return ""
	case len(r.drifted()) == n:
		return fmt.Sprintf("%s encrypted for other recipients than .sops.yaml names: run the `sops updatekeys` %s above and commit the result.",
			plural(n, "1 sops file is", fmt.Sprintf("%d sops files are", n)), plural(n, "command", "commands"))
	}
	return fmt.Sprintf("%s the cluster's secrets need fixing (listed above).", plural(n, "1 file of", fmt.Sprintf("%d files of", n)))
}

// printUpdateKeys is render's one note after a change of audiences: the
// files whose recipients lag behind .sops.yaml, and the command for each.
func (r secretsReport) printUpdateKeys(w io.Writer) {
	drifted := r.drifted()
	if len(drifted) == 0 {
		return
	}
	from := ""
	if r.dir != "." {
		from = " in " + r.dir
	}
	fmt.Fprintf(w, "\n%s encrypted for other recipients than .sops.yaml now names. An admin re-encrypts %s%s, then commits %s:\n",
		plural(len(drifted), "1 sops file is", fmt.Sprintf("%d sops files are", len(drifted))), plural(len(drifted), "it", "them"), from, plural(len(drifted), "it", "them"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, a := range drifted {
		var why []string
		if n := len(a.Missing); n > 0 {
			why = append(why, countNoun(n, "recipient")+" to add")
		}
		if n := len(a.Extra); n > 0 {
			why = append(why, countNoun(n, "recipient")+" to remove")
		}
		if len(why) == 0 {
			why = append(why, "one key group instead of several")
		}
		fmt.Fprintf(tw, "  %s\t# %s\n", validate.UpdateKeysCommand(a.Path), strings.Join(why, ", "))
	}
	_ = tw.Flush()
}

func writeSecretsTable(w io.Writer, r secretsReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tREAD BY (and the admins)\tSTATE\tKEYS")
	for _, a := range r.audits {
		readers := strings.Join(a.Readers, ", ")
		if readers == "" {
			readers = "-"
		}
		keys := strings.Join(a.Keys, ", ")
		if keys == "" {
			keys = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Path, readers, a.State, keys)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// What to do about each file that is not up to date.
	var todo []string
	for _, a := range r.audits {
		switch {
		case a.State == validate.SecretsMissing && len(a.Keys) > 0:
			todo = append(todo, fmt.Sprintf("%s: create it with `sops %s`, holding %s.", a.Path, a.Path, keysYAML(a.Keys)))
		case a.State == validate.SecretsDrifted:
			todo = append(todo, fmt.Sprintf("%s: `%s` (see below).", a.Path, validate.UpdateKeysCommand(a.Path)))
		}
	}
	if len(todo) > 0 {
		fmt.Fprintln(w)
		for _, t := range todo {
			fmt.Fprintln(w, t)
		}
	}
	if n := countMissingHostFiles(r.audits); n > 0 {
		fmt.Fprintf(w, "\n%s of the nodes' own files %s not exist; each is optional, for secrets of that node alone (sops.defaultSopsFile).\n", strconv.Itoa(n), plural(n, "does", "do"))
	}
	return nil
}

func countMissingHostFiles(audits []validate.SecretsAudit) int {
	n := 0
	for _, a := range audits {
		if a.State == validate.SecretsMissing && len(a.Keys) == 0 {
			n++
		}
	}
	return n
}

// keysYAML writes sops-nix keys as the YAML that holds them:
// "k3s/token" is `k3s: {token: ...}`.
func keysYAML(keys []string) string {
	var out []string
	for _, k := range keys {
		parts := strings.Split(k, "/")
		s := "..."
		for i := len(parts) - 1; i >= 0; i-- {
			if i == len(parts)-1 {
				s = parts[i] + ": " + s
			} else {
				s = parts[i] + ": {" + s + "}"
			}
		}
		out = append(out, "`"+s+"`")
	}
	return strings.Join(out, " and ")
}

func writeSecretsJSON(w io.Writer, r secretsReport) error {
	type file struct {
		Path    string   `json:"path"`
		What    string   `json:"what"`
		Readers []string `json:"readers"`
		Keys    []string `json:"keys"`
		State   string   `json:"state"`
		Want    []string `json:"recipients"`
		Missing []string `json:"missing_recipients"`
		Extra   []string `json:"extra_recipients"`
		Command string   `json:"command,omitempty"`
	}
	out := struct {
		Files []file `json:"files"`
	}{Files: []file{}}
	for _, a := range r.audits {
		f := file{Path: a.Path, What: a.What, Readers: nonNil(a.Readers), Keys: nonNil(a.Keys), State: a.State.String(),
			Want: nonNil(a.Want), Missing: nonNil(a.Missing), Extra: nonNil(a.Extra)}
		if a.State == validate.SecretsDrifted {
			f.Command = validate.UpdateKeysCommand(a.Path)
		}
		out.Files = append(out.Files, f)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
