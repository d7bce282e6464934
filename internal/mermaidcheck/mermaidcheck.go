// Package mermaidcheck parses the part of Mermaid's flowchart syntax that
// package diagram writes, strictly, for tests: a picture that passes it is
// well formed, every label is quoted and escaped, every link and class
// names a declared node, and subgraphs are balanced. It accepts nothing
// outside that part, even where Mermaid would, so a change to the writer
// that leaves it fails the tests until the checker learns the new syntax
// (from mermaid.js.org, "Flowcharts - Basic Syntax").
package mermaidcheck

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// shapes are the node shapes accepted, opening and closing (rectangle,
// rounded, stadium, subroutine, cylinder, circle, hexagon).
var shapes = [][2]string{
	{"([", "])"}, {"[[", "]]"}, {"[(", ")]"}, {"((", "))"}, {"{{", "}}"},
	{"[", "]"}, {"(", ")"},
}

// links are the links accepted: open, arrow, dotted arrow, dotted open,
// thick arrow.
var links = map[string]bool{"---": true, "-->": true, "-.->": true, "-.-": true, "==>": true}

// reserved are words Mermaid's flowchart grammar reads as keywords, which
// cannot be node IDs.
var reserved = map[string]bool{
	"end": true, "subgraph": true, "graph": true, "flowchart": true, "class": true, "classDef": true,
	"click": true, "style": true, "linkStyle": true, "direction": true, "call": true, "href": true, "default": true,
}

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	stylePattern = regexp.MustCompile(`^[a-z-]+:[#A-Za-z0-9. %-]+$`)
)

