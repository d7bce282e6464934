package validate

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// pastedSecret is a kind of secret that has a shape of its own, so that it
// can be recognised in any setting: a private key or a token pasted where
// its public half or its name belongs. cluster.hcl is committed and its
// values reach the world-readable Nix store, so each is refused wherever it
// appears, Helm values included.
type pastedSecret struct {
	re   *regexp.Regexp
	what string
	// advice says what to do instead; the detail adds where the secret
	// goes and that a committed secret is leaked.
	advice string
}

// secretNeedles holds, for each of pastedSecrets, literals of which every
// string its pattern matches holds one (requiredLiterals), or nil. A
// string holding none of them is not matched against the pattern: most
// strings of a spec hold none, and a pattern that does not start with a
// literal (\b(AKIA|ASIA)...) is otherwise tried at every position of every
// string, which was most of this check at 1,000 nodes.
var secretNeedles = sync.OnceValue(func() [][]string {
	out := make([][]string, len(pastedSecrets))
	for i, s := range pastedSecrets {
		if re, err := syntax.Parse(s.re.String(), syntax.Perl); err == nil {
			out[i], _ = requiredLiterals(re.Simplify())
		}
	}
	return out
})

// requiredLiterals returns literals of which every string that re matches
// holds at least one; ok is false when re's shape does not tell.
func requiredLiterals(re *syntax.Regexp) (lits []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		// Any part's literals will do: the longest shortest one sifts best.
		shortest := func(ls []string) int {
			n := -1
			for _, l := range ls {
				if n < 0 || len(l) < n {
					n = len(l)
				}
			}
			return n
		}
		for _, sub := range re.Sub {
			if l, subOK := requiredLiterals(sub); subOK && (!ok || shortest(l) > shortest(lits)) {
				lits, ok = l, true
			}
		}
		return lits, ok
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			l, subOK := requiredLiterals(sub)
			if !subOK {
				return nil, false
			}
			lits = append(lits, l...)
		}
		return lits, true
	}
	return nil, false
}

// holdsPastedSecret reports whether any string in the document value v
// holds a pasted secret.
func holdsPastedSecret(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if holdsPastedSecret(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if holdsPastedSecret(e) {
				return true
			}
		}
	case string:
		_, found := pastedSecretIn(x)
		return found
	}
	return false
}

// pastedSecretIn returns the first of pastedSecrets that x holds.
func pastedSecretIn(x string) (pastedSecret, bool) {
	for i, s := range pastedSecrets {
		if mayHold(i, x) && s.re.MatchString(x) {
			return s, true
		}
	}
	return pastedSecret{}, false
}

// mayHold reports whether x may hold the i-th of pastedSecrets: it holds
// one of that pattern's needles, or the pattern has none.
func mayHold(i int, x string) bool {
	needles := secretNeedles()[i]
	if needles == nil {
		return true
	}
	for _, n := range needles {
		if strings.Contains(x, n) {
			return true
		}
	}
	return false
}

