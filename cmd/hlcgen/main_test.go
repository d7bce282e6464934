package main

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hlcgen": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI behaviour scripts in testdata/script. Each script
// holds its input files, the commands and the expected output; run with
// -update to rewrite expected output after an intended change.
//
// Besides testscript's own commands, scripts have:
//
//	exitcode N cmd args...   run cmd like exec, and require exit status N
//	mtime set TIME path...   set the modification time of each path (and,
//	                         for a directory, of everything in it), TIME in
//	                         RFC 3339
//	mtime is TIME path...    require that modification time, likewise
//	replace file old new     replace the first occurrence of old in file,
//	                         failing when there is none
//
// and the condition [tool:NAME], true when NAME is on PATH. Like
// testtool.Require, a missing tool fails the script instead when $CI is set.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			// Scripts may copy the repository's own files, such as
			// the reference cluster.hcl, from $REPO.
			root, err := filepath.Abs("../..")
			if err != nil {
				return err
			}
			env.Setenv("REPO", root)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"mtime":    cmdMtime,
			"replace":  cmdReplace,
		},
		Condition: func(cond string) (bool, error) {
			name, ok := strings.CutPrefix(cond, "tool:")
			if !ok {
				return false, errors.New("unknown condition " + cond)
			}
			if _, err := exec.LookPath(name); err != nil {
				if os.Getenv("CI") != "" {
					return false, errors.New(name + " is required when CI is set")
				}
				return false, nil
			}
			return true, nil
		},
	})
}

// cmdExitcode runs a command and checks its exit status exactly: `! exec`
// only tells that it was not 0, and hlcgen's statuses 1 and 2 mean
// different things.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// cmdMtime sets or checks modification times, to show that a command left
// files alone.
func cmdMtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || (args[0] != "set" && args[0] != "is") {
		ts.Fatalf("usage: mtime set|is TIME path...")
	}
	when, err := time.Parse(time.RFC3339, args[1])
	if err != nil {
		ts.Fatalf("mtime: %v", err)
	}
	for _, p := range args[2:] {
		err := filepath.WalkDir(ts.MkAbs(p), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if args[0] == "set" {
				return os.Chtimes(path, when, when)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if !info.ModTime().Equal(when) {
				ts.Fatalf("%s was modified at %s, want %s", path, info.ModTime().Format(time.RFC3339Nano), args[1])
			}
			return nil
		})
		ts.Check(err)
	}
}

// cmdReplace edits a file in place: the first occurrence of old becomes
// new. It fails when old does not occur, so that a script whose input
// changed cannot silently stop testing anything.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace file old new")
	}
	path := ts.MkAbs(args[0])
	src := ts.ReadFile(args[0])
	if !strings.Contains(src, args[1]) {
		ts.Fatalf("replace: %q not found in %s", args[1], args[0])
	}
	info, err := os.Stat(path)
	ts.Check(err)
	// A copy of the read-only reference spec is read-only too.
	ts.Check(os.Chmod(path, info.Mode().Perm()|0o200))
	ts.Check(os.WriteFile(path, []byte(strings.Replace(src, args[1], args[2], 1)), 0))
}
