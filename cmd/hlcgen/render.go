package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/pipeline"
	"github.com/hlcgen/hlcgen/schema"
	"github.com/hlcgen/hlcgen/writer"
)

func renderCommand() *cli.Command {
	return &cli.Command{
		Name:  "render",
		Usage: "compile cluster.hcl into generated/, kubernetes/kubenix/ and .sops.yaml",
		Description: "Validates first and writes nothing when the spec has errors. Writes only files that\n" +
			"changed, atomically, prunes files it owned that are no longer generated, and never\n" +
			"touches a file it does not own or one edited by hand (unless --force).\n\n" +
			"Exit status: 0 written or up to date, 1 invalid spec, conflicts, or (--check, --diff)\n" +
			"outputs not up to date or untracked files, 2 usage error, unreadable file, a file that\n" +
			"could not be read or written, or internal error, 130 SIGINT or SIGTERM.",
		ArgsUsage: specArgs,
		Flags: []cli.Flag{
			fileFlag,
			&cli.StringFlag{Name: "out", Usage: "output directory (default: the directory holding the spec)"},
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 and list what would change"},
			&cli.BoolFlag{Name: "diff", Usage: "write nothing; print a unified diff of what would change"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite or prune owned files that were edited by hand"},
		},
		Action: runRender,
	}
}

// rendered is a spec read once, validated and rendered in memory for the
// output directory --out names.
type rendered struct {
	path string // the spec, as --file names it
	out  string // the output directory, as the user named it
	src  []byte
	res  *pipeline.Result
	// untracked is HLC094: the files the spec names that exist but that
	// Git does not track.
	untracked diag.Diagnostics
	// secrets are the sops files' states (HLC170-HLC172).
	secrets secretsReport
}

// renderSpec reads the spec, resolves --out, validates and renders in
// memory, audits the sops files, and prints every diagnostic; untrackedSev
// is HLC094's severity, and HLC170's: a check guards what is committed,
// while a render that writes prints the sops files to re-encrypt as one
// note after its changes (printUpdateKeys) instead.
// It fails only on usage and internal errors: a spec with errors is
// returned, with no files.
func renderSpec(c *cli.Context, untrackedSev diag.Severity) (*rendered, error) {
	warmRender()
	path, src, err := readSpec(c)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	git := gitRepo(path)
	r := &rendered{path: path, out: outFlag(c), src: src}
	layout, warning, err := outputLayout(r.out, dir)
	if err != nil {
		return nil, err
	}
	if warning != "" {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", warning)
	}
	res, err := pipeline.SpecAt(path, src, os.DirFS(dir), layout)
	r.res = res
	r.untracked = untrackedFiles(c, path, git, res.Spec, res.Cluster, untrackedSev)
	r.secrets = auditSecrets(path, res.Cluster, untrackedSev)
	all := append(slices.Clone(res.Diags), r.untracked...)
	for _, d := range r.secrets.diags {
		if d.Code != diag.SecretsRecipients.Code || untrackedSev == diag.Error {
			all = append(all, d)
		}
	}
	all.Sort()
	printDiagnostics(c, &loaded{path: path, spec: res.Spec, diags: all, sources: r.secrets.sources})
	if err != nil && !res.Diags.HasErrors() {
		return nil, cli.Exit(fmt.Sprintf("hlcgen: %v\nThis is a bug in hlcgen; nothing was written.", err), exitUsage)
	}
	return r, nil
}

// warmRender compiles the consumers' JSON Schemas on another core while
// the spec is read, parsed and validated, for a command that renders it;
// the other commands never compile them (4.5 ms of CPU).
func warmRender() { go schema.Warm() }

// plan plans writing r's files into its output directory.
func (r *rendered) plan(c *cli.Context) (*writer.Plan, error) {
	opts := writer.Options{Force: c.Bool("force")}
	if testAfterStep != nil {
		opts.AfterStep = func(step string) { testAfterStep(c.Context, step) }
	}
	plan, err := writer.NewPlan(r.out, r.res.Files, opts)
	if err != nil {
		return nil, treeError(r.out, err)
	}
	if problem := plan.ManifestProblem(); problem != "" {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s is corrupt (%s), so hlcgen treats it as lost: files that already hold what render writes are taken over, any other file in the way is listed, and nothing is pruned.\n",
			writer.ManifestName, problem)
	}
	return plan, nil
}

