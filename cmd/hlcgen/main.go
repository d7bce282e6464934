// Command hlcgen validates cluster.hcl and renders it into NixOS, deploy-rs,
// sops and kubenix files.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hlcgen/hlcgen/validate"
	"github.com/urfave/cli/v2"
)

// Exit codes, documented in README.
const (
	exitOK      = 0
	exitInvalid = 1 // invalid spec, or --check found differences
	exitUsage   = 2 // usage error, unreadable file, internal error
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run runs one command and returns its exit status. SIGINT and SIGTERM are
// handled as interrupt.go describes.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	in := &interrupts{cancel: cancel}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	done := make(chan int, 1)
	go func() { done <- runApp(context.WithValue(ctx, interruptsKey{}, in), args, stdin, stdout, stderr) }()
	select {
	case code := <-done:
		return code
	case sig := <-sigs:
		signal.Stop(sigs) // a second signal ends hlcgen at once
		if in.received(sig) {
			return <-done // the writer stops at a safe point; the command reports
		}
		// Reading and rendering only: nothing to finish or undo.
		fmt.Fprintf(stderr, "hlcgen: interrupted (%s); nothing was written.\n", signalName(sig))
		return signalExitCode(sig)
	}
}

func runApp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	app.Reader = stdin
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintf(stderr, "hlcgen: %v\n", err)
	return exitUsage
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "hlcgen",
		Usage:   "validate cluster.hcl and render it into NixOS, deploy-rs, sops and kubenix files",
		Version: buildVersion(),
		Writer:  stdout, ErrWriter: stderr,
		// Errors are printed by run, once, with the right exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		// help and an unknown command are ours (usage.go): urfave/cli's
		// exit 3 with "No help topic".
		HideHelpCommand:      true,
		Action:               runRoot,
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			checkCommand(),
			validateCommand(),
			renderCommand(),
			diffCommand(),
			graphCommand(),
			fmtCommand(),
			initCommand(),
			secretsCommand(),
			schemaCommand(),
			versionCommand(),
			completionCommand(),
			helpCommand(),
		},
		OnUsageError: onUsageError,
		// Compile the embedded CUE schema on the other core while this
		// one reads and parses the spec: compiling is most of a small
		// spec's run time (BENCHMARKS.md). A command that needs no
		// schema exits without waiting for it. The consumers' JSON
		// Schemas are compiled by the commands that render (warmRender).
		Before: func(*cli.Context) error {
			go validate.Warm()
			return nil
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = onUsageError
	}
	return app
}

// usageError reports a mistake in how hlcgen was called.
func usageError(format string, args ...any) error {
	return cli.Exit("hlcgen: "+fmt.Sprintf(format, args...), exitUsage)
}
