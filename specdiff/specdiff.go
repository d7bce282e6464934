// Package specdiff compares two validated cluster models and says what the
// change means for the homelab: nodes added or removed, a node's address or
// role changed, the API VIP moved, a version bumped, a Helm app added, and
// so on. It is what a reviewer reads before the diff of the generated files.
//
// The comparison walks the model by reflection, naming everything as
// cluster.hcl does (the model's JSON names are the spec's attribute names),
// so a setting added to the model is reported without changes here. The
// order is deterministic: nodes first (they are what a change most often
// touches, and what is deployed), then the singleton blocks in the spec's
// order, then the other named blocks; settings in declaration order; named
// blocks and map keys sorted by name.
package specdiff

import (
	"encoding"
	"fmt"
	"net/netip"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/hlcgen/hlcgen/model"
)

// Kind says what happened to a block or a setting.
type Kind int

const (
	Modified Kind = iota
	Added
	Removed
	// Renamed is a node that left under one name and came back under
	// another with the same role and address (or age key): a rename, not
	// a new machine.
	Renamed
)

func (k Kind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Renamed:
		return "renamed"
	}
	return "modified"
}

// Change is one difference between two specs.
type Change struct {
	Kind Kind
	// Block is the block type as cluster.hcl writes it, such as "network",
	// "node" or "ceph block_pool" for a block nested in ceph.
	Block string
	// Name is the block's label ("cp1"); empty for a singleton block.
	Name string
	// Setting is the changed setting, such as "address",
	// `labels["topology.kubernetes.io/zone"]` or "values.persistence.size".
	// It is empty when the whole block was added or removed.
	Setting string
	// Old and New are the setting's values in HCL syntax; Old is empty when
	// Kind is Added, New when it is Removed. Both are empty when the change
	// is given as Plus and Minus instead.
	Old, New string
	// Plus and Minus are the elements added to and removed from a list
	// setting whose other elements kept their order.
	Plus, Minus []string
	// About briefly describes a block that was added, removed or renamed,
	// such as its role and address for a node.
	About []Fact
	// OldName is a renamed block's name before; Name is its new one.
	OldName string

	// Care says why the change needs care before it is deployed, and
	// what to do; it is empty for a safe change. See care.go.
	Care Prose
	// Follows are the changes that come with this one and are shown
	// under it: a deploy_host that is the node's address and moved with
	// it, the bootstrap server that moved because this server went, the
	// settings a renamed node changed.
	Follows []Change
	// Files are the generated files this change alters on its own, by
	// path, sorted; nil when that is not known (Report.Compare).
	Files []string

	// at are the paths in the model that this change replaces: applied
	// to the old model, with Follows' paths, they give the model with
	// this change alone. None for a change computed from others (the
	// bootstrap server).
	at []path
}

// Fact is one item of a block's description: a value, with what it is
// when the value alone would not say ("chart", "namespace").
type Fact struct {
	Label, Value string
}

func (f Fact) text(value func(string) string) string {
	if f.Label == "" {
		return value(f.Value)
	}
	return f.Label + " " + value(f.Value)
}

func plain(s string) string { return s }

// Subject names what changed: `node "cp1"`, `network`.
func (c Change) Subject() string {
	if c.Name == "" {
		return c.Block
	}
	return c.Block + " " + strconv.Quote(c.Name)
}

// String describes the change in one line of plain text.
func (c Change) String() string {
	var b strings.Builder
	if c.Kind == Renamed {
		fmt.Fprintf(&b, "%s %s renamed to %s", c.Block, strconv.Quote(c.OldName), strconv.Quote(c.Name))
		c.writeAbout(&b, plain)
		return b.String()
	}
	b.WriteString(c.Subject())
	if c.Setting == "" {
		fmt.Fprintf(&b, " %s", c.Kind)
		c.writeAbout(&b, plain)
		return b.String()
	}
	fmt.Fprintf(&b, ": %s", c.Setting)
	c.writeValues(&b, plain)
	return b.String()
}

