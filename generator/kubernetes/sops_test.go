package kubernetes

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/schema"
	"github.com/hlcgen/hlcgen/validate"
)

// ageIdentity is a freshly generated age key pair.
type ageIdentity struct {
	name      string
	file      string // the key file, for SOPS_AGE_KEY_FILE
	recipient string
	secret    string
}

func newIdentity(t *testing.T, keygen, dir, name string) ageIdentity {
	t.Helper()
	file := filepath.Join(dir, name+".agekey")
	if out, err := exec.Command(keygen, "-o", file).CombinedOutput(); err != nil {
		t.Fatalf("age-keygen: %v\n%s", err, out)
	}
	pub, err := exec.Command(keygen, "-y", file).Output()
	if err != nil {
		t.Fatalf("age-keygen -y: %v", err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`AGE-SECRET-KEY-1[0-9A-Z]+`).FindString(string(b))
	if secret == "" {
		t.Fatalf("no secret key in %s", file)
	}
	return ageIdentity{name: name, file: file, recipient: strings.TrimSpace(string(pub)), secret: secret}
}

// freshCluster is an e2e case's cluster (the reference, or the second
// edition's full cluster: servers, workers, a standalone and an off-site
// node, Tailscale on two of them) with every age key replaced by a newly
// generated one: an admin, one per node and Flux's.
func freshCluster(t *testing.T, name string) (*model.Cluster, map[string]ageIdentity) {
	t.Helper()
	keygen := testtool.Require(t, "age-keygen")
	c := e2e.Named(t, name).Load(t)
	keys := t.TempDir()
	ids := map[string]ageIdentity{}
	ids["admin"] = newIdentity(t, keygen, keys, "admin")
	ids["flux"] = newIdentity(t, keygen, keys, "flux")
	c.Secrets.AdminAgeKeys = []string{ids["admin"].recipient}
	c.Flux.SopsAgeKey = ids["flux"].recipient
	for _, name := range c.NodeNames() {
		ids[name] = newIdentity(t, keygen, keys, "node-"+name)
		n := c.Nodes[name]
		n.AgeKey = ids[name].recipient
		c.Nodes[name] = n
	}
	return c, ids
}

// sopsRunner runs the real sops binary in a repository checkout with a
// private HOME, so it never reads or writes the user's own configuration or
// keys.
type sopsRunner struct {
	t    *testing.T
	bin  string
	root string
	home string
}

func (s sopsRunner) run(keyFile string, args ...string) ([]byte, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.root
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.home,
		"XDG_CONFIG_HOME=" + filepath.Join(s.home, ".config"),
		"GNUPGHOME=" + filepath.Join(s.home, ".gnupg"),
		"SOPS_AGE_KEY_FILE=" + keyFile,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.Bytes(), err
	}
	return stdout.Bytes(), nil
}

