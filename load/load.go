// Package load parses cluster.hcl into a plain document (maps, lists and
// scalars shaped like the CUE schema) and a source map from every document
// path back to the tightest HCL range. It checks only the block structure:
// which blocks exist, their labels and repetition. Attribute names, types and
// values are the schema's business (package validate).
package load

import (
	"bytes"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/hlcgen/hlcgen/diag"
)

// MaxSpecBytes bounds the size of a spec file; a homelab spec is kilobytes.
const MaxSpecBytes = 4 << 20

// Spec is a loaded cluster.hcl.
type Spec struct {
	Filename string
	Src      []byte
	// Parsed reports that the HCL parsed, so Doc holds what the file
	// says. The syntax tree itself is not kept: it is many times the size
	// of the document and nothing after loading needs it.
	Parsed bool
	// Doc is the document handed to the CUE schema: map[string]any, []any,
	// string, bool, int64, float64.
	Doc map[string]any
	// Source maps document paths to source ranges.
	Source *SourceMap
	// failed holds the document paths whose value was written but could
	// not be read (a variable, a function call) or that validation
	// refused; dropped, the collections that lost a block to a loading
	// error (a duplicate name, a wrong number of labels). Rules skip what
	// depends on them (Failed, Dropped): their verdict would be about a
	// value the user did not write.
	failed  map[string]bool
	dropped map[string]bool
}

func (s *Spec) fail(path []string) {
	if s.failed == nil {
		s.failed = map[string]bool{}
	}
	s.failed[key(path)] = true
}

// MarkFailed records that the value at path was refused: rules that read it
// are not evaluated.
func (s *Spec) MarkFailed(path ...string) { s.fail(path) }

// Failed reports whether the value at path, something inside it, or
// something it is inside could not be read or was refused.
func (s *Spec) Failed(path ...string) bool {
	k := key(path)
	for f := range s.failed {
		if f == k || k == "" || strings.HasPrefix(f, k+"\x00") || strings.HasPrefix(k, f+"\x00") {
			return true
		}
	}
	return false
}

// Dropped reports whether a block of the collection at path (such as
// "nodes") was left out of the document because of a loading error, so
// that counting its members would be wrong.
func (s *Spec) Dropped(path ...string) bool { return s.dropped[key(path)] }

func (s *Spec) drop(path []string) {
	if s.dropped == nil {
		s.dropped = map[string]bool{}
	}
	s.dropped[key(path)] = true
}

// blockKind describes one block type of the spec language.
type blockKind struct {
	// key is the document field the block fills. Labelled blocks (node
	// "cp1") fill a map under key, keyed by label.
	key string
	// labels is the number of labels; cluster "<name>" puts its label in
	// the field "name" instead of keying a map.
	labels   int
	labelKey string
	children map[string]blockKind
}

// language is the block structure of cluster.hcl. Attributes are not listed:
// the CUE schema is their single source of truth.
var language = map[string]blockKind{
	"cluster": {key: "cluster", labels: 1, labelKey: "name"},
	"network": {key: "network"},
	"kubernetes": {key: "kubernetes", children: map[string]blockKind{
		"etcd_snapshots": {key: "etcd_snapshots", children: map[string]blockKind{
			"s3": {key: "s3"},
		}},
		"kubelet": {key: "kubelet"},
	}},
	"cilium": {key: "cilium", children: map[string]blockKind{
		"lb_pool":            {key: "lb_pools", labels: 1},
		"ingress_controller": {key: "ingress_controller"},
	}},
	"ceph": {key: "ceph", children: map[string]blockKind{
		"block_pool": {key: "block_pools", labels: 1, children: map[string]blockKind{
			"erasure_coded": {key: "erasure_coded"},
		}},
		"filesystem":   {key: "filesystems", labels: 1},
		"object_store": {key: "object_stores", labels: 1},
	}},
	"flux":      {key: "flux"},
	"secrets":   {key: "secrets"},
	"tailscale": {key: "tailscale"},
	"deploy":    {key: "deploy"},
	"user":      {key: "users", labels: 1},
	"node": {key: "nodes", labels: 1, children: map[string]blockKind{
		"ceph_osd": {key: "ceph_osds", labels: 1},
		"kubelet":  {key: "kubelet"},
		"firewall": {key: "firewall"},
	}},
	"helm_release": {key: "helm_releases", labels: 1},
	"group": {key: "groups", labels: 1, children: map[string]blockKind{
		"firewall": {key: "firewall"},
	}},
}