// Markdown describes the change in one line of Markdown, with names and
// values as code spans; a value longer than maxValue bytes is cut, with
// its size said.
func (c Change) Markdown() string {
	var b strings.Builder
	if c.Kind == Renamed {
		fmt.Fprintf(&b, "%s %s renamed to %s", c.Block, shortCode(c.OldName), shortCode(c.Name))
		c.writeAbout(&b, shortCode)
		return b.String()
	}
	b.WriteString(c.Block)
	if c.Name != "" {
		b.WriteString(" " + shortCode(c.Name))
	}
	if c.Setting == "" {
		fmt.Fprintf(&b, " %s", c.Kind)
		c.writeAbout(&b, shortCode)
		return b.String()
	}
	fmt.Fprintf(&b, ": %s", shortCode(c.Setting))
	c.writeValues(&b, shortCode)
	return b.String()
}

func (c Change) writeAbout(b *strings.Builder, value func(string) string) {
	for i, f := range c.About {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(f.text(value))
	}
}

func (c Change) writeValues(b *strings.Builder, value func(string) string) {
	switch {
	case len(c.Plus) > 0 || len(c.Minus) > 0:
		sep := " "
		if len(c.Plus) > 0 {
			fmt.Fprintf(b, "%sadded %s", sep, joinValues(c.Plus, value))
			sep = "; "
		}
		if len(c.Minus) > 0 {
			fmt.Fprintf(b, "%sremoved %s", sep, joinValues(c.Minus, value))
		}
	case c.Kind == Added:
		fmt.Fprintf(b, " added: %s", value(c.New))
	case c.Kind == Removed:
		fmt.Fprintf(b, " removed (was %s)", value(c.Old))
	default:
		fmt.Fprintf(b, " %s → %s", value(c.Old), value(c.New))
	}
}

func joinValues(vs []string, value func(string) string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = value(v)
	}
	return strings.Join(out, ", ")
}

// Compare returns what changed from old to new, in a deterministic order.
// old may be nil, for a spec that did not exist (or was not valid) before:
// then every block of new is reported as added. Both models must come from
// validation, so that defaults are filled in on both sides and a default
// written out is no change.
func Compare(old, new *model.Cluster) []Change {
	if old == nil {
		old = &model.Cluster{}
	}
	if new == nil {
		new = &model.Cluster{}
	}
	w := &walker{}
	ov, nv := reflect.ValueOf(old).Elem(), reflect.ValueOf(new).Elem()
	fields := topLevelOrder(ov.Type())
	for _, i := range fields {
		f := ov.Type().Field(i)
		w.topLevel(jsonName(f), path{}.field(i), ov.Field(i), nv.Field(i))
		if jsonName(f) == "nodes" {
			w.servers(old, new)
		}
	}
	out := nestFollows(old, new, w.out)
	classify(old, new, out)
	return out
}

