package pipeline_test

import (
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/pipeline"
)

// TestLiteralTokenRefused: a k3s token pasted into kubernetes.token_secret
// (which names the token's key in the sops file) is refused as HLC050,
// at the value, and nothing is rendered.
func TestLiteralTokenRefused(t *testing.T) {
	for _, token := range []string{
		// k3s' secure token: K10<sha256 of the CA>::server:<password>.
		"K10d4f1b5a9e8c3e6c0a7f3d6b2f9a1c8e5d7b0a3f6c9e2d5b8a1f4c7e0d3b6a9::server:3f8a1c9e7b2d4f6a8c0e1b3d5f7a9c2e",
		// The same, without the server part.
		"K10d4f1b5a9e8c3e6c0a7f3d6b2f9a1c8e5d7b0a3f6c9e2d5b8a1f4c7e0d3b6a9",
		// `openssl rand -hex 32`.
		"8f14e45fceea167a5a36dedd4bea2543b2f8d8c2e6f9b4a1c3d5e7f9a0b2c4d6",
		// ... under a key-like prefix.
		"k3s/8f14e45fceea167a5a36dedd4bea2543b2f8d8c2e6f9b4a1c3d5e7f9a0b2c4d6",
		// base64 of random bytes.
		"Zm9vYmFyYmF6cXV4Q29ycmVjdEhvcnNlQmF0dGVyeVN0YXBsZTEyMzQ1Njc4OTA",
	} {
		s := minimalSpec()
		s.tokenSecret = token
		src := s.hcl(t)
		res, err := pipeline.Spec("cluster.hcl", src, nil)
		if err != nil || res.Files != nil {
			t.Errorf("%s: rendered (error %v)", token, err)
			continue
		}
		found := false
		for _, d := range res.Diags.Errors() {
			line := strings.Split(string(src), "\n")[d.Subject.Start.Line-1]
			if d.Code == diag.LiteralSecret.Code && strings.Contains(line, "token_secret") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s at token_secret: %v", token, diag.LiteralSecret.Code, res.Diags)
		}
	}
}

// Secret material that no generated file may contain.
var secretPatterns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"an age private key", regexp.MustCompile(`(?i)AGE-SECRET-KEY-1`)},
	{"a PEM block (private key, certificate)", regexp.MustCompile(`-----BEGIN`)},
	{"a k3s token", regexp.MustCompile(`K10[0-9a-f]{20,}|::server:|::node:`)},
	{"a k3s token option", regexp.MustCompile(`services\.k3s\.token\b|\btoken\s*=|--token[= ]`)},
	{"an OpenSSH private key", regexp.MustCompile(`OPENSSH PRIVATE KEY|BEGIN RSA`)},
}