// BlockKeys maps each block type to the document field it fills, for
// documentation and for the schema walk's "did you mean".
func BlockKeys() map[string]string {
	out := map[string]string{}
	var walk func(map[string]blockKind)
	walk = func(kinds map[string]blockKind) {
		for name, k := range kinds {
			out[name] = k.key
			walk(k.children)
		}
	}
	walk(language)
	return out
}

// Parse loads a spec from source bytes. It returns as much of the document
// as it could build even when there are diagnostics, so validation can still
// report problems elsewhere in the file.
func Parse(filename string, src []byte) (*Spec, diag.Diagnostics) {
	if spec, ds, ok := parseInChunks(filename, src); ok {
		return spec, ds
	}
	return parseWhole(filename, src)
}

// parseWhole is Parse in one piece.
func parseWhole(filename string, src []byte) (*Spec, diag.Diagnostics) {
	spec := newSpec(filename, src)
	file, ds := parseHCL(filename, src)
	if file == nil {
		return spec, ds
	}
	spec.Parsed = true
	l := &loader{spec: spec}
	l.file(file.Body.(*hclsyntax.Body))
	spec.finish()
	return spec, l.diags
}

func newSpec(filename string, src []byte) *Spec {
	return &Spec{Filename: filename, Src: src, Doc: map[string]any{}, Source: newSourceMap()}
}

// finish completes a loaded spec.
func (s *Spec) finish() {
	// What the file lacks as a whole (a network block, any admin user) is
	// reported at the cluster block, which names the cluster; without
	// one, at the file, with no line: line 1 is usually a comment.
	whole := hcl.Range{Filename: s.Filename}
	if s.Source.Has("cluster") {
		whole = s.Source.Value("cluster")
	}
	s.Source.entries[key(nil)] = span{value: whole}
}

// parseHCL parses src within hlcgen's limits: a file too large, nested too
// deeply or with strings HCL would take quadratic time on is refused before
// HCL sees it (limits.go), so no file can crash or stall a command that
// reads a spec. It returns nil and the diagnostics when src does not parse.
func parseHCL(filename string, src []byte) (*hcl.File, diag.Diagnostics) {
	if d, bad := beyondLimits(filename, src); bad {
		return nil, diag.Diagnostics{d}
	}
	filesParsed.Add(1)
	file, hds := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if hds.HasErrors() {
		return nil, firstPerBlock(file, diag.FromHCL(diag.Syntax, hds))
	}
	return file, nil
}

// filesParsed counts the files HCL parsed, whole or in parts.
var filesParsed atomic.Int64

// FilesParsed is how many files this process has parsed as HCL (Parse,
// Format), for tests that a command parses its spec once.
func FilesParsed() int64 { return filesParsed.Load() }

// beyondLimits reports the first of hlcgen's limits (limits.go) src is
// beyond: too large, not text, nested too deeply.
func beyondLimits(filename string, src []byte) (diag.Diagnostic, bool) {
	if len(src) > MaxSpecBytes {
		return diag.Diagnostic{
			Severity: diag.Error, Code: diag.Syntax.Code,
			Summary: "Spec file too large",
			Detail:  fmt.Sprintf("%s is %d bytes; hlcgen reads at most %d bytes. A cluster spec this large is almost certainly not one.", filename, len(src), MaxSpecBytes),
			Subject: hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos},
		}, true
	}
	if d, bad := notText(filename, src); bad {
		return d, true
	}
	return checkNesting(filename, src)
}

// firstPerBlock keeps the first syntax error of each top-level block (and
// of each stretch between blocks). HCL's parser recovers by skipping to
// what looks like the next attribute, so one mistake often gives an error
// on every line after it to the block's end; the first is the mistake.
// Blocks come from the partial syntax tree HCL returns with its errors.
func firstPerBlock(file *hcl.File, ds diag.Diagnostics) diag.Diagnostics {
	var blocks hclsyntax.Blocks
	if file != nil {
		if b, ok := file.Body.(*hclsyntax.Body); ok {
			blocks = b.Blocks
		}
	}
	// group is the index of the block holding pos, or of the first
	// block after it, negated, for a position between blocks.
	group := func(pos hcl.Pos) int {
		for i, b := range blocks {
			r := b.Range()
			switch {
			case pos.Byte < r.Start.Byte:
				return -i - 1
			case pos.Byte < r.End.Byte:
				return i
			}
		}
		return -len(blocks) - 1
	}
	ds.Sort()
	seen := map[int]bool{}
	var out diag.Diagnostics
	for _, d := range ds {
		g := group(d.Subject.Start)
		if d.Severity == diag.Error && seen[g] {
			continue
		}
		seen[g] = true
		out = append(out, d)
	}
	return out
}