// Check parses one flowchart and returns the first problem, with its line.
func Check(src string) error {
	c := &checker{nodes: map[string]bool{}, subgraphs: map[string]bool{}, classes: map[string]bool{}}
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if len(lines) == 0 || !regexp.MustCompile(`^flowchart (TB|TD|BT|LR|RL)$`).MatchString(lines[0]) {
		return fmt.Errorf("line 1: want a header such as \"flowchart TB\", got %q", first(lines))
	}
	for i, l := range lines[1:] {
		c.line = i + 2
		if err := c.statement(strings.TrimLeft(l, " ")); err != nil {
			return fmt.Errorf("line %d: %v: %q", i+2, err, l)
		}
	}
	if c.depth > 0 {
		return fmt.Errorf("%d subgraph(s) not closed with end", c.depth)
	}
	for _, l := range c.pending {
		if !c.nodes[l.id] {
			return fmt.Errorf("line %d: %s is not a declared node", l.line, l.id)
		}
	}
	return nil
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

type checker struct {
	nodes, subgraphs, classes map[string]bool
	depth                     int
	pending                   []ref
	line                      int
}

// ref is a node ID a link names, checked once every node is declared.
type ref struct {
	id   string
	line int
}

func (c *checker) statement(s string) error {
	switch {
	case s == "":
		return nil
	case s == "end":
		if c.depth == 0 {
			return fmt.Errorf("end without subgraph")
		}
		c.depth--
		return nil
	case strings.HasPrefix(s, "subgraph "):
		rest := strings.TrimPrefix(s, "subgraph ")
		id, label, ok := strings.Cut(rest, "[")
		if !ok || !strings.HasSuffix(label, "]") {
			return fmt.Errorf("want subgraph ID[\"label\"]")
		}
		if err := c.declare(id, c.subgraphs); err != nil {
			return err
		}
		if err := checkLabel(strings.TrimSuffix(label, "]")); err != nil {
			return err
		}
		c.depth++
		return nil
	case strings.HasPrefix(s, "classDef "):
		f := strings.SplitN(strings.TrimPrefix(s, "classDef "), " ", 2)
		if len(f) != 2 || !idPattern.MatchString(f[0]) {
			return fmt.Errorf("want classDef NAME STYLES")
		}
		for _, st := range strings.Split(f[1], ",") {
			if !stylePattern.MatchString(st) {
				return fmt.Errorf("bad style %q", st)
			}
		}
		c.classes[f[0]] = true
		return nil
	case strings.HasPrefix(s, "class "):
		f := strings.Split(strings.TrimPrefix(s, "class "), " ")
		if len(f) != 2 {
			return fmt.Errorf("want class ID,ID NAME")
		}
		if !c.classes[f[1]] {
			return fmt.Errorf("class %q has no classDef before it", f[1])
		}
		for _, id := range strings.Split(f[0], ",") {
			if !c.nodes[id] {
				return fmt.Errorf("%s is not a declared node", id)
			}
		}
		return nil
	}
	if f := strings.Split(s, " "); len(f) == 3 && links[f[1]] {
		for _, id := range []string{f[0], f[2]} {
			if !idPattern.MatchString(id) || reserved[id] {
				return fmt.Errorf("bad node ID %q", id)
			}
			c.pending = append(c.pending, ref{id, c.line})
		}
		return nil
	}
	return c.node(s)
}

// node is ID, a shape's opening, a quoted label and the closing.
func (c *checker) node(s string) error {
	i := strings.IndexAny(s, "[({")
	if i < 0 {
		return fmt.Errorf("not a node, link, subgraph, class or classDef")
	}
	id, rest := s[:i], s[i:]
	for _, sh := range shapes {
		if strings.HasPrefix(rest, sh[0]) && strings.HasSuffix(rest, sh[1]) && len(rest) >= len(sh[0])+len(sh[1]) {
			label := rest[len(sh[0]) : len(rest)-len(sh[1])]
			if !strings.HasPrefix(label, `"`) {
				continue
			}
			if err := c.declare(id, c.nodes); err != nil {
				return err
			}
			return checkLabel(label)
		}
	}
	return fmt.Errorf("not a node with a quoted label in a known shape")
}

func (c *checker) declare(id string, in map[string]bool) error {
	if !idPattern.MatchString(id) || reserved[id] {
		return fmt.Errorf("bad ID %q", id)
	}
	if c.nodes[id] || c.subgraphs[id] {
		return fmt.Errorf("%s is declared twice", id)
	}
	in[id] = true
	return nil
}

// checkLabel accepts "..." holding letters, digits, spaces, the marks
// " .,/_+=@()'-", <br> line breaks and #<decimal>; escapes of valid
// characters, and nothing else: no raw quote, no HTML, no backtick, no
// colon (see diagram.mermaidPlain).
func checkLabel(q string) error {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return fmt.Errorf("label is not one double-quoted string")
	}
	s := q[1 : len(q)-1]
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "<br>"):
			s = s[len("<br>"):]
		case s[0] == '#':
			end := strings.IndexByte(s, ';')
			if end < 2 {
				return fmt.Errorf("# that starts no entity")
			}
			n, err := strconv.Atoi(s[1:end])
			if err != nil || n <= 0 || n > unicode.MaxRune || n >= 0xD800 && n <= 0xDFFF || strings.HasPrefix(s[1:end], "+") {
				return fmt.Errorf("bad entity %q", s[:end+1])
			}
			s = s[end+1:]
		default:
			r, size := utf8.DecodeRuneInString(s)
			if r == utf8.RuneError || !plain(r) {
				return fmt.Errorf("character %q must be escaped", r)
			}
			s = s[size:]
		}
	}
	return nil
}

func plain(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" .,/_+=@()'-", r)
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Blocks returns the bodies of the ```mermaid fenced blocks of a Markdown
// document; an unclosed one is an error.
func Blocks(md string) ([]string, error) {
	var out []string
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		ticks := len(l) - len(strings.TrimLeft(l, "`"))
		if ticks < 3 || strings.TrimSpace(l[ticks:]) != "mermaid" {
			continue
		}
		fence := l[:ticks]
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			if t := strings.TrimRight(lines[i], " "); strings.HasPrefix(t, fence) && strings.Trim(t, "`") == "" {
				closed = true
				break
			}
			body = append(body, lines[i])
		}
		if !closed {
			return nil, fmt.Errorf("a ```mermaid block is not closed")
		}
		out = append(out, strings.Join(body, "\n")+"\n")
	}
	return out, nil
}
