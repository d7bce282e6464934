// Package validate checks a loaded spec: first against the embedded CUE
// schema (types, formats, enums, ranges, required fields, defaults), then
// against the cross-field rules in Go. It returns diagnostics and never
// prints.
package validate

import (
	"io/fs"

	"github.com/hashicorp/hcl/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// Validate checks spec. repo is the directory holding cluster.hcl, used to
// check that module paths exist; it may be nil to skip that check.
//
// The returned model is fully defaulted when there are no errors. When there
// are errors it is best-effort and must not be rendered.
func Validate(spec *load.Spec, repo fs.FS) (*model.Cluster, diag.Diagnostics) {
	return validate(spec, repo, true)
}

// validate is Validate. Without fast it checks and unifies the whole
// document at once, decodes the model with CUE and runs the rules one
// after the other, as hlcgen did before it did these faster: for the test
// that the faster ways change nothing (FuzzFastAsBefore).
func validate(spec *load.Spec, repo fs.FS, fast bool) (*model.Cluster, diag.Diagnostics) {
	def, err := compiled()
	if err != nil {
		return nil, diag.Diagnostics{{Severity: diag.Error, Code: diag.InvalidValue.Code,
			Summary: "Internal error: embedded schema", Detail: err.Error(),
			Subject: hcl.Range{Filename: spec.Filename, Start: hcl.InitialPos, End: hcl.InitialPos}}}
	}
	if len(spec.Doc) == 0 {
		return nil, diag.Diagnostics{emptySpec(spec)}
	}
	// Most specs are valid: checked and unified node by node on every
	// CPU (members.go). Any problem there, and the whole document is
	// checked and unified, for its diagnostics.
	if fast {
		if c, ok := validateByMember(spec, def); ok {
			ds := checkRules(&ruleContext{spec: spec, c: c, repo: repo}, true)
			ds = dedupe(ds)
			ds.Sort()
			return c, ds
		}
	}
	ds := checkPastedSecrets(spec)
	doc := structure(spec, def, withoutNonFinite(spec), nil, &ds)
	c, uds := unify(spec, def, doc, fast)
	ds = append(ds, uds...)
	if c != nil {
		ds = append(ds, checkRules(&ruleContext{spec: spec, c: c, repo: repo}, fast)...)
	}
	ds = dedupe(ds)
	ds.Sort()
	return c, ds
}

// emptySpec is the one problem of a file that declares nothing: listing
// each missing block would say the same five times.
func emptySpec(spec *load.Spec) diag.Diagnostic {
	return diag.New(diag.Missing, hcl.Range{Filename: spec.Filename},
		"%s declares nothing. A spec needs a cluster, network, kubernetes, cilium and secrets block, users and nodes: `hlcgen init` writes a starter spec that validates, to edit from there.", spec.Filename)
}

// dedupe drops a diagnostic that repeats another exactly: the same code and
// detail at the same range.
func dedupe(ds diag.Diagnostics) diag.Diagnostics {
	type k struct {
		code, detail string
		start, end   int
		file         string
	}
	seen := map[k]bool{}
	out := ds[:0]
	for _, d := range ds {
		key := k{d.Code, d.Detail, d.Subject.Start.Byte, d.Subject.End.Byte, d.Subject.Filename}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	return out
}

// Load parses and validates a spec in one step.
func Load(filename string, src []byte, repo fs.FS) (*load.Spec, *model.Cluster, diag.Diagnostics) {
	spec, ds := load.Parse(filename, src)
	// A file that did not parse (syntax errors, or refused before parsing
	// as too large or too deeply nested) has no document to validate.
	if !spec.Parsed {
		ds.Sort()
		return spec, nil, ds
	}
	c, vds := Validate(spec, repo)
	all := append(ds, vds...)
	all = dedupe(all)
	all.Sort()
	return spec, c, all
}

// Warm compiles the embedded schema now, so that a caller can overlap it
// with reading and parsing the spec: on the reference spec compiling is a
// third of validation.
func Warm() { _, _ = compiled() }
