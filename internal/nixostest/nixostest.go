// Package nixostest evaluates rendered NixOS host configurations in tests,
// without nixpkgs.
//
// It carries a miniature NixOS module system written in Nix (lib.nix,
// types.nix) and option declarations with the types nixpkgs and sops-nix
// declare for the options hlcgen's generated modules set (options/*.nix;
// each file names the upstream file it follows). Evaluating a host with it
// fails the way nixos-rebuild's evaluation would on a misspelt option, a value
// of the wrong type, definitions that cannot be merged (two different
// strings, a string and a list for `either str (listOf str)`, ...), a missing
// required submodule option or a failed assertion. Unlike a real system, every
// definition is type checked even if nothing reads it.
//
// The tree being evaluated is laid out like the repository: root/generated is
// the function of flake inputs that generated/default.nix is, and host
// modules may import files elsewhere under root (hardware/, custom/, ...).
// The harness calls it with stub inputs: nixpkgs.lib.nixosSystem runs the
// miniature module system over the host's modules and the nixpkgs option
// declarations, sops-nix.nixosModules.sops is the sops-nix option
// declarations, deploy-rs.lib.<system>.activate.nixos returns a stub string.
// `pkgs` is a stub whose packages are strings "/nix/store/stub-<name>";
// modulesPath is a directory holding installer/scan/not-detected.nix.
//
// Evaluation runs `nix-instantiate --eval --strict --json` with
// NIX_REMOTE=dummy://, so nothing is built or written to a store, and the
// harness never turns a path value into a store path; CheckNoStoreCopies
// makes sure the rendered modules do not either.
package nixostest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hlcgen/hlcgen/internal/testtool"
)

//go:embed *.nix options/*.nix modules
var harness embed.FS

// evalTimeout bounds one nix-instantiate run.
const evalTimeout = 5 * time.Minute

// EvalHosts evaluates every host in a rendered tree the way
// generated/default.nix wires them (it imports root/generated with stub flake
// inputs whose nixpkgs.lib.nixosSystem runs the mini module system over the
// given modules plus all option declarations, and whose
// sops-nix.nixosModules.sops is the sops-nix option declarations), applies
// the Nix function probe (source text of a Nix function `config: <value>`)
// to each host's evaluated config, and returns host name -> the JSON of that
// value. One nix-instantiate run for all hosts.
//
// Every host is checked in full first (types of all definitions, unknown
// options, assertions); an evaluation error fails the test, showing
// nix-instantiate's message. Evaluation warnings are logged.
func EvalHosts(t testing.TB, root string, probe string) map[string]json.RawMessage {
	t.Helper()
	stdout, stderr, err := run(t, root, probe, false)
	if err != nil {
		t.Fatalf("evaluating the hosts under %s failed: %v\n%s", root, err, stderr)
	}
	if s := strings.TrimSpace(stderr); s != "" {
		t.Logf("nix-instantiate:\n%s", s)
	}
	var hosts map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &hosts); err != nil {
		t.Fatalf("nix-instantiate printed no JSON object of hosts: %v\n%s", err, stdout)
	}
	return hosts
}

// EvalError evaluates like EvalHosts but expects evaluation to fail, returning
// the error text (nix-instantiate's standard error, without its hint about
// --show-trace). It fails the test if evaluation succeeds.
func EvalError(t testing.TB, root string, probe string) string {
	t.Helper()
	stdout, stderr, err := run(t, root, probe, false)
	if err == nil {
		t.Fatalf("evaluating the hosts under %s succeeded, want an error; result: %s\n%s", root, stdout, stderr)
	}
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatalf("running nix-instantiate: %v\n%s", err, stderr)
	}
	return strings.TrimSpace(strings.ReplaceAll(stderr, "(use '--show-trace' to show detailed location information)", ""))
}

// CheckNoStoreCopies evaluates and checks every host under root like
// EvalHosts, but in a mode where copying any file into the Nix store is an
// error, and fails the test if evaluation fails. nix-instantiate --eval normally only computes the store path of a
// path value that is interpolated into a string; with --read-write-mode the
// dummy store refuses to add it ("operation 'addToStoreFromDump' is not
// supported by store 'dummy'"). The harness itself never copies a path, so a
// failure means the rendered modules would put a local file into the
// world-readable store. (The stub modules do not interpolate the options
// upstream interpolates, such as services.k3s.tokenFile; for those the
// harness prints a warning when they are given a path value.)
func CheckNoStoreCopies(t testing.TB, root string) {
	t.Helper()
	_, stderr, err := run(t, root, "config: true", true)
	if err != nil {
		t.Fatalf("evaluating the hosts under %s with store writes refused failed: %v\n%s", root, err, stderr)
	}
}

// run writes the harness to a temporary directory and evaluates root with it;
// readWrite makes any copy into the (dummy) store an error.
func run(t testing.TB, root, probe string, readWrite bool) (stdout, stderr string, err error) {
	t.Helper()
	bin, env := testtool.Nix(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatalf("nixostest: %v", err)
	}
	if _, err := os.Stat(filepath.Join(abs, "generated", "default.nix")); err != nil {
		t.Fatalf("nixostest: %s is not a rendered tree: %v", root, err)
	}
	dir := writeHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), evalTimeout)
	defer cancel()
	args := []string{"--eval", "--strict", "--json"}
	if readWrite {
		args = append(args, "--read-write-mode")
	}
	args = append(args,
		filepath.Join(dir, "harness.nix"),
		"--argstr", "root", abs,
		"--arg", "probe", probe,
	)
	cmd := exec.CommandContext(ctx, bin, args...)
	// No <nixpkgs> or other search path: the harness needs none.
	cmd.Env = append(env, "NIX_PATH=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("nix-instantiate did not finish within %v\n%s", evalTimeout, errOut.String())
	}
	return out.String(), errOut.String(), err
}

// writeHarness copies the embedded Nix files into a new temporary directory
// and returns it.
func writeHarness(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(harness, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := harness.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("nixostest: writing the harness: %v", err)
	}
	return dir
}
