// Package diagram draws a cluster: the API VIP, the control-plane nodes
// behind it, the workers that join through it, and the standalone and
// off-site nodes, in boxes by their groups. It prints the picture as a
// Mermaid flowchart (which GitHub renders in Markdown) or as Graphviz DOT.
//
// A picture may mark what a change does: nodes added, removed or changed,
// and a VIP that moved. Removed nodes are drawn from the old model, where
// they were. The picture is bounded: past MaxNodes nodes, each box shows
// how many nodes of each role it holds instead of the nodes, and past
// MaxNodes of those, the boxes go and one count per role stays.
//
// Everything a user wrote (group names, descriptions) is escaped for the
// output's syntax, so no spec can break the diagram or put markup in it.
package diagram

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hlcgen/hlcgen/model"
)

// MaxNodes is the most nodes a picture draws one by one; and, past it, the
// most counts it draws per role and box.
const MaxNodes = 60

// maxDescription is the most characters of a group's description a box
// label shows.
const maxDescription = 40

// Mark says what a change does to a node or to the VIP.
type Mark int

const (
	Same Mark = iota
	Added
	Removed
	Changed
)

func (m Mark) String() string {
	switch m {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Changed:
		return "changed"
	}
	return ""
}

// Marks are what a change does, for a picture of it.
type Marks struct {
	// Nodes marks nodes by name: a removed node by its old name, a
	// renamed one by its new name.
	Nodes map[string]Mark
	// RenamedFrom holds the old name of each renamed node.
	RenamedFrom map[string]string
	// VIP marks the API address or port moving.
	VIP Mark
}

// Picture is a cluster ready to print.
type Picture struct {
	vip   item
	boxes []box
	// loose are the items in no box: nodes without groups, or every
	// count once the boxes are gone.
	loose []item
}

type box struct {
	id, label string
	items     []item
}

// item is one shape: a node, the VIP, or a count of nodes.
type item struct {
	id    string
	lines []string
	// kind is the node's role, "off-site" for an off-site node, or "vip".
	kind string
	mark Mark
}

// Kinds of items besides the roles.
const (
	kindOffsite = "off-site"
	kindVIP     = "vip"
)

// drawn is a node as the picture places it.
type drawn struct {
	name   string
	node   model.Node
	groups string // the box key: the node's groups, sorted, joined by ", "
	mark   Mark
	from   string
}

// Of is the picture of one cluster, with no change marked.
func Of(c *model.Cluster) *Picture { return New(nil, c, Marks{}) }

// New is the picture of new with the marks of a change from old (nil for
// none): the nodes of new, and the removed ones of old.
func New(old, new *model.Cluster, marks Marks) *Picture {
	var nodes []drawn
	for _, name := range model.SortedKeys(new.Nodes) {
		nodes = append(nodes, drawn{name: name, node: new.Nodes[name], mark: marks.Nodes[name], from: marks.RenamedFrom[name]})
	}
	if old != nil {
		for _, name := range model.SortedKeys(old.Nodes) {
			if _, kept := new.Nodes[name]; !kept && marks.Nodes[name] == Removed {
				nodes = append(nodes, drawn{name: name, node: old.Nodes[name], mark: Removed})
			}
		}
		slices.SortFunc(nodes, func(a, b drawn) int { return strings.Compare(a.name, b.name) })
	}
	for i := range nodes {
		gs := slices.Clone(nodes[i].node.Groups)
		slices.Sort(gs)
		nodes[i].groups = strings.Join(slices.Compact(gs), ", ")
	}

	p := &Picture{vip: vipItem(old, new, marks.VIP)}
	groupBlocks := new.Groups
	switch {
	case len(nodes) <= MaxNodes:
		p.place(nodes, groupBlocks, func(d drawn) item { return nodeItem(d) }, false)
	default:
		p.place(nodes, groupBlocks, nil, true)
		if p.count() > MaxNodes {
			p.boxes = nil
			p.loose = counts(nodes, "all", true)
		}
	}
	return p
}

// place puts the nodes in boxes by their groups: one item per node, or,
// with summarise, one count per role and box.
func (p *Picture) place(nodes []drawn, groups map[string]model.Group, one func(drawn) item, summarise bool) {
	byBox := map[string][]drawn{}
	for _, d := range nodes {
		byBox[d.groups] = append(byBox[d.groups], d)
	}
	boxes := 0
	for _, key := range boxKeys(nodes) {
		members := byBox[key]
		id := "loose"
		if key != "" {
			boxes++
			id = "g" + strconv.Itoa(boxes)
		}
		var items []item
		if summarise {
			items = counts(members, id, false)
		} else {
			for _, d := range members {
				items = append(items, one(d))
			}
		}
		if key == "" {
			p.loose = append(p.loose, items...)
			continue
		}
		p.boxes = append(p.boxes, box{id: id, label: boxLabel(key, groups), items: items})
	}
}