// Format returns src in HCL's canonical format (hclwrite), or the syntax
// diagnostics when it does not parse: a file the user is still in the
// middle of is never rewritten. It reads within the same limits as Parse.
func Format(filename string, src []byte) ([]byte, diag.Diagnostics) {
	if _, ds := parseHCL(filename, src); ds.HasErrors() {
		return nil, ds
	}
	return hclwrite.Format(src), nil
}

// Formatted reports whether src is in HCL's canonical format, as Format
// returns it, without parsing it: the formatter reads its tokens only. ok
// is false when src is beyond the limits HCL is given files within; for a
// file that Parse parses (or that Format formats) it is true. It is for a
// caller that parses the file anyway, and can check the format meanwhile.
func Formatted(filename string, src []byte) (formatted, ok bool) {
	if _, bad := beyondLimits(filename, src); bad {
		return false, false
	}
	return bytes.Equal(hclwrite.Format(src), src), true
}

type loader struct {
	spec  *Spec
	diags diag.Diagnostics
	// blocks are the top-level blocks loaded, by what makes each unique:
	// its type, and its label in a collection ("node cp1").
	blocks map[string]hcl.Range
}

// file loads the top-level body of a file, or of a part of one.
func (l *loader) file(b *hclsyntax.Body) {
	l.body(b, language, nil, l.spec.Doc, hcl.Range{Filename: l.spec.Filename, Start: hcl.InitialPos, End: hcl.InitialPos})
}

func (l *loader) add(d diag.Diagnostic) { l.diags = append(l.diags, d) }

// body loads the attributes and blocks of one HCL body into obj.
func (l *loader) body(b *hclsyntax.Body, kinds map[string]blockKind, path []string, obj map[string]any, where hcl.Range) {
	// Attributes in source order, so diagnostics come out in order too.
	attrs := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for _, a := range b.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	for _, a := range attrs {
		if _, isBlock := kinds[a.Name]; isBlock {
			l.add(diag.New(diag.NotAllowedValue, a.NameRange,
				"%q is a block, not an attribute: write `%s { ... }` without the equals sign.", a.Name, a.Name))
			continue
		}
		p := appendPath(path, a.Name)
		if r, what, bad := nonLiteral(a.Expr, l.spec.Src); bad {
			l.nonLiteral(p, a, r, what)
			continue
		}
		v, hds := a.Expr.Value(nil)
		if hds.HasErrors() {
			l.diags = append(l.diags, diag.FromHCL(diag.NotAllowedValue, hds)...)
			l.spec.fail(p)
			continue
		}
		l.spec.Source.setAttr(p, a.NameRange, a.Expr.Range())
		val, ok := l.value(v, a.Expr, p)
		if ok {
			obj[a.Name] = val
		}
	}

	seen := map[string]hcl.Range{}
	for _, blk := range b.Blocks {
		kind, ok := kinds[blk.Type]
		if !ok {
			l.unknownBlock(blk, kinds, path)
			continue
		}
		if len(blk.Labels) != kind.labels {
			l.add(diag.New(diag.BlockLabels, blk.DefRange(), "%s", labelHint(blk.Type, kind)))
			l.spec.drop(appendPath(path, kind.key))
			continue
		}
		id := blk.Type
		if kind.labels == 1 && kind.labelKey == "" {
			id += " " + blk.Labels[0]
		}
		if first, dup := seen[id]; dup {
			what := fmt.Sprintf("a %s block", blk.Type)
			if kind.labels == 1 && kind.labelKey == "" {
				what = fmt.Sprintf("%s %q", blk.Type, blk.Labels[0])
			}
			l.add(diag.New(diag.DuplicateBlock, blk.DefRange(),
				"There is already %s at %s. Names must be unique; merge the two blocks or rename one.", what, shortPos(first)))
			l.spec.drop(appendPath(path, kind.key))
			continue
		}
		seen[id] = blk.DefRange()
		if len(path) == 0 {
			l.blocks = seen
		}

		child := map[string]any{}
		var p []string
		switch {
		case kind.labels == 0:
			p = appendPath(path, kind.key)
			obj[kind.key] = child
		case kind.labelKey != "":
			p = appendPath(path, kind.key)
			obj[kind.key] = child
			child[kind.labelKey] = blk.Labels[0]
			l.spec.Source.setAttr(appendPath(p, kind.labelKey), blk.LabelRanges[0], blk.LabelRanges[0])
		default:
			m, _ := obj[kind.key].(map[string]any)
			if m == nil {
				m = map[string]any{}
				obj[kind.key] = m
				l.spec.Source.setBlock(appendPath(path, kind.key), blk.DefRange(), blk.TypeRange)
			}
			p = appendPath(path, kind.key, blk.Labels[0])
			m[blk.Labels[0]] = child
			l.spec.Source.setLabel(p, blk.LabelRanges[0])
		}
		l.spec.Source.setBlock(p, blk.DefRange(), blk.TypeRange)
		l.body(blk.Body, kind.children, p, child, blk.DefRange())
	}
}

