package generator

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/nix"
)

// YAML documents are built as yaml.Node trees and encoded by the YAML
// library, so every value from cluster.hcl is quoted as YAML needs.

// YAMLString is a string scalar; it stays a string whatever it looks like
// ("true", "8443", "0 */12 * * *").
func YAMLString(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// YAMLBool is a boolean scalar.
func YAMLBool(b bool) *yaml.Node {
	v := "false"
	if b {
		v = "true"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
}

// YAMLInt is an integer scalar.
func YAMLInt(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(i)}
}

// YAMLList is a sequence.
func YAMLList(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

// YAMLStrings is a sequence of strings.
func YAMLStrings(items []string) *yaml.Node {
	n := YAMLList()
	for _, s := range items {
		n.Content = append(n.Content, YAMLString(s))
	}
	return n
}

// YAMLMap is a mapping of key and value nodes, in the order given.
func YAMLMap(kv ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: kv} }

// EncodeYAML encodes a document with two-space indentation. Encoding a
// tree of scalars, sequences and mappings cannot fail.
func EncodeYAML(doc *yaml.Node) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic("generator: encoding YAML: " + err.Error())
	}
	_ = enc.Close()
	return buf.Bytes()
}

// SopsPlaceholder is a scalar that sops-nix fills with a secret at
// activation: put it in a YAML document given to SopsTemplate.
func SopsPlaceholder(secret string) *yaml.Node {
	// The key sits in a literal block scalar (`|-`): a trailing newline in
	// the stored value is stripped, and a value of several lines (a whole
	// key file with its comments) breaks the YAML loudly instead of being
	// folded into one line that silently means something else, as it
	// would in a quoted string.
	n := YAMLString(placeholderToken + secret + placeholderToken)
	n.Style = yaml.LiteralStyle
	return n
}

const placeholderToken = "HLCGEN-SOPS-PLACEHOLDER"

// SopsTemplate returns the Nix expression for the content of a sops-nix
// template (sops.templates.<name>.content) that renders doc, with each
// SopsPlaceholder replaced by config.sops.placeholder.<secret>. The secret
// never enters the Nix store: the store holds the text around the
// placeholders, and sops-nix writes the file at activation.
func SopsTemplate(doc *yaml.Node) nix.Expr {
	text := string(EncodeYAML(doc))
	var parts []nix.Expr
	for {
		i := strings.Index(text, placeholderToken)
		if i < 0 {
			break
		}
		j := strings.Index(text[i+len(placeholderToken):], placeholderToken)
		if j < 0 {
			panic("generator: unbalanced sops placeholder")
		}
		secret := text[i+len(placeholderToken) : i+len(placeholderToken)+j]
		head := text[:i]
		// The placeholder is alone on its line (a block scalar): keep
		// the lines before it readable and its indentation apart.
		nl := strings.LastIndex(head, "\n")
		if lines := head[:nl+1]; lines != "" {
			parts = append(parts, nix.MultilineString(lines))
		}
		if indent := head[nl+1:]; indent != "" {
			parts = append(parts, nix.String(indent))
		}
		parts = append(parts, nix.Select(nix.Var("config"), "sops", "placeholder", secret))
		text = text[i+2*len(placeholderToken)+j:]
	}
	if text != "" {
		parts = append(parts, nix.MultilineString(text))
	}
	return nix.Apply(nix.Select(nix.Var("builtins"), "concatStringsSep"), nix.String(""), nix.List(parts...))
}
