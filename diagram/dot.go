package diagram

import (
	"strings"
	"unicode"
)

// dotShapes are the Graphviz shape of each kind of item, matching the
// Mermaid ones (graphviz.org, "Node Shapes").
var dotShapes = map[string]string{
	kindVIP:         "oval",
	"control-plane": "hexagon",
	"worker":        "box",
	"standalone":    "box",
	kindOffsite:     "box",
}

// dotFills colour the marks, as the Mermaid classes do.
var dotFills = map[Mark]string{
	Added:   `style=filled, fillcolor="#dafbe1", color="#1a7f37"`,
	Removed: `style="filled,dashed", fillcolor="#ffebe9", color="#cf222e"`,
	Changed: `style=filled, fillcolor="#fff8c5", color="#9a6700"`,
}

// DOT prints the picture as a Graphviz digraph, each box a cluster
// subgraph.
func (p *Picture) DOT() string {
	var b strings.Builder
	b.WriteString("digraph cluster {\n")
	b.WriteString("  rankdir=TB;\n")
	b.WriteString("  node [fontname=\"sans-serif\", fontsize=11];\n")
	writeDOTItem(&b, "  ", p.vip)
	for _, bx := range p.boxes {
		b.WriteString("  subgraph cluster_" + bx.id + " {\n")
		b.WriteString("    label=" + dotString(bx.label) + ";\n")
		for _, it := range bx.items {
			writeDOTItem(&b, "    ", it)
		}
		b.WriteString("  }\n")
	}
	for _, it := range p.loose {
		writeDOTItem(&b, "  ", it)
	}
	for _, it := range p.items() {
		switch it.kind {
		case "control-plane":
			b.WriteString("  " + p.vip.id + " -> " + it.id + " [dir=none];\n")
		case "worker":
			b.WriteString("  " + it.id + " -> " + p.vip.id + " [style=dashed];\n")
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func writeDOTItem(b *strings.Builder, indent string, it item) {
	attrs := []string{"label=" + dotString(strings.Join(it.lines, "\n")), "shape=" + dotShapes[it.kind]}
	switch {
	case it.mark != Same:
		attrs = append(attrs, dotFills[it.mark])
	case it.kind == kindOffsite || it.kind == "standalone":
		attrs = append(attrs, `style=rounded`)
	}
	if it.kind == kindOffsite && it.mark == Same {
		attrs[len(attrs)-1] = `style="rounded,dashed"`
	}
	b.WriteString(indent + it.id + " [" + strings.Join(attrs, ", ") + "];\n")
}

// dotString is s as a DOT double-quoted string. In one, a backslash starts
// an escape (\n, \l, and Graphviz's \N, \G for names) and a double quote
// ends it (graphviz.org, "The DOT Language", and "escString"); both are
// escaped, line breaks become \n, and other control characters are
// dropped. "&" becomes "&amp;", since Graphviz reads entities in labels.
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '&':
			b.WriteString("&amp;")
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
