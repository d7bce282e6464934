package validate

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"filippo.io/age"

	"github.com/hlcgen/hlcgen/internal/testtool"
)

// TestReadSopsMetadata: what counts as a sops file, and which recipients
// it names, for the shapes sops writes and the ones it does not.
func TestReadSopsMetadata(t *testing.T) {
	const mac = "  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n"
	for _, tc := range []struct {
		name, src string
		plain     bool // no sops metadata
		bad       bool // not YAML or JSON
		keys      []string
		groups    int
	}{
		{name: "empty", src: "", plain: true},
		{name: "plain YAML", src: "k3s:\n  token: x\n", plain: true},
		{name: "a list", src: "- a\n- b\n", plain: true},
		{name: "a sops key sops did not write", src: "sops:\n  age: []\n", plain: true},
		{name: "binary", src: "\x00\x01\x02\xff\xfe", bad: true},
		{name: "broken YAML", src: "k3s: [unclosed\n", bad: true},
		{name: "age", src: "a: ENC[x]\nsops:\n  age:\n    - recipient: age1b\n      enc: x\n    - recipient: age1a\n      enc: x\n" + mac,
			keys: []string{"age1a", "age1b"}, groups: 1},
		{name: "key groups", src: "sops:\n  key_groups:\n    - age:\n        - recipient: age1a\n    - age:\n        - recipient: age1b\n      pgp:\n        - fp: ABCD\n" + mac,
			keys: []string{"PGP key ABCD", "age1a", "age1b"}, groups: 2},
		{name: "other kinds", src: "sops:\n  kms:\n    - arn: arn:aws:kms:x\n  hc_vault:\n    - vault_address: https://vault\n" + mac,
			keys: []string{"AWS KMS key arn:aws:kms:x", "HashiCorp Vault key https://vault"}, groups: 1},
		{name: "JSON", src: `{"a": "ENC[x]", "sops": {"age": [{"recipient": "age1a", "enc": "x"}], "mac": "ENC[y]"}}`,
			keys: []string{"age1a"}, groups: 1},
		{name: "second YAML document", src: "a: 1\n---\nb: ENC[x]\nsops:\n  age:\n    - recipient: age1a\n" + mac,
			keys: []string{"age1a"}, groups: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := readSopsMetadata([]byte(tc.src))
			switch {
			case tc.bad:
				if err == nil {
					t.Fatalf("read as %+v, want an error", m)
				}
				return
			case err != nil:
				t.Fatal(err)
			case tc.plain:
				if m != nil {
					t.Fatalf("read metadata %+v from a plain file", m)
				}
				return
			case m == nil:
				t.Fatal("no metadata")
			}
			if got := m.recipients(); !slices.Equal(got, tc.keys) || m.groups != tc.groups {
				t.Errorf("recipients %v in %d groups, want %v in %d", got, m.groups, tc.keys, tc.groups)
			}
		})
	}
}

// TestReadSopsMetadataRealSops reads the metadata real sops writes, in
// YAML and in JSON.
func TestReadSopsMetadataRealSops(t *testing.T) {
	sops := testtool.Require(t, "sops")
	dir := t.TempDir()
	var keys []string
	for range 2 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, id.Recipient().String())
	}
	slices.Sort(keys)
	config := "creation_rules:\n  - path_regex: ^s\\.(yaml|json)$\n    key_groups:\n      - age:\n          - " + keys[0] + "\n          - " + keys[1] + "\n"
	for name, content := range map[string]string{".sops.yaml": config, "s.yaml": "k3s:\n  token: x\n", "s.json": `{"k3s": {"token": "x"}}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, file := range []string{"s.yaml", "s.json"} {
		cmd := exec.Command(sops, "encrypt", "--in-place", file)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sops: %v\n%s", err, out)
		}
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := readSopsMetadata(src)
		if err != nil || m == nil {
			t.Fatalf("%s: metadata %+v, error %v\n%s", file, m, err, src)
		}
		if got := m.recipients(); !slices.Equal(got, keys) || m.groups != 1 {
			t.Errorf("%s: recipients %v in %d groups, want %v in 1", file, got, m.groups, keys)
		}
		if m.at.Line == 0 {
			t.Errorf("%s: no position for the sops key", file)
		}
	}
}