func (s sopsRunner) write(rel, content string) {
	s.t.Helper()
	p := filepath.Join(s.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

func (s sopsRunner) encrypt(rel string) {
	s.t.Helper()
	if out, err := s.run(filepath.Join(s.home, "no-key"), "--encrypt", "--in-place", rel); err != nil {
		s.t.Fatalf("sops --encrypt %s: %v\n%s", rel, err, out)
	}
}

// recipients reads the age recipients sops recorded in an encrypted file.
func (s sopsRunner) recipients(rel string) []string {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(rel)))
	if err != nil {
		s.t.Fatal(err)
	}
	var doc struct {
		Sops struct {
			Age []struct {
				Recipient string `yaml:"recipient"`
			} `yaml:"age"`
			KeyGroups []struct {
				Age []struct {
					Recipient string `yaml:"recipient"`
				} `yaml:"age"`
			} `yaml:"key_groups"`
		} `yaml:"sops"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		s.t.Fatalf("%s: %v", rel, err)
	}
	var out []string
	for _, a := range doc.Sops.Age {
		out = append(out, a.Recipient)
	}
	for _, g := range doc.Sops.KeyGroups {
		for _, a := range g.Age {
			out = append(out, a.Recipient)
		}
	}
	sort.Strings(out)
	return out
}

// TestSopsRulesWithRealSops encrypts the files of each rule with the real
// sops, on the reference cluster and the full one, and checks that exactly
// the intended age identities can decrypt them.
func TestSopsRulesWithRealSops(t *testing.T) {
	for _, name := range []string{"reference", "full"} {
		t.Run(name, func(t *testing.T) { testSopsRulesWithRealSops(t, name) })
	}
}

func testSopsRulesWithRealSops(t *testing.T, name string) {
	sopsBin := testtool.Require(t, "sops")
	c, ids := freshCluster(t, name)

	root := t.TempDir()
	var sopsYAML []byte
	for _, f := range render(t, c) {
		if f.Path == SopsConfigPath {
			sopsYAML = f.Content
		}
	}
	if sopsYAML == nil {
		t.Fatal("no .sops.yaml rendered")
	}
	if err := os.WriteFile(filepath.Join(root, ".sops.yaml"), sopsYAML, 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(root, ".home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	s := sopsRunner{t: t, bin: sopsBin, root: root, home: home}

	all := model.SortedKeys(ids)
	type secretFile struct {
		path    string
		content string
		readers []string
	}
	// Each file's audience, written out here from the nodes' roles and
	// settings: the admins and the nodes that use its secrets (the secrets
	// issue's audiences), never more.
	servers, k8s, tailscale := []string{"admin"}, []string{"admin"}, []string{"admin"}
	var standalone string
	for _, n := range c.NodeNames() {
		switch node := c.Nodes[n]; {
		case node.Role == model.RoleControlPlane:
			servers = append(servers, n)
			k8s = append(k8s, n)
		case node.Role == model.RoleWorker:
			k8s = append(k8s, n)
		case standalone == "":
			standalone = n
		}
		if c.Nodes[n].Tailscale {
			tailscale = append(tailscale, n)
		}
	}
	files := []secretFile{
		{
			path: c.Secrets.SopsFile,
			content: "k3s:\n  token: server-token-value\nflux:\n  age_key: " + ids["flux"].secret +
				"\netcd_s3:\n  access_key: s3-access-value\n  secret_key: s3-secret-value\n",
			readers: servers,
		},
		{
			path:    c.Secrets.NodesSopsFile,
			content: "k3s:\n  agent_token: agent-token-value\n",
			readers: k8s,
		},
		{
			path:    model.HostSecretsFile(servers[1]),
			content: "root_password: host-only-value\n",
			readers: []string{"admin", servers[1]},
		},
		{
			path:    model.HostSecretsFile(standalone),
			content: "restic_password: standalone-only-value\n",
			readers: []string{"admin", standalone},
		},
		{
			path: c.Flux.Path + "/apps/grafana-admin.sops.yaml",
			content: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: grafana-admin\n  namespace: monitoring\ntype: Opaque\n" +
				"data:\n  admin-user: YWRtaW4=\nstringData:\n  admin-password: k8s-secret-value\n",
			readers: []string{"admin", "flux"},
		},
	}
	if len(tailscale) > 1 {
		files = append(files, secretFile{
			path:    c.Secrets.TailscaleSopsFile,
			content: "tailscale:\n  auth_key: tailscale-key-value\n",
			readers: tailscale,
		})
	}
	if name == "full" && (len(tailscale) != 3 || len(servers) != 4 || len(k8s) != 6) {
		t.Fatalf("the full cluster changed: servers %v, Kubernetes nodes %v, Tailscale %v", servers, k8s, tailscale)
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			s := s
			s.t = t
			s.write(f.path, f.content)
			s.encrypt(f.path)

			var wantRecipients []string
			for _, r := range f.readers {
				wantRecipients = append(wantRecipients, ids[r].recipient)
			}
			sort.Strings(wantRecipients)
			if got := s.recipients(f.path); !reflect.DeepEqual(got, wantRecipients) {
				t.Errorf("encrypted for %v, want %v (%v)", got, wantRecipients, f.readers)
			}

			var want any
			if err := yaml.Unmarshal([]byte(f.content), &want); err != nil {
				t.Fatal(err)
			}
			readers := map[string]bool{}
			for _, r := range f.readers {
				readers[r] = true
			}
			for _, who := range all {
				out, err := s.run(ids[who].file, "--decrypt", f.path)
				switch {
				case readers[who] && err != nil:
					t.Errorf("%s cannot decrypt: %v\n%s", who, err, out)
				case readers[who]:
					var got any
					if err := yaml.Unmarshal(out, &got); err != nil || !reflect.DeepEqual(got, want) {
						t.Errorf("%s decrypts to %q (%v)", who, out, err)
					}
				case err == nil:
					t.Errorf("%s can decrypt a file meant for %v", who, f.readers)
				}
			}
		})
	}

	// hlcgen reads what sops wrote: every file encrypted above is up to
	// date with its rule, and the files not written are missing.
	t.Run("audit", func(t *testing.T) {
		written := map[string]bool{}
		for _, f := range files {
			written[f.path] = true
		}
		audits := validate.AuditSecrets(c, os.DirFS(root))
		seen := 0
		for _, a := range audits {
			want := validate.SecretsMissing
			if written[a.Path] {
				want = validate.SecretsUpToDate
				seen++
			}
			if a.State != want || len(a.Missing)+len(a.Extra) > 0 {
				t.Errorf("%s: %s (missing %v, extra %v), want %s", a.Path, a.State, a.Missing, a.Extra, want)
			}
		}
		if seen != len(files) {
			t.Errorf("the audit saw %d of the %d files written", seen, len(files))
		}
	})

	// Only the values of the Kubernetes Secret are encrypted, so Flux and
	// kustomize still see what the object is.
	t.Run("kubernetes secret selector", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(c.Flux.Path+"/apps/grafana-admin.sops.yaml")))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		md := doc["metadata"].(map[string]any)
		if doc["apiVersion"] != "v1" || doc["kind"] != "Secret" || doc["type"] != "Opaque" ||
			md["name"] != "grafana-admin" || md["namespace"] != "monitoring" {
			t.Errorf("identifying fields were encrypted: %v", doc)
		}
		for _, field := range []string{"data", "stringData"} {
			for k, v := range doc[field].(map[string]any) {
				if s, _ := v.(string); !strings.HasPrefix(s, "ENC[") {
					t.Errorf("%s.%s is not encrypted: %v", field, k, v)
				}
			}
		}
		if bytes.Contains(b, []byte("k8s-secret-value")) || bytes.Contains(b, []byte("YWRtaW4=")) {
			t.Error("a secret value is in the encrypted file in clear")
		}
	})

	// Paths outside the rules, including near misses that only an anchored,
	// quoted regex rejects, are refused rather than encrypted for someone.
	t.Run("no catch-all", func(t *testing.T) {
		s := s
		s.t = t
		for _, rel := range []string{
			"notes/todo.yaml",
			"backup/" + c.Secrets.SopsFile,
			c.Secrets.SopsFile + ".bak",
			"secrets/hosts/cp1.yml",
			"secrets/hosts/cp1_yaml",
			"secrets/hosts/cp4.yaml",
			"elsewhere/" + c.Flux.Path + "/x.sops.yaml",
		} {
			s.write(rel, "key: value\n")
			out, err := s.run(filepath.Join(home, "no-key"), "--encrypt", "--in-place", rel)
			if err == nil {
				t.Errorf("sops encrypted %s, which no rule covers", rel)
				continue
			}
			if !strings.Contains(string(out), "no matching creation rules found") {
				t.Errorf("%s: sops failed for another reason: %s", rel, out)
			}
		}
	})

	// Nothing secret ends up in what hlcgen generates.
	t.Run("no secrets in generated files", func(t *testing.T) {
		for _, f := range render(t, c) {
			for _, id := range ids {
				if bytes.Contains(f.Content, []byte(id.secret)) {
					t.Errorf("%s contains %s's private key", f.Path, id.name)
				}
			}
			for _, v := range []string{"server-token-value", "agent-token-value", "s3-access-value", "s3-secret-value", "tailscale-key-value", "host-only-value", "standalone-only-value", "k8s-secret-value"} {
				if bytes.Contains(f.Content, []byte(v)) {
					t.Errorf("%s contains the secret value %q", f.Path, v)
				}
			}
		}
	})
}

// TestSopsConfigSchema checks every rendered .sops.yaml against the schema,
// and the schema against configurations sops rejects.
func TestSopsConfigSchema(t *testing.T) {
	for _, tc := range cases(t) {
		for _, f := range render(t, tc.Load(t)) {
			if f.Path != SopsConfigPath {
				continue
			}
			var doc any
			if err := yaml.Unmarshal(f.Content, &doc); err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(doc)
			if err := schema.CheckJSON("sops.schema.json", j); err != nil {
				t.Errorf("%s: %v", tc.Name, err)
			}
			rules := doc.(map[string]any)["creation_rules"].([]any)
			for _, r := range rules {
				re := r.(map[string]any)["path_regex"].(string)
				if !strings.HasPrefix(re, "^") || !strings.HasSuffix(re, "$") {
					t.Errorf("%s: path_regex %q is not anchored", tc.Name, re)
				}
			}
		}
	}
	bad := map[string]string{
		"two selectors":  `{"creation_rules":[{"path_regex":"^a$","age":"age1x","encrypted_regex":"^data$","unencrypted_suffix":"_plain"}]}`,
		"unknown key":    `{"creation_rules":[{"path_regex":"^a$","agee":"age1x"}]}`,
		"age not a list": `{"creation_rules":[{"path_regex":"^a$","key_groups":[{"age":"age1x"}]}]}`,
		"empty selector": `{"creation_rules":[{"path_regex":"^a$","age":"age1x","encrypted_regex":""}]}`,
		"no rules":       `{}`,
	}
	for name, doc := range bad {
		if schema.CheckJSON("sops.schema.json", []byte(doc)) == nil {
			t.Errorf("schema accepts %s: %s", name, doc)
		}
	}
	good := []string{
		`{"creation_rules":[{"path_regex":"^a$","age":"age1x,age1y","encrypted_regex":"^(data|stringData)$"}]}`,
		`{"creation_rules":[{"path_regex":"^a$","key_groups":[{"age":["age1x"],"pgp":["FP"]}],"shamir_threshold":1},{"age":["age1z"]}]}`,
	}
	for _, doc := range good {
		if err := schema.CheckJSON("sops.schema.json", []byte(doc)); err != nil {
			t.Errorf("schema rejects %s: %v", doc, err)
		}
	}
}

// TestNoSecretsInGeneratedFiles: hlcgen only ever sees public keys and the
// names of secrets, so no generated file may hold anything that looks like
// an age private key, and Flux's key appears only as sops-nix's placeholder.
func TestNoSecretsInGeneratedFiles(t *testing.T) {
	for _, tc := range cases(t) {
		c := tc.Load(t)
		for _, f := range render(t, c) {
			if bytes.Contains(bytes.ToUpper(f.Content), []byte("AGE-SECRET-KEY-")) {
				t.Errorf("%s/%s: contains an age private key (or its prefix)", tc.Name, f.Path)
			}
			if f.Path == BootstrapModulePath && c.Flux != nil &&
				!bytes.Contains(f.Content, []byte(`config.sops.placeholder."flux/age_key"`)) {
				t.Errorf("%s/%s: the sops-age Secret does not take the key from sops-nix", tc.Name, f.Path)
			}
		}
	}
}
