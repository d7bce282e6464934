// Package diag defines hlcgen's diagnostics: every problem found while loading
// or validating a spec, with a stable code, a severity and the tightest source
// range in cluster.hcl.
package diag

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Severity says whether a diagnostic blocks rendering.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem in a spec.
type Diagnostic struct {
	Severity Severity
	// Code is stable across releases (for example HLC012) so that users and
	// scripts can refer to a rule.
	Code    string
	Summary string
	// Detail says how to fix the problem.
	Detail string
	// Subject is the tightest source range the problem is about. A problem
	// about the file as a whole (an empty file) has a file name and no line.
	Subject hcl.Range
	// Fix, when set, is the fix the detail describes in a form a program
	// can apply: replacing Fix.Range with Fix.Text removes the problem and
	// adds no other (validate's TestFixes applies every one). Rules set it
	// only when the fix is certain, such as a misspelt attribute's name;
	// where it needs the user's knowledge (a key, an address), the detail
	// says what to write instead.
	Fix *Fix
}

// Fix is a replacement of one source range; an empty range is an insertion.
type Fix struct {
	Range hcl.Range
	Text  string
}

// WithFix returns d with a fix that replaces r by text.
func (d Diagnostic) WithFix(r hcl.Range, text string) Diagnostic {
	d.Fix = &Fix{Range: r, Text: text}
	return d
}

// ApplyFixes applies the fixes of ds to src, the file they are about. Fixes
// that overlap one already applied are left out, so the result is always
// well formed; run validation again to see what is left.
func ApplyFixes(src []byte, ds Diagnostics) []byte {
	var fixes []Fix
	for _, d := range ds {
		if d.Fix != nil && d.Fix.Range.End.Byte <= len(src) && d.Fix.Range.Start.Byte <= d.Fix.Range.End.Byte {
			fixes = append(fixes, *d.Fix)
		}
	}
	sort.SliceStable(fixes, func(i, j int) bool { return fixes[i].Range.Start.Byte < fixes[j].Range.Start.Byte })
	var out []byte
	at := 0
	for _, f := range fixes {
		if f.Range.Start.Byte < at {
			continue // overlaps the previous fix
		}
		out = append(out, src[at:f.Range.Start.Byte]...)
		out = append(out, f.Text...)
		at = f.Range.End.Byte
	}
	return append(out, src[at:]...)
}

// WholeFile reports whether d is about the file as a whole, and so names
// the file but no line: a file that is not text, or one that declares
// nothing, or lacks the cluster block that other missing blocks are
// reported at (so no control-plane node or admin user to point near).
func (d Diagnostic) WholeFile() bool {
	if d.Subject.Start.Line != 0 || d.Subject.End.Line != 0 {
		return false
	}
	switch d.Code {
	case Syntax.Code, Missing.Code, NoControlPlane.Code, NoAdmin.Code:
		return true
	}
	return false
}

// Diagnostics is a list of problems.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the error-severity diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders diagnostics by file and position, then by code, so output is
// stable and reads top to bottom.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Subject, ds[j].Subject
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Start.Byte != b.Start.Byte {
			return a.Start.Byte < b.Start.Byte
		}
		if a.End.Byte != b.End.Byte {
			return a.End.Byte < b.End.Byte
		}
		if ds[i].Code != ds[j].Code {
			return ds[i].Code < ds[j].Code
		}
		return ds[i].Summary < ds[j].Summary
	})
}

// New builds an error diagnostic for a rule.
func New(r Rule, subject hcl.Range, detail string, args ...any) Diagnostic {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return Diagnostic{Severity: r.Severity, Code: r.Code, Summary: r.Summary, Detail: detail, Subject: subject}
}

// HCL converts a diagnostic to hcl's type, so that hcl's own text writer can
// print it with a source snippet.
func (d Diagnostic) HCL() *hcl.Diagnostic {
	sev := hcl.DiagError
	if d.Severity == Warning {
		sev = hcl.DiagWarning
	}
	subj := d.Subject
	return &hcl.Diagnostic{
		Severity: sev,
		Summary:  fmt.Sprintf("[%s] %s", d.Code, d.Summary),
		Detail:   d.Detail,
		Subject:  &subj,
	}
}

// FromHCL converts hcl's own diagnostics (syntax errors, mostly) into ours
// under the given rule, keeping HCL's summary and detail.
func FromHCL(r Rule, hds hcl.Diagnostics) Diagnostics {
	var out Diagnostics
	for _, hd := range hds {
		d := Diagnostic{Severity: Error, Code: r.Code, Summary: hd.Summary, Detail: hd.Detail}
		if hd.Severity == hcl.DiagWarning {
			d.Severity = Warning
		}
		if hd.Subject != nil {
			d.Subject = *hd.Subject
		}
		out = append(out, d)
	}
	return out
}
