package diagram

import (
	"strconv"
	"strings"
	"unicode"
)

// The Mermaid this package writes is a small part of the flowchart syntax
// (mermaid.js.org, "Flowcharts - Basic Syntax"): a "flowchart TB" header;
// nodes as ID plus a shape around a double-quoted label; "subgraph ID
// ["label"]" ... "end"; links "---" and "-.->"; classDef and class lines.
// internal/mermaidcheck parses exactly this, and the tests check every
// picture with it.

// shapes are the Mermaid shape of each kind of item: a stadium for the
// VIP, a hexagon for a server, a rectangle for a worker, rounded corners
// for a node outside Kubernetes.
var mermaidShapes = map[string][2]string{
	kindVIP:         {"([", "])"},
	"control-plane": {"{{", "}}"},
	"worker":        {"[", "]"},
	"standalone":    {"(", ")"},
	kindOffsite:     {"(", ")"},
}

// mermaidClasses style the marks and off-site nodes. GitHub's light and
// dark themes both keep these fills readable with the default text colour.
var mermaidClasses = []struct{ name, style string }{
	{"added", "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,color:#1f2328"},
	{"removed", "fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 3,color:#1f2328"},
	{"changed", "fill:#fff8c5,stroke:#9a6700,stroke-width:2px,color:#1f2328"},
	{"offsite", "stroke-dasharray:3 3"},
}

// Mermaid prints the picture as a Mermaid flowchart, without a Markdown
// fence.
func (p *Picture) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	writeMermaidItem(&b, "  ", p.vip)
	for _, bx := range p.boxes {
		b.WriteString("  subgraph " + bx.id + "[" + mermaidLabel([]string{bx.label}) + "]\n")
		for _, it := range bx.items {
			writeMermaidItem(&b, "    ", it)
		}
		b.WriteString("  end\n")
	}
	for _, it := range p.loose {
		writeMermaidItem(&b, "  ", it)
	}
	for _, it := range p.items() {
		switch it.kind {
		case "control-plane":
			b.WriteString("  " + p.vip.id + " --- " + it.id + "\n")
		case "worker":
			b.WriteString("  " + it.id + " -.-> " + p.vip.id + "\n")
		}
	}
	classes := map[string][]string{}
	all := append([]item{p.vip}, p.items()...)
	for _, it := range all {
		if it.kind == kindOffsite {
			classes["offsite"] = append(classes["offsite"], it.id)
		}
		if it.mark != Same {
			classes[it.mark.String()] = append(classes[it.mark.String()], it.id)
		}
	}
	for _, c := range mermaidClasses {
		if len(classes[c.name]) > 0 {
			b.WriteString("  classDef " + c.name + " " + c.style + "\n")
		}
	}
	for _, c := range mermaidClasses {
		if ids := classes[c.name]; len(ids) > 0 {
			b.WriteString("  class " + strings.Join(ids, ",") + " " + c.name + "\n")
		}
	}
	return b.String()
}

func writeMermaidItem(b *strings.Builder, indent string, it item) {
	shape := mermaidShapes[it.kind]
	b.WriteString(indent + it.id + shape[0] + mermaidLabel(it.lines) + shape[1] + "\n")
}

// mermaidLabel is a double-quoted label of lines joined by <br>. Inside
// the quotes, Mermaid reads "#<decimal>;" as the character with that code
// (mermaid.js.org, "Entity codes to escape characters"); every character
// but letters, digits, spaces and a few harmless marks is written so,
// which leaves no quote to end the label early, no "<" to start HTML
// (Mermaid renders labels as HTML), and no backtick to start a Markdown
// string or close the Markdown fence around the diagram.
func mermaidLabel(lines []string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, l := range lines {
		if i > 0 {
			b.WriteString("<br>")
		}
		b.WriteString(MermaidText(l))
	}
	b.WriteByte('"')
	return b.String()
}

// MermaidText escapes text for a quoted Mermaid label.
func MermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if mermaidPlain(r) {
			b.WriteRune(r)
		} else {
			b.WriteString("#" + strconv.Itoa(int(r)) + ";")
		}
	}
	return b.String()
}

// mermaidPlain: the characters a label carries as they are. A colon is not
// one: Mermaid rewrites a line holding "style", a colon and "#" before it
// parses (its encodeEntities, for style and classDef lines), which could
// spoil an escape in a label that says "style:"; hlcgen's own text (the
// VIP's address and port) is the only colon on label lines.
func mermaidPlain(r rune) bool {
	switch {
	case r < 0x80:
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" .,/_+=@()'-", r)
	default:
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}
}