// planRender is renderSpec, then plan, for render and diff: a spec with
// errors renders nothing.
func planRender(c *cli.Context, untrackedSev diag.Severity) (*rendered, *writer.Plan, error) {
	r, err := renderSpec(c, untrackedSev)
	if err != nil {
		return nil, nil, err
	}
	if ds := r.res.Diags; ds.HasErrors() {
		return nil, nil, cli.Exit(fmt.Sprintf("\n%s has %s: nothing was rendered. Fix %s (`hlcgen validate` lists them) and render again.",
			r.path, countNoun(countSeverity(ds, diag.Error), "error"), plural(countSeverity(ds, diag.Error), "it", "them")), exitInvalid)
	}
	plan, err := r.plan(c)
	return r, plan, err
}

// printChanges lists changes one per line, "action path: reason", except
// that adopted files (a lost manifest) are summed up in one line.
func printChanges(w io.Writer, changes []writer.Change) {
	var adopted []writer.Change
	for _, ch := range changes {
		if ch.Action == writer.Adopt {
			adopted = append(adopted, ch)
		}
	}
	for _, ch := range changes {
		switch {
		case ch.Action != writer.Adopt || len(adopted) == 1:
			fmt.Fprintf(w, "%s\n", ch)
		case ch == adopted[0]:
			fmt.Fprintf(w, "adopt %d files: not in %s, but identical to what render writes: hlcgen takes them over\n", len(adopted), writer.ManifestName)
		}
	}
}

func runRender(c *cli.Context) error {
	if c.Bool("check") && c.Bool("diff") {
		return usageError("use either --check or --diff")
	}
	untrackedSev := diag.Warning
	if c.Bool("check") {
		untrackedSev = diag.Error // --check guards what is committed
	}
	r, plan, err := planRender(c, untrackedSev)
	if err != nil {
		return err
	}
	switch {
	case c.Bool("check"):
		if msg := checkFailure(c, r, plan); msg != "" {
			return cli.Exit(msg, exitInvalid)
		}
		return nil
	case c.Bool("diff"):
		return reportDiff(c, plan)
	}
	if conflicts := plan.Conflicts(); len(conflicts) > 0 {
		return conflictExit(c, conflicts)
	}
	changes := plan.Changes()
	if testAfterStep != nil {
		testAfterStep(c.Context, "")
	}
	if err := writeFiles(c, func() error { return plan.ApplyContext(c.Context) }); err != nil {
		var ce *writer.ConflictError
		var ie *writer.InterruptedError
		switch {
		case errors.As(err, &ie):
			if sig := interruptedSignal(c.Context); sig != nil {
				return interruptedExit(sig, fmt.Sprintf("stopped at a safe point after %d of %d file changes. Run `hlcgen render` to finish.", ie.Done, ie.Total))
			}
		case errors.As(err, &ce):
			return conflictExit(c, ce.Conflicts)
		case errors.Is(err, writer.ErrStale):
			return cli.Exit("hlcgen: the output directory changed while rendering, so nothing was written. Run `hlcgen render` again.", exitUsage)
		}
		return treeError(outFlag(c), err)
	}
	if len(changes) == 0 {
		fmt.Fprintln(c.App.Writer, "up to date")
	} else {
		printChanges(c.App.Writer, changes)
	}
	r.secrets.printUpdateKeys(c.App.Writer)
	return nil
}

// reportCheck lists what is not up to date in the output tree, and the
// stray files in it, on stderr; it returns the message of a failed check,
// or "".
func reportCheck(c *cli.Context, plan *writer.Plan) string {
	// Files hlcgen does not own under its output directories do not make
	// the outputs out of date, but a review should see them.
	for _, s := range plan.Strays() {
		fmt.Fprintf(c.App.ErrWriter, "warning: %s\n", s)
	}
	if plan.UpToDate() {
		return ""
	}
	printChanges(c.App.ErrWriter, plan.Changes())
	if conflicts := plan.Conflicts(); len(conflicts) > 0 {
		return "generated files are out of date, and render would stop: " + conflictAdvice(conflicts) + " Then run `hlcgen render` and commit the result."
	}
	return "generated files are out of date: run `hlcgen render` and commit the result."
}

// checkFailure is render --check's verdict: the output tree (reportCheck)
// and the files Git does not track (HLC094, printed with the diagnostics).
func checkFailure(c *cli.Context, r *rendered, plan *writer.Plan) string {
	var msgs []string
	if msg := reportCheck(c, plan); msg != "" {
		msgs = append(msgs, msg)
	}
	if n := countSeverity(r.untracked, diag.Error); n > 0 {
		msgs = append(msgs, untrackedAdvice(n))
	}
	if msg := r.secrets.advice(); msg != "" {
		msgs = append(msgs, msg)
	}
	return strings.Join(msgs, "\n")
}