// topLevelOrder returns the Cluster's field indexes with nodes first.
func topLevelOrder(t reflect.Type) []int {
	var nodes []int
	var rest []int
	for i := 0; i < t.NumField(); i++ {
		if !t.Field(i).IsExported() || jsonName(t.Field(i)) == "" {
			continue
		}
		if jsonName(t.Field(i)) == "nodes" {
			nodes = append(nodes, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(nodes, rest...)
}

type walker struct {
	out []Change
}

func (w *walker) add(c Change) { w.out = append(w.out, c) }

// topLevel compares one field of Cluster: a block, an optional block, or a
// collection of named blocks.
func (w *walker) topLevel(name string, at path, ov, nv reflect.Value) {
	switch {
	case isCollection(ov.Type()):
		w.collection(singular(name), at, ov, nv)
	case isBlock(ov.Type()):
		w.block(name, "", at, present(ov), present(nv))
	default:
		// A top-level attribute rather than a block: none today.
		w.setting("spec", "", name, at, ov, nv)
	}
}

// present returns v, dereferenced, or the zero Value when v is a nil
// pointer (an optional block that is absent). A zero struct (the model of a
// spec that did not exist) is absent too.
func present(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct && v.IsZero() {
		return reflect.Value{}
	}
	return v
}

// collection compares a map of named blocks, such as nodes. A renamed node
// is one change, at the place of its old name.
func (w *walker) collection(block string, at path, ov, nv reflect.Value) {
	var renamed map[string]string
	if block == "node" {
		renamed = renames(ov, nv)
	}
	newNames := map[string]bool{}
	for _, to := range renamed {
		newNames[to] = true
	}
	for _, key := range unionKeys(ov, nv) {
		switch to, ok := renamed[key]; {
		case ok:
			w.rename(block, key, to, at, mapIndex(ov, key), mapIndex(nv, to))
		case !newNames[key]:
			w.block(block, key, at.key(key), mapIndex(ov, key), mapIndex(nv, key))
		}
	}
}

// renames pairs the nodes only in old with those only in new that have the
// same role and the same address, or, for nodes without one, the same age
// key: the same machine under another name. Names are paired in order.
func renames(ov, nv reflect.Value) map[string]string {
	var gone, came []string
	for _, key := range unionKeys(ov, nv) {
		switch o, n := mapIndex(ov, key), mapIndex(nv, key); {
		case o.IsValid() && !n.IsValid():
			gone = append(gone, key)
		case !o.IsValid() && n.IsValid():
			came = append(came, key)
		}
	}
	out := map[string]string{}
	taken := map[string]bool{}
	for _, g := range gone {
		o := mapIndex(ov, g).Interface().(model.Node)
		for _, c := range came {
			n := mapIndex(nv, c).Interface().(model.Node)
			same := o.Address.IsValid() && o.Address == n.Address ||
				!o.Address.IsValid() && !n.Address.IsValid() && o.AgeKey != "" && o.AgeKey == n.AgeKey
			if !taken[c] && o.Role == n.Role && same {
				out[g], taken[c] = c, true
				break
			}
		}
	}
	return out
}

// rename reports a renamed block, with the settings that differ between
// its old and new self under it.
func (w *walker) rename(block, from, to string, at path, ov, nv reflect.Value) {
	settings := &walker{}
	settings.block(block, to, at.key(to), ov, nv)
	w.add(Change{Kind: Renamed, Block: block, Name: to, OldName: from, About: about(nv),
		Follows: settings.out, at: []path{at.key(from), at.key(to)}})
}

// block compares one block; either side may be absent (zero Value).
func (w *walker) block(block, name string, at path, ov, nv reflect.Value) {
	switch {
	case !ov.IsValid() && !nv.IsValid():
	case !ov.IsValid():
		w.add(Change{Kind: Added, Block: block, Name: name, About: about(nv), at: []path{at}})
	case !nv.IsValid():
		w.add(Change{Kind: Removed, Block: block, Name: name, About: about(ov), at: []path{at}})
	default:
		t := ov.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			attr := jsonName(f)
			if !f.IsExported() || attr == "" {
				continue
			}
			fo, fn, fat := ov.Field(i), nv.Field(i), at.field(i)
			switch {
			case name != "":
				// Inside a named block (a node's kubelet or its
				// ceph_osd blocks): settings of that block, so the
				// change names it.
				w.setting(block, name, attr, fat, fo, fn)
			case isCollection(f.Type):
				w.collection(block+" "+singular(attr), fat, fo, fn)
			case isBlock(f.Type):
				w.block(block+" "+attr, "", fat, present(fo), present(fn))
			default:
				w.setting(block, name, attr, fat, fo, fn)
			}
		}
	}
}

// setting compares the values of one setting, descending into maps so that
// a change deep in Helm values names its path.
func (w *walker) setting(block, name, setting string, at path, ov, nv reflect.Value) {
	ov, nv = concrete(deref(ov)), concrete(deref(nv))
	if isStruct(ov) || isStruct(nv) {
		switch {
		case !ov.IsValid():
			w.add(Change{Kind: Added, Block: block, Name: name, Setting: setting, New: Format(nv), at: []path{at}})
		case !nv.IsValid():
			w.add(Change{Kind: Removed, Block: block, Name: name, Setting: setting, Old: Format(ov), at: []path{at}})
		default:
			for i := 0; i < ov.NumField(); i++ {
				if f := ov.Type().Field(i); f.IsExported() && jsonName(f) != "" {
					w.setting(block, name, setting+"."+jsonName(f), at.field(i), ov.Field(i), nv.Field(i))
				}
			}
		}
		return
	}
	if (isMap(ov) || isMap(nv)) && (isMap(ov) || !ov.IsValid()) && (isMap(nv) || !nv.IsValid()) {
		for _, key := range unionKeys(ov, nv) {
			w.setting(block, name, setting+keyPath(key), at.key(key), mapIndex(ov, key), mapIndex(nv, key))
		}
		return
	}
	oldText, newText := Format(ov), Format(nv)
	oldAbsent, newAbsent := isAbsent(ov), isAbsent(nv)
	c := Change{Block: block, Name: name, Setting: setting, at: []path{at}}
	switch {
	case oldAbsent && newAbsent:
		return
	case (isList(ov) || isList(nv)) && (isList(ov) || oldAbsent) && (isList(nv) || newAbsent):
		if oldText == newText {
			return
		}
		if plus, minus, ok := listDelta(ov, nv); ok {
			c.Plus, c.Minus = plus, minus
		} else {
			c.Old, c.New = oldText, newText
		}
	case oldAbsent:
		c.Kind, c.New = Added, newText
	case newAbsent:
		c.Kind, c.Old = Removed, oldText
	case oldText == newText:
		return
	default:
		c.Old, c.New = oldText, newText
	}
	w.add(c)
}

// Settings computed from the nodes, which Compare reports because they
// follow from node changes and are easy to miss.
const (
	// BootstrapSetting is etcd's bootstrap server: the first control-plane
	// node by name, unless one sets cluster_init.
	BootstrapSetting = "bootstrap node (cluster_init)"
	// ServerCountSetting is the number of control-plane nodes, which is
	// etcd's number of members.
	ServerCountSetting = "control-plane nodes"
)

// servers reports a move of etcd's bootstrap server and a change in the
// number of servers, when the spec had servers before.
func (w *walker) servers(old, new *model.Cluster) {
	ob, nb := old.BootstrapNode(), new.BootstrapNode()
	if ob != "" && nb != "" && ob != nb {
		w.add(Change{Block: "kubernetes", Setting: BootstrapSetting, Old: strconv.Quote(ob), New: strconv.Quote(nb)})
	}
	on, nn := len(old.ControlPlaneNodes()), len(new.ControlPlaneNodes())
	if on > 0 && nn > 0 && on != nn {
		w.add(Change{Block: "kubernetes", Setting: ServerCountSetting, Old: strconv.Itoa(on), New: strconv.Itoa(nn)})
	}
}

// about returns a short description of a block, for the line saying it was
// added or removed.
func about(v reflect.Value) []Fact {
	switch b := v.Interface().(type) {
	case model.Node:
		out := []Fact{{"", b.Role}, {"", b.Address.String()}}
		if b.System != "" && b.System != "x86_64-linux" {
			out = append(out, Fact{"", b.System})
		}
		return out
	case model.HelmRelease:
		return []Fact{{"chart", b.Chart}, {"version", b.Version}, {"namespace", b.Namespace}}
	case model.User:
		out := []Fact{}
		if b.Admin {
			out = append(out, Fact{"", "admin"})
		}
		return append(out, Fact{"", plural(len(b.SSHKeys), "SSH key")})
	case model.Group:
		if b.Description != "" {
			return []Fact{{"", b.Description}}
		}
	case model.Identity:
		return []Fact{{"", b.Name}}
	case model.Network:
		return []Fact{{"subnet", b.Subnet.String()}, {"API", netip.AddrPortFrom(b.APIVIP, uint16(b.APIPort)).String()}}
	case model.Kubernetes:
		return []Fact{{"", b.Distribution}}
	case model.Cilium:
		return []Fact{{"version", b.Version}}
	case model.Ceph:
		return []Fact{{"Rook", b.RookVersion}, {"image", b.CephImage}}
	case model.Flux:
		return []Fact{{"", b.URL}, {"branch", b.Branch}}
	case model.BlockPool:
		return []Fact{{"storage class", b.StorageClass}}
	case model.Filesystem:
		return []Fact{{"storage class", b.StorageClass}}
	case model.ObjectStore:
		return []Fact{{"storage class", b.StorageClass}}
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// listDelta describes new as old with elements added and removed, when the
// elements are distinct and those in both keep their order. ok is false
// otherwise (a reordering, duplicates), and the change is shown whole.
func listDelta(ov, nv reflect.Value) (plus, minus []string, ok bool) {
	o, n := elements(ov), elements(nv)
	if !distinct(o) || !distinct(n) {
		return nil, nil, false
	}
	inO, inN := set(o), set(n)
	var keptO, keptN []string
	for _, e := range o {
		if inN[e] {
			keptO = append(keptO, e)
		} else {
			minus = append(minus, e)
		}
	}
	for _, e := range n {
		if inO[e] {
			keptN = append(keptN, e)
		} else {
			plus = append(plus, e)
		}
	}
	if strings.Join(keptO, "\x00") != strings.Join(keptN, "\x00") {
		return nil, nil, false
	}
	return plus, minus, true
}

func elements(v reflect.Value) []string {
	if !isList(v) {
		return nil
	}
	out := make([]string, v.Len())
	for i := range out {
		out[i] = Format(v.Index(i))
	}
	return out
}

func distinct(xs []string) bool { return len(set(xs)) == len(xs) }

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// singular turns a collection's name into its block type: nodes → node,
// helm_releases → helm_release, block_pools → block_pool.
func singular(s string) string { return strings.TrimSuffix(s, "s") }

// isCollection: a map of structs is a set of named blocks.
func isCollection(t reflect.Type) bool {
	return t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && isBlock(t.Elem()) && t.Elem().Kind() == reflect.Struct
}

// isBlock: a struct, or a pointer to one (an optional block); not a value
// with a text form, such as an address.
func isBlock(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !t.Implements(textMarshaler)
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// text returns the text form of a value that has one (netip.Addr,
// netip.Prefix), and whether it has one.
func text(v reflect.Value) (string, bool) {
	if !v.IsValid() || !v.Type().Implements(textMarshaler) {
		return "", false
	}
	b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return "", false
	}
	return string(b), true
}

// deref follows a pointer; a nil one is absent.
func deref(v reflect.Value) reflect.Value {
	if v.IsValid() && v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		return v.Elem()
	}
	return v
}

// isStruct: a struct of settings, not a value with a text form.
func isStruct(v reflect.Value) bool {
	return v.IsValid() && isBlock(v.Type()) && v.Kind() == reflect.Struct
}

// concrete unwraps interfaces (Helm values are map[string]any).
func concrete(v reflect.Value) reflect.Value {
	for v.IsValid() && v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func isMap(v reflect.Value) bool { return v.IsValid() && v.Kind() == reflect.Map }
func isList(v reflect.Value) bool {
	return v.IsValid() && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array)
}

// isAbsent: no value, an empty list or map (a nil list and an empty one are
// the same setting), or an empty string (the model leaves an optional string
// such as mac empty when the spec has none).
func isAbsent(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	if t, ok := text(v); ok {
		return t == ""
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String:
		return v.Len() == 0
	}
	return false
}

func unionKeys(a, b reflect.Value) []string {
	seen := map[string]bool{}
	for _, m := range []reflect.Value{a, b} {
		if !isMap(m) {
			continue
		}
		for _, k := range m.MapKeys() {
			seen[k.String()] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mapIndex(m reflect.Value, key string) reflect.Value {
	if !isMap(m) {
		return reflect.Value{}
	}
	return m.MapIndex(reflect.ValueOf(key).Convert(m.Type().Key()))
}

// keyPath appends a map key to a setting path the way HCL would refer to
// it: .name for an identifier, ["a.b/c"] otherwise.
func keyPath(key string) string {
	if isIdentifier(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// Format writes a model value in HCL syntax: quoted strings, [lists] and
// { key = value } objects with sorted keys.
func Format(v reflect.Value) string {
	v = concrete(v)
	if !v.IsValid() {
		return "null"
	}
	if t, ok := text(v); ok {
		return strconv.Quote(t)
	}
	switch v.Kind() {
	case reflect.String:
		return strconv.Quote(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice, reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = Format(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := unionKeys(v, reflect.Value{})
		if len(keys) == 0 {
			return "{}"
		}
		parts := make([]string, len(keys))
		for i, k := range keys {
			name := k
			if !isIdentifier(k) {
				name = strconv.Quote(k)
			}
			parts[i] = name + " = " + Format(mapIndex(v, k))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case reflect.Struct:
		var parts []string
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			unset := isAbsent(deref(v.Field(i))) || strings.Contains(f.Tag.Get("json"), ",omitempty") && v.Field(i).IsZero()
			if f.IsExported() && jsonName(f) != "" && !unset {
				parts = append(parts, jsonName(f)+" = "+Format(v.Field(i)))
			}
		}
		if len(parts) == 0 {
			return "{}"
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case reflect.Pointer:
		if v.IsNil() {
			return "null"
		}
		return Format(v.Elem())
	}
	return fmt.Sprint(v.Interface())
}