// nonLiteral reports the part at r of attribute a that is not a literal
// (what says what it is), with the literal it stands for as the fix when
// it refers to nothing. The attribute counts as written, so it is not also
// reported missing, and as failed, so no rule judges it.
func (l *loader) nonLiteral(p []string, a *hclsyntax.Attribute, r hcl.Range, what string) {
	l.spec.Source.setAttr(p, a.NameRange, a.Expr.Range())
	l.spec.fail(p)
	detail := fmt.Sprintf("This value %s, but %s holds literal values only: strings, numbers, true, false, null, and lists and objects of them, with no variables, functions or expressions.", what, l.spec.Filename)
	whole := a.Expr
	lit, ok := literalText(whole)
	if !ok {
		l.add(diag.New(diag.NotAllowedValue, r, "%s Write the value itself.", detail))
		return
	}
	l.add(diag.New(diag.NotAllowedValue, r, "%s Write the value itself: `%s = %s`.", detail, a.Name, lit).
		WithFix(whole.Range(), lit))
}

func labelHint(typ string, k blockKind) string {
	if k.labels == 0 {
		return fmt.Sprintf("A %s block takes no label: write `%s { ... }`.", typ, typ)
	}
	return fmt.Sprintf("A %s block takes exactly one label, its name: write `%s \"name\" { ... }`.", typ, typ)
}

func (l *loader) unknownBlock(blk *hclsyntax.Block, kinds map[string]blockKind, path []string) {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	detail := fmt.Sprintf("There is no %q block here.", blk.Type)
	if s := Suggest(blk.Type, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if len(names) > 0 {
		sort.Strings(names)
		detail += " Blocks allowed here: " + strings.Join(names, ", ") + "."
	} else {
		detail += " This block takes attributes only."
	}
	l.add(diag.New(diag.UnknownBlock, blk.TypeRange, "%s", detail))
}

// Suggest returns the candidate closest to name, if it is close enough to be
// a likely typo.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", 1<<30
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		d := levenshtein.Distance(name, c, nil)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 2
	if len(name) > 8 {
		limit = 3
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

// value converts a cty value into the document form, recording ranges of
// list elements and object members so diagnostics can point inside them.
func (l *loader) value(v cty.Value, expr hclsyntax.Expression, path []string) (any, bool) {
	if v.IsNull() {
		return nil, false
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), true
	case ty == cty.Bool:
		return v.True(), true
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			if i, acc := bf.Int64(); acc == big.Exact {
				return i, true
			}
		}
		f, _ := bf.Float64()
		return f, true
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		var elems []hclsyntax.Expression
		if tup, ok := expr.(*hclsyntax.TupleConsExpr); ok {
			elems = tup.Exprs
		}
		out := make([]any, 0, v.LengthInt())
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, ev := it.Element()
			p := appendPath(path, fmt.Sprint(i))
			var sub hclsyntax.Expression
			if i < len(elems) {
				sub = elems[i]
				l.spec.Source.setAttr(p, sub.Range(), sub.Range())
			}
			if x, ok := l.value(ev, sub, p); ok {
				out = append(out, x)
			} else {
				// Keep positions aligned: a null list element is
				// itself a problem the schema reports.
				out = append(out, nil)
			}
		}
		return out, true
	case ty.IsObjectType() || ty.IsMapType():
		items := map[string]hclsyntax.ObjectConsItem{}
		if obj, ok := expr.(*hclsyntax.ObjectConsExpr); ok {
			for _, it := range obj.Items {
				if kv, diags := it.KeyExpr.Value(nil); !diags.HasErrors() && kv.Type() == cty.String && kv.IsKnown() && !kv.IsNull() {
					items[kv.AsString()] = it
				}
			}
		}
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			key := k.AsString()
			p := appendPath(path, key)
			var sub hclsyntax.Expression
			if item, ok := items[key]; ok {
				sub = item.ValueExpr
				l.spec.Source.setAttr(p, item.KeyExpr.Range(), item.ValueExpr.Range())
			}
			// A null member is kept: in Helm values it deletes a
			// chart default, so dropping it would change meaning.
			if x, ok := l.value(ev, sub, p); ok || ev.IsNull() {
				out[key] = x
			}
		}
		return out, true
	}
	return nil, false
}

func appendPath(path []string, elems ...string) []string {
	out := make([]string, 0, len(path)+len(elems))
	return append(append(out, path...), elems...)
}

func shortPos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
