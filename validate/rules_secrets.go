package validate

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// literalSecretReason says why a value that should name a key in the sops
// file (kubernetes.token_secret) looks like the secret itself, or returns "".
//
// Key names are made of short words: "k3s/token", "k3s_join_token_2024".
// Secrets are long random strings. The heuristic, in order:
//
//   - "::" anywhere: the separator of a k3s token (K10<ca-hash>::server:<pw>).
//   - "K10" followed by at least 20 more characters: a k3s secure token
//     whose "::" part was cut off.
//   - a "/"-separated segment of 32 or more characters that is all hex
//     digits (`openssl rand -hex 16` and longer, k3s' own tokens).
//   - a segment of 32 or more characters that reads as random: counting
//     only letters and digits, and starting afresh after each '_', '.' or
//     '-', it switches between lowercase, uppercase and digits at least once
//     every four characters. base64 and base64url output switches about
//     every other character; "k3s_server_token_primary_cluster_2024"
//     switches twice in 33.
//
// Short secrets ("hunter2") cannot be told from key names and pass; the
// schema's pattern already rejects anything with ':', '=', '+' or spaces.
func literalSecretReason(s string) string {
	switch {
	case strings.Contains(s, "::"):
		return `it contains "::", the separator inside a k3s token (K10<hash>::server:<password>)`
	case strings.HasPrefix(s, "K10") && len(s) >= 23:
		return "it starts with K10, like a k3s secure token"
	}
	for _, seg := range strings.Split(s, "/") {
		if len(seg) < 32 {
			continue
		}
		if isHex(seg) {
			return fmt.Sprintf("it has a %d-character hex string, which looks like a random token", len(seg))
		}
		if looksRandom(seg) {
			return fmt.Sprintf("it has a %d-character run of mixed letters and digits, which looks like a random token", len(seg))
		}
	}
	return ""
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// looksRandom reports whether s switches between character classes
// (lowercase, uppercase, digit) at least once every four letters or digits.
func looksRandom(s string) bool {
	class := func(r rune) int {
		switch {
		case r >= 'a' && r <= 'z':
			return 1
		case r >= 'A' && r <= 'Z':
			return 2
		case r >= '0' && r <= '9':
			return 3
		}
		return 0
	}
	alnum, switches, prev := 0, 0, 0
	for _, r := range s {
		c := class(r)
		if c == 0 {
			prev = 0 // a separator starts a new word
			continue
		}
		alnum++
		if prev != 0 && c != prev {
			switches++
		}
		prev = c
	}
	return alnum >= 32 && switches*4 >= alnum
}

// secretKey is a setting that names a secret's key in a sops file.
type secretKey struct {
	path    []string // document path of the setting
	attr    string   // as the user writes it: "token_secret"
	what    string   // "the k3s server token"
	example string   // a good key name: "k3s/token"
	file    string   // the sops file it is in
	key     string
}

func (rc *ruleContext) secretKeys() []secretKey {
	c := rc.c
	s := c.Secrets
	out := []secretKey{
		{[]string{"kubernetes", "token_secret"}, "token_secret", "the k3s server token", "k3s/token", s.SopsFile, c.Kubernetes.TokenSecret},
		{[]string{"kubernetes", "agent_token_secret"}, "agent_token_secret", "the k3s agent token", "k3s/agent_token", s.NodesSopsFile, c.Kubernetes.AgentTokenSecret},
	}
	if es := c.Kubernetes.EtcdSnapshots; es != nil && es.S3 != nil {
		out = append(out,
			secretKey{[]string{"kubernetes", "etcd_snapshots", "s3", "access_key_secret"}, "access_key_secret", "the S3 access key", "etcd_s3/access_key", s.SopsFile, es.S3.AccessKeySecret},
			secretKey{[]string{"kubernetes", "etcd_snapshots", "s3", "secret_key_secret"}, "secret_key_secret", "the S3 secret key", "etcd_s3/secret_key", s.SopsFile, es.S3.SecretKeySecret})
	}
	if c.Tailscale != nil {
		out = append(out, secretKey{[]string{"tailscale", "auth_key_secret"}, "auth_key_secret", "the Tailscale auth key", "tailscale/auth_key", s.TailscaleSopsFile, c.Tailscale.AuthKeySecret})
	}
	return out
}

// yamlKey writes a sops-nix key name as the YAML it reads: "k3s/token" is
// "k3s: token: ...".
func yamlKey(key string) string {
	return strings.Join(strings.Split(key, "/"), ": ") + ": ..."
}

// checkSecretKeys: a setting that names a secret's key must not hold the
// secret itself, and two secrets cannot share one key of a file.
func checkSecretKeys(rc *ruleContext) {
	first := map[[2]string]secretKey{}
	if rc.c.Flux != nil {
		// Flux's key is always flux/age_key in the cluster file.
		first[[2]string{rc.c.Secrets.SopsFile, model.FluxAgeKeySecret}] = secretKey{path: []string{"flux"}, attr: "flux", what: "Flux's age key"}
	}
	for _, k := range rc.secretKeys() {
		if k.key == "" {
			continue
		}
		at := rc.value(k.path...)
		if why := literalSecretReason(k.key); why != "" {
			rc.add(diag.LiteralSecret, at,
				"%s names the key of %s inside %s, but %s. Put the secret in that file (`sops %s`, under %s), write %s = %q, and rotate it: the literal value is now in your Git history.",
				k.attr, k.what, k.file, why, k.file, yamlKey(k.example), k.attr, k.example)
			continue
		}
		id := [2]string{k.file, k.key}
		if prev, dup := first[id]; dup {
			rc.add(diag.SharedSecretKey, at,
				"%s and %s both name the key %q of %s, so %s and %s would be one secret. Give each its own key, such as %q.",
				prev.attr, k.attr, k.key, k.file, prev.what, k.what, k.example)
			continue
		}
		first[id] = k
	}
}

// checkURLCredentials: a URL with a password or token in it is a secret in
// Git and in the Nix store. Flux and Helm authenticate with a secretRef.
func checkURLCredentials(rc *ruleContext, u *url.URL, setting string, path ...string) bool {
	if u == nil || u.User == nil {
		return false
	}
	_, hasPassword := u.User.Password()
	if !hasPassword && u.Scheme != "https" {
		return false // ssh://git@host: a user name, not a credential
	}
	rc.add(diag.LiteralSecret, rc.value(path...),
		"%s has credentials in it (%q before the '@'), which would end up in Git and in the Nix store. Remove them, revoke them, and give Flux the credentials through a sops-encrypted Secret instead.",
		setting, u.User.Username())
	return true
}

// checkAgeKeyReuse: every node has its own age key, and no node key is also
// an admin's or Flux's key. A reused key means one machine can decrypt
// another's secrets; a node key pasted as an admin key is usually a
// copy-paste mistake.
func checkAgeKeyReuse(rc *ruleContext) {
	c := rc.c
	type keySite struct {
		key string
		site
	}
	var sites []keySite
	addSite := func(key, what string, path ...string) {
		if key != "" {
			sites = append(sites, keySite{key, site{what: what, at: rc.value(path...)}})
		}
	}
	for _, n := range c.NodeNames() {
		addSite(c.Nodes[n].AgeKey, fmt.Sprintf("node %q's age_key", n), "nodes", n, "age_key")
	}
	for i, k := range c.Secrets.AdminAgeKeys {
		addSite(k, fmt.Sprintf("secrets.admin_age_keys[%d]", i), "secrets", "admin_age_keys", idx(i))
	}
	if c.Flux != nil {
		addSite(c.Flux.SopsAgeKey, "flux.sops_age_key", "flux", "sops_age_key")
	}
	sort.SliceStable(sites, func(i, j int) bool { return sites[i].at.Start.Byte < sites[j].at.Start.Byte })
	first := map[string]site{}
	for _, s := range sites {
		prev, dup := first[s.key]
		if !dup {
			first[s.key] = s.site
			continue
		}
		rc.add(diag.SharedAgeKey, s.at, "%s is the same age key as %s (%s). %s",
			s.what, prev.what, line(prev.at), reuseHint(prev.what, s.what))
	}
}

func reuseHint(a, b string) string {
	node := func(s string) bool { return strings.HasPrefix(s, "node ") }
	admin := func(s string) bool { return strings.HasPrefix(s, "secrets.admin_age_keys") }
	switch {
	case node(a) && node(b):
		return "Each node decrypts its secrets with its own host key, so two nodes cannot share one; this is usually a copy-paste mistake. Run `ssh-to-age < /etc/ssh/ssh_host_ed25519_key.pub` on each node and paste its own key."
	case admin(a) && admin(b):
		return "Remove the duplicate."
	case node(a) || node(b):
		return "A node's key is derived from its SSH host key; an admin or Flux key is a separate key. This is usually a copy-paste mistake: paste the right key."
	}
	return "Flux's key lives in the cluster as a Secret, so sharing it with an admin puts the admin's private key in the cluster. Give Flux its own key (`age-keygen`)."
}

func checkAdminAgeKeys(rc *ruleContext) {
	if keys, ok := rc.written("secrets", "admin_age_keys"); ok && isEmptyList(keys) {
		rc.add(diag.NoAdminAgeKeys, rc.value("secrets", "admin_age_keys"),
			"admin_age_keys is empty, so no person could decrypt or edit the secrets: only the machines could. List at least one admin's age recipient, as printed by `age-keygen -y ~/.config/sops/age/keys.txt`.")
	}
}

// checkSopsFile: the sops files are relative to cluster.hcl and stay in
// the repository (the schema's pattern allows "." and ".." segments), are
// not a host's own file, and are three different files: each has its own
// audience in .sops.yaml, so one file for two audiences would give every
// node of the wider one the secrets of the narrower (the agents the server
// token).
func checkSopsFile(rc *ruleContext) {
	s := rc.c.Secrets
	seen := map[string]string{}
	for _, f := range []struct{ attr, file string }{
		{"sops_file", s.SopsFile}, {"nodes_sops_file", s.NodesSopsFile}, {"tailscale_sops_file", s.TailscaleSopsFile},
	} {
		if f.file == "" {
			continue
		}
		at := rc.value("secrets", f.attr)
		switch {
		case path.IsAbs(f.file):
			rc.add(diag.SecretsPath, at, "%s %q is absolute; write it relative to the directory of cluster.hcl, such as \"secrets/cluster.yaml\".", f.attr, f.file)
		case hasDotDot(f.file):
			rc.add(diag.SecretsPath, at, "%s %q leaves the repository through \"..\"; sops-nix reads it from the flake, which only holds files inside the repository. Move the file into the repository, such as \"secrets/cluster.yaml\".", f.attr, f.file)
		case path.Clean(f.file) != f.file:
			rc.add(diag.SecretsPath, at, "%s %q is not a clean path; write %q.", f.attr, f.file, path.Clean(f.file))
		case path.Base(f.file) == ".sops.yaml":
			rc.add(diag.SecretsPath, at, "%s %q would be sops' own configuration file, which hlcgen generates. Use another name, such as \"secrets/cluster.yaml\".", f.attr, f.file)
		case strings.HasPrefix(f.file, "secrets/hosts/"):
			rc.add(diag.SecretsPath, at, "%s %q is under secrets/hosts/, where each node's own file lives (only that node decrypts it). Use another path, such as \"secrets/cluster.yaml\".", f.attr, f.file)
		default:
			if prev, dup := seen[f.file]; dup {
				rc.add(diag.SecretsPath, at,
					"%s and %s are both %q, but their secrets have different audiences (.sops.yaml gives each file to its own nodes), so one file would let the wider audience read the other's secrets. Give each its own file.",
					prev, f.attr, f.file)
			}
			seen[f.file] = f.attr
		}
	}
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

func hasDotDot(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
