package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"testing/fstest"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hlcgen/hlcgen/internal/mermaidcheck"
	"github.com/hlcgen/hlcgen/internal/specgen"
	"github.com/hlcgen/hlcgen/load"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/script/*.txtar")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hlcgen": func() {
			testAfterStep = pauseAt(os.Getenv("HLCGEN_TEST_PAUSE"), os.Getenv("HLCGEN_TEST_PAUSED"))
			os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// pauseAt returns the hook that pauses a render (testAfterStep) at the
// first step matching the regular expression pattern ("^$" for just before
// the writes begin): it writes the process id to the file marker, then
// waits until the command's context is cancelled, which a signal does.
// After a minute without one it goes on, so that a broken signal handler
// fails the script instead of hanging it.
func pauseAt(pattern, marker string) func(context.Context, string) {
	if pattern == "" {
		return nil
	}
	re := regexp.MustCompile(pattern)
	paused := false
	return func(ctx context.Context, step string) {
		if paused || !re.MatchString(step) {
			return
		}
		paused = true
		pid := []byte(strconv.Itoa(os.Getpid()))
		if os.WriteFile(marker+".new", pid, 0o644) != nil || os.Rename(marker+".new", marker) != nil {
			panic("cannot write " + marker)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
		}
	}
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
//	replace [-e] file old new
//	                         replace the first occurrence of old in file,
//	                         failing when there is none; with -e, \n and
//	                         \t in old and new are a newline and a tab
//	deleteblock file header  delete the block whose first line is header,
//	                         through the line that closes it (its indent
//	                         and "}"), failing when there is none
//	mermaid [-raw] file      require the ```mermaid blocks of a Markdown
//	                         file (at least one), or with -raw the whole
//	                         file, to be flowcharts internal/mermaidcheck
//	                         accepts
//	maxsize file N           require file to be at most N bytes
//	specgen N dir            write internal/specgen's N-node spec to
//	                         dir/cluster.hcl, with the module files it
//	                         names
//	agekey name...           generate an age identity per name into
//	                         $WORK/keys/<name>.txt (for SOPS_AGE_KEY_FILE)
//	                         and set $<NAME>_AGE to its recipient
//	expand file              replace each ${VAR} in file with its value,
//	                         failing on an unset one
//	sigexit SIG file N cmd args...
//	                         run cmd like exec; once it has written its
//	                         process id to file (HLCGEN_TEST_PAUSED, see
//	                         pauseAt), send it SIG (INT, TERM or KILL), and
//	                         require exit status N, or "killed"
//
// and the conditions [tool:NAME], true when NAME is on PATH, and [rofs],
// true when a command can be run with a directory mounted read-only in a
// mount namespace of its own (unshare, as root or in a user namespace),
// which is how scripts give hlcgen a read-only file system. Like
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
			"exitcode":    cmdExitcode,
			"mtime":       cmdMtime,
			"replace":     cmdReplace,
			"sigexit":     cmdSigexit,
			"agekey":      cmdAgekey,
			"expand":      cmdExpand,
			"mermaid":     cmdMermaid,
			"deleteblock": cmdDeleteblock,
			"maxsize":     cmdMaxsize,
			"specgen":     cmdSpecgen,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "rofs" {
				return canMountReadOnly()
			}
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
	if len(args) == 4 && args[0] == "-e" {
		unescape := strings.NewReplacer(`\n`, "\n", `\t`, "\t")
		args = []string{args[1], unescape.Replace(args[2]), unescape.Replace(args[3])}
	}
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace [-e] file old new")
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

// cmdAgekey generates age identities, so that a script can encrypt with
// real sops for keys of its own.
func cmdAgekey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: agekey name...")
	}
	dir := ts.MkAbs("keys")
	ts.Check(os.MkdirAll(dir, 0o700))
	for _, name := range args {
		id, err := age.GenerateX25519Identity()
		ts.Check(err)
		ts.Check(os.WriteFile(filepath.Join(dir, name+".txt"), []byte(id.String()+"\n"), 0o600))
		ts.Setenv(strings.ToUpper(name)+"_AGE", id.Recipient().String())
	}
}

// cmdExpand fills a file's ${VAR} references from the script's
// environment, so that a spec can name keys generated by agekey.
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: expand file")
	}
	src := ts.ReadFile(args[0])
	out := os.Expand(src, func(name string) string {
		v := ts.Getenv(name)
		if v == "" {
			ts.Fatalf("expand: $%s is not set", name)
		}
		return v
	})
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(out), 0o644))
}

// cmdDeleteblock deletes one HCL block, as a user deleting a node would.
func cmdDeleteblock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: deleteblock file header")
	}
	lines := strings.SplitAfter(ts.ReadFile(args[0]), "\n")
	for i, l := range lines {
		if strings.TrimRight(l, "\n") != args[1] {
			continue
		}
		closing := l[:len(l)-len(strings.TrimLeft(l, " "))] + "}"
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimRight(lines[j], "\n") == closing {
				out := strings.Join(append(lines[:i:i], lines[j+1:]...), "")
				ts.Check(os.Chmod(ts.MkAbs(args[0]), 0o644))
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(out), 0o644))
				return
			}
		}
	}
	ts.Fatalf("deleteblock: no block %q in %s", args[1], args[0])
}

// cmdMermaid checks the Mermaid pictures of a comment, or a bare one.
func cmdMermaid(ts *testscript.TestScript, neg bool, args []string) {
	raw := len(args) == 2 && args[0] == "-raw"
	if neg || len(args) != 1 && !raw {
		ts.Fatalf("usage: mermaid [-raw] file")
	}
	src := ts.ReadFile(args[len(args)-1])
	blocks := []string{src}
	if !raw {
		var err error
		blocks, err = mermaidcheck.Blocks(src)
		ts.Check(err)
		if len(blocks) == 0 {
			ts.Fatalf("%s has no ```mermaid block", args[0])
		}
	}
	for _, b := range blocks {
		if err := mermaidcheck.Check(b); err != nil {
			ts.Fatalf("%s: %v", args[len(args)-1], err)
		}
	}
}

// cmdMaxsize bounds a file's size.
func cmdMaxsize(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: maxsize file N")
	}
	limit, err := strconv.Atoi(args[1])
	ts.Check(err)
	info, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if info.Size() > int64(limit) {
		ts.Fatalf("%s is %d bytes, over %d", args[0], info.Size(), limit)
	}
	ts.Logf("%s is %d bytes", args[0], info.Size())
}

// cmdSpecgen writes a generated spec and its module files.
func cmdSpecgen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: specgen N dir")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	dir := ts.MkAbs(args[1])
	files := specgen.Files(n)
	files["cluster.hcl"] = &fstest.MapFile{Data: specgen.Generate(n)}
	for name, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
		ts.Check(os.WriteFile(path, f.Data, 0o644))
	}
}

// cmdSigexit runs a command that pauses itself (pauseAt), sends it a signal
// while it waits, and checks how it ended.
func cmdSigexit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: sigexit INT|TERM|KILL file N|killed command [args...]")
	}
	sig, ok := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "KILL": syscall.SIGKILL}[args[0]]
	if !ok {
		ts.Fatalf("sigexit: unknown signal %q", args[0])
	}
	marker := ts.MkAbs(args[1])
	os.Remove(marker)
	exited := make(chan struct{})
	sent := make(chan error, 1)
	go func() {
		for {
			select {
			case <-exited:
				sent <- errors.New("the command ended without pausing")
				return
			case <-time.After(10 * time.Millisecond):
			}
			b, err := os.ReadFile(marker)
			if err != nil {
				continue
			}
			pid, err := strconv.Atoi(string(b))
			if err == nil {
				err = syscall.Kill(pid, sig)
			}
			sent <- err
			return
		}
	}()
	err := ts.Exec(args[3], args[4:]...)
	close(exited)
	if err := <-sent; err != nil {
		ts.Fatalf("sigexit: %v", err)
	}
	got := "0"
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("sigexit: %v", err)
		}
		got = strconv.Itoa(ee.ExitCode())
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			got = "killed"
		}
	}
	if got != args[2] {
		ts.Fatalf("exit status %s, want %s", got, args[2])
	}
}

// canMountReadOnly is the [rofs] condition: whether readonly.sh's way of
// mounting a directory read-only works here.
func canMountReadOnly() (bool, error) {
	dir, err := os.MkdirTemp("", "hlcgen-rofs")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	flags := "-m"
	if os.Geteuid() != 0 {
		flags = "-rm" // a user namespace, where an unprivileged user may mount
	}
	probe := exec.Command("unshare", flags, "sh", "-c", `mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && ! touch "$0/x" 2>/dev/null`, dir)
	if out, err := probe.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			return false, fmt.Errorf("[rofs] is required when CI is set: unshare %s: %v\n%s", flags, err, out)
		}
		return false, nil
	}
	return true, nil
}

// TestCheckParsesOnce: hlcgen check, the pre-commit hook, parses the spec
// once for all three of its checks (validation, the generated files and
// the format), whole for a small spec and in parts for a large one.
func TestCheckParsesOnce(t *testing.T) {
	for _, n := range []int{5, 300} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "cluster.hcl"), specgen.Generate(n), 0o644); err != nil {
			t.Fatal(err)
		}
		files := specgen.Files(n)
		if err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			dst := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, files[p].Data, 0o644)
		}); err != nil {
			t.Fatal(err)
		}
		before := load.FilesParsed()
		var stdout, stderr strings.Builder
		code := run([]string{"hlcgen", "check", filepath.Join(dir, "cluster.hcl")}, nil, &stdout, &stderr)
		if code != exitOK && code != exitInvalid {
			t.Fatalf("%d nodes: exit %d:\n%s", n, code, stderr.String())
		}
		if parsed := load.FilesParsed() - before; parsed != 1 {
			t.Errorf("%d nodes: hlcgen check parsed the spec %d times, want once", n, parsed)
		}
	}
}
