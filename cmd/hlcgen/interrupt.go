package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"
)

// hlcgen spends most of a run reading, validating and rendering in memory,
// and a moment writing. A SIGINT (Ctrl-C) or SIGTERM that comes before any
// write ends the run at once: nothing was written. One that comes while
// files are written cancels the command's context; the writer stops at its
// next safe point (writer.ApplyContext) and the command says how far it got.
// Either way hlcgen exits with status 130, the shell's status for a
// process Ctrl-C ended, for SIGTERM too, so that a script or CI step tells
// "interrupted" from "failed" by one number; the message names the signal.
// A second
// signal ends hlcgen at once, which the writer's crash protocol survives
// too.

// interrupts is the state shared by run, which receives the signals, and the
// command, which writes.
type interrupts struct {
	mu      sync.Mutex
	sig     os.Signal // the first signal received; nil until then
	writing bool      // a write has begun (it may have ended since)
	cancel  context.CancelCauseFunc
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return signalName(e.sig) }

// received records sig and cancels the command's context. It reports
// whether a write has begun, in which case run must wait for the command
// to stop at a safe point and report.
func (in *interrupts) received(sig os.Signal) (writing bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.sig = sig
	in.cancel(signalError{sig})
	return in.writing
}

// write runs f, which changes files, unless a signal already came; then it
// writes nothing and returns the interrupted exit.
func (in *interrupts) write(f func() error) error {
	in.mu.Lock()
	if sig := in.sig; sig != nil {
		in.mu.Unlock()
		return interruptedExit(sig, "nothing was written.")
	}
	in.writing = true
	in.mu.Unlock()
	return f()
}

type interruptsKey struct{}

// writeFiles runs f, which changes files, under the interrupt handling of
// the command's run.
func writeFiles(c *cli.Context, f func() error) error {
	in, _ := c.Context.Value(interruptsKey{}).(*interrupts)
	if in == nil {
		return f() // not started by run (a test of one command)
	}
	return in.write(f)
}

// interruptedSignal returns the signal that cancelled ctx, or nil.
func interruptedSignal(ctx context.Context) os.Signal {
	if se, ok := context.Cause(ctx).(signalError); ok {
		return se.sig
	}
	return nil
}

// interruptedExit is the exit of a command that sig stopped; what says what
// was done, as a sentence.
func interruptedExit(sig os.Signal, what string) error {
	return cli.Exit(fmt.Sprintf("hlcgen: interrupted (%s); %s", signalName(sig), what), signalExitCode(sig))
}

// signalExitCode is the status of a command a signal stopped: 130 (128 +
// SIGINT) for SIGINT and SIGTERM alike.
func signalExitCode(os.Signal) int { return 128 + int(syscall.SIGINT) }

func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// testAfterStep, set only by this package's tests, is called after each
// step of a render's writes (writer.Options.AfterStep) and once just before
// they begin, with the step "" (the command's context is ctx). The tests
// pause a real hlcgen process there and send it a signal.
var testAfterStep func(ctx context.Context, step string)
