// Package testtool holds helpers shared by hlcgen tests that need external
// tools such as nix-instantiate.
//
// Tests requiring a tool call [Require] (or [Nix]); the test is skipped when
// the tool is not on PATH, except when the CI environment variable is
// non-empty, in which case a missing tool fails the test so CI can never
// silently skip the checks.
package testtool

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Require returns the absolute path of the executable name found on PATH.
// If it is missing the test is skipped, or fails when $CI is non-empty.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required when CI is set: %v", name, err)
		}
		t.Skipf("%s not found on PATH: %v", name, err)
	}
	return path
}

// NixExtraEnv are the environment variables added by [Nix].
//
// NIX_REMOTE=dummy:// selects Nix's "dummy" store, which needs no daemon,
// no /nix/var state and no write access anywhere. That is enough for
// `nix-instantiate --parse` and `--eval` of expressions that do not build
// or copy anything into the store. Without it, nix-instantiate as a
// non-root user (or in a container without a running nix-daemon) fails
// with "getting status of /nix/var/nix/daemon-socket/socket: Permission
// denied". Equivalent to passing `--store dummy://`.
var NixExtraEnv = []string{"NIX_REMOTE=dummy://"}

// Nix returns the path of nix-instantiate (see [Require]) and the complete
// environment to run it with (the current environment plus
// [NixExtraEnv]); assign env to exec.Cmd.Env.
func Nix(t testing.TB) (bin string, env []string) {
	t.Helper()
	bin = Require(t, "nix-instantiate")
	env = append(os.Environ(), NixExtraEnv...)
	return bin, env
}

// NixInstantiate runs nix-instantiate with args in the environment from
// [Nix] and returns its standard output. It fails the test, showing
// standard error, if the command fails.
func NixInstantiate(t testing.TB, args ...string) []byte {
	t.Helper()
	bin, env := Nix(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("nix-instantiate %q: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}