// untrackedAdvice is the verdict on n files Git does not track (HLC094).
func untrackedAdvice(n int) string {
	if n == 1 {
		return "A file the spec names is not tracked by Git: `git add` it (see above), or a fresh clone will not have it."
	}
	return fmt.Sprintf("%d files the spec names are not tracked by Git: `git add` them (see above), or a fresh clone will not have them.", n)
}

func reportDiff(c *cli.Context, plan *writer.Plan) error {
	if err := plan.Diff(c.App.Writer); err != nil {
		return err
	}
	conflicts := plan.Conflicts()
	if len(conflicts) == 0 && !plan.UpToDate() {
		return cli.Exit("", exitInvalid)
	}
	var edited int
	var refused []writer.Change
	for _, ch := range conflicts {
		fmt.Fprintf(c.App.ErrWriter, "%s\n", ch)
		if ch.Action == writer.Edited || ch.Action == writer.Unrecorded {
			edited++
		} else {
			refused = append(refused, ch)
		}
	}
	var msgs []string
	switch {
	case edited == 1:
		msgs = append(msgs, "The diff shows what `hlcgen render --force` would write over the file listed above, discarding its changes. To keep them, move them into cluster.hcl or a hand-written module.")
	case edited > 1:
		msgs = append(msgs, fmt.Sprintf("The diff shows what `hlcgen render --force` would write over the %d files listed above, discarding their changes. To keep them, move them into cluster.hcl or a hand-written module.", edited))
	}
	if len(refused) > 0 {
		msgs = append(msgs, "hlcgen render would stop, even with --force: "+conflictAdvice(refused))
	}
	if len(msgs) == 0 {
		return nil
	}
	return cli.Exit(strings.Join(msgs, "\n"), exitInvalid)
}

func conflictExit(c *cli.Context, conflicts []writer.Change) error {
	for _, ch := range conflicts {
		fmt.Fprintf(c.App.ErrWriter, "%s\n", ch)
	}
	return cli.Exit("render stopped; nothing was written. "+conflictAdvice(conflicts), exitInvalid)
}

// conflictAdvice says how to resolve each kind of conflict present; only
// hand edits can be overridden with --force.
func conflictAdvice(conflicts []writer.Change) string {
	has := map[writer.Action]bool{}
	for _, ch := range conflicts {
		has[ch.Action] = true
	}
	var advice []string
	if has[writer.Edited] {
		advice = append(advice, "Move hand edits into cluster.hcl or a hand-written module, or rerun with --force to discard them.")
	}
	if has[writer.Foreign] {
		advice = append(advice, "Move away or delete the files hlcgen does not own (or fix them as their line says): it never overwrites them, even with --force.")
	}
	if has[writer.Unrecorded] {
		advice = append(advice, "The unrecorded files start with hlcgen's header, but "+writer.ManifestName+" does not list them (it was lost or is corrupt) and they differ from what render writes: `hlcgen diff` shows how. Rerun with --force to overwrite them, or delete them.")
	}
	if has[writer.Escape] {
		advice = append(advice, "Replace symlinks that lead outside the output directory with real directories: hlcgen never writes through them, even with --force.")
	}
	return strings.Join(advice, " ")
}

// outFlag is the output directory as the user named it: --out, or else the
// directory holding the spec.
func outFlag(c *cli.Context) string {
	if out := c.String("out"); out != "" {
		return out
	}
	path, _ := specPath(c) // readSpec has reported a bad one
	return filepath.Dir(path)
}

// treeError reports a failure to read or write the output tree (out): the
// real file and the system's reason, what to do about it, and whether
// anything changed. A rerun is advised only once the cause is fixed: the
// same render would fail the same way.
func treeError(out string, err error) error {
	var ioe *writer.IOError
	if !errors.As(err, &ioe) {
		return cli.Exit(fmt.Sprintf("hlcgen: %v", err), exitUsage)
	}
	msg := "hlcgen: " + ioe.Error() + "."
	if rel, err := filepath.Rel(".", out); err != nil || rel != "." {
		msg = "hlcgen: " + out + ": " + ioe.Error() + "."
	}
	if h := ioe.Hint(); h != "" {
		msg += "\n" + h
	}
	switch {
	case ioe.Changed:
		msg += "\nThe files written so far are recorded in " + writer.ManifestName + ": once the cause is fixed, `hlcgen render` finishes the job."
	case ioe.Op == "read" || ioe.Op == "read directory" || ioe.Op == "open":
		msg += "\nNothing was written."
	default:
		msg += "\nNothing was changed."
	}
	return cli.Exit(msg, exitUsage)
}
