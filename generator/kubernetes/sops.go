package kubernetes

import (
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/generator"
	"github.com/hlcgen/hlcgen/model"
)

// SopsRule is one creation rule of .sops.yaml.
//
// Recipients are written as a single key group (`key_groups: [{age: [...]}]`)
// rather than as the comma-separated `age: "a,b"` string. Both are read by
// every sops release that supports age (getsops/sops config/config.go,
// getKeyGroupsFromCreationRule); the list puts one recipient per line, so a
// key added or removed is a one-line diff that a reviewer can check. A single
// group means every recipient can decrypt on its own: several groups would
// mean Shamir splitting, which hlcgen never wants.
type SopsRule struct {
	PathRegex      string         `json:"path_regex" yaml:"path_regex"`
	KeyGroups      []SopsKeyGroup `json:"key_groups" yaml:"key_groups"`
	EncryptedRegex string         `json:"encrypted_regex,omitempty" yaml:"encrypted_regex,omitempty"`
}

// SopsKeyGroup is one key group; hlcgen only uses age recipients.
type SopsKeyGroup struct {
	Age []string `json:"age" yaml:"age"`
}

type sopsConfig struct {
	CreationRules []SopsRule `json:"creation_rules" yaml:"creation_rules"`
}

// kubernetesSecretSelector makes sops encrypt only the values of a Kubernetes
// Secret, so kustomize and Flux can still read apiVersion, kind and metadata
// (fluxcd.io, "Manage Kubernetes secrets with SOPS"; sops allows one
// selector per rule).
const kubernetesSecretSelector = "^(data|stringData)$"

// SopsRules returns the creation rules of .sops.yaml, most specific first.
//
// sops tries the rules in order and the first match wins; path_regex is an
// unanchored Go regexp matched against the path relative to .sops.yaml
// (getsops/sops config/config.go, parseCreationRuleForFile), so every regex
// is anchored at both ends and every literal part is quoted. There is no
// catch-all: a file outside these rules is refused ("no matching creation
// rules found") instead of being encrypted for the wrong people.
//
// Each file has the audience of its secrets (model.SecretsFiles): admins
// always, and the nodes that use them.
func SopsRules(c *model.Cluster) []SopsRule {
	var rules []SopsRule
	for _, f := range c.SecretsFiles() {
		rules = append(rules, SopsRule{
			PathRegex: "^" + regexp.QuoteMeta(cleanRel(f.Path)) + "$",
			KeyGroups: []SopsKeyGroup{{Age: f.Recipients}},
		})
	}

	// Kubernetes Secrets in the Flux tree are decrypted in the cluster by
	// Flux, with the key hlcgen delivers as the sops-age Secret.
	if c.Flux != nil {
		rules = append(rules, SopsRule{
			PathRegex:      fluxSecretsRegex(c),
			KeyGroups:      []SopsKeyGroup{{Age: c.FluxRecipients()}},
			EncryptedRegex: kubernetesSecretSelector,
		})
	}
	return rules
}

// fluxSecretsRegex is the path_regex of the Kubernetes Secrets in the Flux
// tree: files named *.sops.yaml or *.sops.yml anywhere under flux.path.
func fluxSecretsRegex(c *model.Cluster) string {
	prefix := ""
	if p := cleanRel(c.Flux.Path); p != "." {
		prefix = regexp.QuoteMeta(p) + "/"
	}
	return "^" + prefix + `.*\.sops\.ya?ml$`
}

// cleanRel normalises a relative path from cluster.hcl ("./a/b/" -> "a/b").
func cleanRel(p string) string {
	return path.Clean(strings.TrimPrefix(p, "./"))
}

// renderSopsConfig marshals the rules with the YAML library, and hands the
// pipeline the same rules as JSON to check against sops's configuration
// schema (schema/sops.schema.json): a rule sops would reject is a bug in
// hlcgen, not in the user's spec.
func renderSopsConfig(c *model.Cluster, l generator.Layout) generator.File {
	cfg := sopsConfig{CreationRules: SopsRules(c)}
	// SopsRules' paths are relative to the spec's directory; sops matches
	// them relative to .sops.yaml's, the output directory. Every regex is
	// anchored with a leading ^.
	if dir := l.SpecFile("."); dir != "." {
		for i := range cfg.CreationRules {
			r := &cfg.CreationRules[i]
			r.PathRegex = "^" + regexp.QuoteMeta(dir+"/") + strings.TrimPrefix(r.PathRegex, "^")
		}
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		panic("kubernetes: .sops.yaml: " + err.Error())
	}

	// The header is constant text, so it is written as comment lines
	// before the document; every value goes through the YAML encoder.
	// (Attaching it as a yaml.Node comment would encode the rules twice,
	// which is a third of this generator's time on a large cluster.)
	var buf bytes.Buffer
	buf.WriteString("# " + generator.Header + "\n")
	buf.WriteString("# sops uses the first rule whose path_regex matches; there is deliberately no catch-all.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		panic("kubernetes: .sops.yaml: " + err.Error())
	}
	_ = enc.Close()
	return generator.File{Path: SopsConfigPath, Content: buf.Bytes(),
		Checks: []generator.Check{{Schema: "sops.schema.json", What: "the creation rules of .sops.yaml", JSON: doc}}}
}