// pastedSecrets are recognised by their published formats:
//   - age: private keys are Bech32 with the prefix AGE-SECRET-KEY-1, and
//     public ones start age1 (age's specification, C2SP age.md).
//   - PEM and OpenSSH private keys open with "-----BEGIN ... PRIVATE
//     KEY-----"; OpenPGP's with "-----BEGIN PGP PRIVATE KEY BLOCK-----".
//   - k3s secure tokens are K10<CA hash>::<user>:<password> (k3s docs, "Token").
//   - Tailscale auth keys start tskey- (tskey-auth-..., tskey-client-...).
//   - GitHub tokens start ghp_, gho_, ghu_, ghs_, ghr_ or github_pat_;
//     GitLab's glpat-; Slack's xoxb-, xoxp-, xoxa-, xoxr-, xoxs-.
//   - AWS access key IDs are AKIA or ASIA and 16 uppercase letters or digits.
var pastedSecrets = []pastedSecret{
	{regexp.MustCompile(`AGE-SECRET-KEY-1[0-9A-Z]{20,}`), "an age private key (AGE-SECRET-KEY-1...)",
		"Write its public key instead, the age1... recipient that `age-keygen -y keys.txt` prints from the file holding the private key (for sops: ~/.config/sops/age/keys.txt)"},
	{regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`), "a private key",
		"Paste only the public key: the line of the .pub file (`ssh-keygen -y -f ~/.ssh/id_ed25519` prints it)"},
	{regexp.MustCompile(`K10[0-9a-fA-F]*::[A-Za-z0-9_-]+:\S+|^K10[0-9a-f]{64}$`), "a k3s join token (K10...::...)",
		"Put the token in the cluster sops file (`sops secrets/cluster.yaml`, under k3s: token: ...), and name that key in kubernetes.token_secret"},
	{regexp.MustCompile(`tskey-[a-z]+-[A-Za-z0-9]{8,}`), "a Tailscale auth key (tskey-...)",
		"Put it in the Tailscale sops file (`sops secrets/tailscale.yaml`) and name its key in tailscale.auth_key_secret"},
	{regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})`), "an access token (GitHub, GitLab or Slack)",
		"Keep it in a sops file and reference it, as a Kubernetes Secret Flux decrypts, from what needs it"},
	{regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`), "an AWS access key ID",
		"Put it in the cluster sops file and name its key, as kubernetes.etcd_snapshots.s3.access_key_secret does"},
}

// secretKeyExamples are the settings that name a key in a sops file, with a
// good key name: a token pasted there is replaced by the name (the fix).
var secretKeyExamples = map[string]string{
	"kubernetes\x00token_secret":                              "k3s/token",
	"kubernetes\x00agent_token_secret":                        "k3s/agent_token",
	"kubernetes\x00etcd_snapshots\x00s3\x00access_key_secret": "etcd_s3/access_key",
	"kubernetes\x00etcd_snapshots\x00s3\x00secret_key_secret": "etcd_s3/secret_key",
	"tailscale\x00auth_key_secret":                            "tailscale/auth_key",
}

// checkPastedSecrets reports every string in the spec that holds a secret
// of a recognisable kind, and marks it failed: the schema's complaint about
// the same value ("not an age recipient") would only hide what matters.
// It runs before the schema, on the document as written.
func checkPastedSecrets(spec *load.Spec) diag.Diagnostics {
	var ds diag.Diagnostics
	// path is the path of v, in a slice the walk reuses: a diagnostic
	// takes a copy.
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range model.SortedKeys(x) {
				walk(x[k], append(path, k))
			}
		case []any:
			for i, e := range x {
				walk(e, append(path, strconv.Itoa(i)))
			}
		case string:
			if s, found := pastedSecretIn(x); found {
				path = slices.Clone(path)
				ds = append(ds, pastedSecretDiagnostic(spec, path, s))
				spec.MarkFailed(path...)
			}
		}
	}
	walk(spec.Doc, nil)
	return ds
}

func pastedSecretDiagnostic(spec *load.Spec, path []string, s pastedSecret) diag.Diagnostic {
	at := spec.Source.Value(path...)
	name := settingName(path)
	detail := fmt.Sprintf("%s holds %s. A secret must never be in %s: the file is committed, and its values are copied into the Nix store, which every user of a node can read. Remove it, and if it was ever committed or pushed, consider it leaked and replace it. %s.",
		name, s.what, spec.Filename, s.advice)
	d := diag.New(diag.LiteralSecret, at, "%s", detail)
	if example, ok := secretKeyExamples[strings.Join(path, "\x00")]; ok {
		d.Detail = fmt.Sprintf("%s names the key of a secret in a sops file, but holds %s itself. A secret must never be in %s: the file is committed, and its values are copied into the Nix store. Put the secret in its sops file and write `%s = %q`; if it was ever committed or pushed, consider it leaked and rotate it.",
			name, s.what, spec.Filename, lastName(name), example)
		d = d.WithFix(at, fmt.Sprintf("%q", example))
	}
	return d
}