// boxKeys are the nodes' group sets, sorted, "" (no group) first.
func boxKeys(nodes []drawn) []string {
	var keys []string
	for _, d := range nodes {
		keys = append(keys, d.groups)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (p *Picture) count() int {
	n := len(p.loose)
	for _, b := range p.boxes {
		n += len(b.items)
	}
	return n
}

// boxLabel names a box by its groups, each with the start of its
// description when it has one.
func boxLabel(key string, groups map[string]model.Group) string {
	var parts []string
	for _, g := range strings.Split(key, ", ") {
		if d := groups[g].Description; d != "" {
			g += " (" + truncate(d, maxDescription) + ")"
		}
		parts = append(parts, g)
	}
	return strings.Join(parts, ", ")
}

// truncate cuts s to at most n characters, at a space when there is one
// in the second half, and marks the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

func vipItem(old, new *model.Cluster, mark Mark) item {
	at := apiAddress(new)
	if mark == Changed && old != nil && apiAddress(old) != at {
		at = apiAddress(old) + " → " + at
	}
	it := item{id: "vip", lines: []string{"API VIP", at}, kind: kindVIP, mark: mark}
	if mark != Same {
		it.lines = append(it.lines, mark.String())
	}
	return it
}

func apiAddress(c *model.Cluster) string {
	return netip.AddrPortFrom(c.Network.APIVIP, uint16(c.Network.APIPort)).String()
}

// nodeItem is a node: its name, its role and address, and what changed.
func nodeItem(d drawn) item {
	n := d.node
	about := n.Role
	if n.Address.IsValid() {
		about += ", " + n.Address.String()
	}
	it := item{id: "n_" + strings.ReplaceAll(d.name, "-", "_"), lines: []string{d.name, about}, kind: kind(n), mark: d.mark}
	if n.Offsite {
		it.lines = append(it.lines, "off site")
	}
	switch {
	case d.from != "":
		it.lines = append(it.lines, "renamed from "+d.from)
	case d.mark != Same:
		it.lines = append(it.lines, d.mark.String())
	}
	return it
}

func kind(n model.Node) string {
	if n.Offsite {
		return kindOffsite
	}
	return n.Role
}

// roleOrder is the order of the counts in a box.
var roleOrder = []string{model.RoleControlPlane, model.RoleWorker, model.RoleStandalone, kindOffsite}

// counts summarises nodes per role: "17 workers", with how many of them a
// change added, removed or changed, and, withGroups, in how many groups
// they are.
func counts(nodes []drawn, prefix string, withGroups bool) []item {
	var out []item
	for _, k := range roleOrder {
		var n int
		marks := map[Mark]int{}
		groups := map[string]bool{}
		for _, d := range nodes {
			if kind(d.node) == k {
				n++
				marks[d.mark]++
				for _, g := range d.node.Groups {
					groups[g] = true
				}
			}
		}
		if n == 0 {
			continue
		}
		lines := []string{nodesOf(n, k)}
		if withGroups && len(groups) > 0 {
			lines = append(lines, "in "+plural(len(groups), "group", "groups"))
		}
		var changed []string
		mark := Same
		for _, m := range []Mark{Added, Removed, Changed} {
			if marks[m] > 0 {
				changed = append(changed, strconv.Itoa(marks[m])+" "+m.String())
				mark = Changed
			}
		}
		if marks[Added] == n {
			mark = Added
		} else if marks[Removed] == n {
			mark = Removed
		}
		if len(changed) > 0 {
			lines = append(lines, strings.Join(changed, ", "))
		}
		out = append(out, item{id: "s_" + prefix + "_" + strings.ReplaceAll(k, "-", "_"), lines: lines, kind: k, mark: mark})
	}
	return out
}

func nodesOf(n int, k string) string {
	switch k {
	case model.RoleControlPlane:
		return plural(n, "control-plane node", "control-plane nodes")
	case model.RoleWorker:
		return plural(n, "worker", "workers")
	case model.RoleStandalone:
		return plural(n, "standalone node", "standalone nodes")
	}
	return plural(n, "off-site node", "off-site nodes")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// items returns every item but the VIP, boxes first, in order.
func (p *Picture) items() []item {
	var out []item
	for _, b := range p.boxes {
		out = append(out, b.items...)
	}
	return append(out, p.loose...)
}