// TestNoSecretsInOutput renders the reference spec, every valid test case
// and the hostile spec, and checks that no generated file (all of which
// end up in Git and, the Nix ones, in the world-readable store) holds
// secret material; that every reference to a sops-nix secret is its
// decrypted file's path as a string (config.sops.secrets.<key>.path) or
// the template placeholder, never a path literal, which would copy the
// file into the store; and that the only path literals are module files
// and the encrypted sops files.
func TestNoSecretsInOutput(t *testing.T) {
	type shape struct {
		name string
		src  []byte
	}
	shapes := []shape{{"hostile", hostileSpec(t).hcl(t)}, {"minimal", minimalSpec().hcl(t)}}
	for _, s := range seedSpecs(t) {
		if !s.invalid && !strings.HasPrefix(s.name, "invalid/") {
			shapes = append(shapes, shape{s.name, s.src})
		}
	}
	if len(shapes) < 5 {
		t.Fatalf("only %d shapes", len(shapes))
	}
	// sops-nix references: definitions (sops.secrets.<key> = {),
	// uses (config.sops.secrets.<key>.path) and placeholders.
	sopsRef := regexp.MustCompile(`sops\.(secrets|placeholder|templates)`)
	defOrUse := regexp.MustCompile(`^\s*(sops\.(secrets|templates)\.("[^"]*"|[A-Za-z_][A-Za-z0-9_'-]*) = \{|secrets = \{|templates = \{)$|` +
		`config\.sops\.secrets\.("[^"]*"|[A-Za-z_][A-Za-z0-9_'-]*)\.path[;)\s]|config\.sops\.placeholder\."[^"]*"`)
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			files, res := renderFiles(t, sh.src)
			// The encrypted files a module may name (sops-nix reads them
			// from the flake's source, where they are encrypted anyway).
			sopsFiles := map[string]bool{}
			for _, f := range res.Cluster.SecretsFiles() {
				sopsFiles[f.Path] = true
			}
			tokenUse := "tokenFile = config.sops.secrets." + nixKey(res.Cluster.Kubernetes.TokenSecret) + ".path;"
			sawToken := false
			for _, f := range files {
				text := string(f.Content)
				for _, p := range secretPatterns {
					if loc := p.re.FindStringIndex(text); loc != nil {
						t.Errorf("%s holds %s: %q", f.Path, p.what, text[max(0, loc[0]-40):min(len(text), loc[1]+40)])
					}
				}
				if !strings.HasSuffix(f.Path, ".nix") {
					continue
				}
				sawToken = sawToken || strings.Contains(text, tokenUse)
				for i, line := range strings.Split(text, "\n") {
					if sopsRef.MatchString(line) && !defOrUse.MatchString(line) {
						t.Errorf("%s:%d: a sops-nix reference that is neither a definition nor config.sops.secrets.<key>.path: %s", f.Path, i+1, line)
					}
				}
				for _, lit := range pathLiterals(text) {
					resolved := path.Clean(path.Join(path.Dir(f.Path), lit))
					switch {
					case strings.HasSuffix(lit, ".nix"):
					case strings.HasPrefix(f.Path, "generated/hosts/") && strings.HasPrefix(resolved, "secrets/hosts/"):
						if resolved != model.HostSecretsFile(path.Base(path.Dir(f.Path))) {
							t.Errorf("%s names another host's sops file %s", f.Path, lit)
						}
					case sopsFiles[resolved]:
					case f.Path == "generated/default.nix" && strings.HasPrefix(lit, "./hosts/"):
						// generated/default.nix imports each host directory.
					default:
						t.Errorf("%s: path literal %s (%s) is neither a module nor a sops file", f.Path, lit, resolved)
					}
					if strings.HasPrefix(lit, "/") {
						t.Errorf("%s: absolute path literal %s", f.Path, lit)
					}
				}
			}
			if len(res.Cluster.KubernetesNodes()) > 0 && !sawToken {
				t.Errorf("no generated module has %q", tokenUse)
			}
		})
	}
}

// nixKey writes an attribute name the way the printer does (quoted unless
// it is a plain identifier).
func nixKey(s string) string {
	if regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_'-]*$`).MatchString(s) {
		return s
	}
	return `"` + s + `"`
}

// pathLiterals returns the path literals of Nix source: it removes
// comments and strings, then takes every word that starts with ./, ../ or
// / (the generators write no division).
func pathLiterals(src string) []string {
	var b strings.Builder
	for i := 0; i < len(src); {
		switch {
		case src[i] == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case src[i] == '"':
			i++
			for i < len(src) && src[i] != '"' {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i++
			b.WriteString(`""`)
		case strings.HasPrefix(src[i:], "''"):
			i += 2
			for i < len(src) {
				if strings.HasPrefix(src[i:], "'''") || strings.HasPrefix(src[i:], "''$") || strings.HasPrefix(src[i:], `''\`) {
					i += 3
					continue
				}
				if strings.HasPrefix(src[i:], "''") {
					i += 2
					break
				}
				i++
			}
			b.WriteString(`""`)
		default:
			b.WriteByte(src[i])
			i++
		}
	}
	re := regexp.MustCompile(`(?:^|[\s\[(=])((?:\.\.?)?/[A-Za-z0-9._+\-/]*|[A-Za-z0-9._+\-]+/[A-Za-z0-9._+\-/]+)`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(b.String(), -1) {
		if m[1] != "/" && !strings.HasPrefix(m[1], "//") {
			out = append(out, m[1])
		}
	}
	return out
}
