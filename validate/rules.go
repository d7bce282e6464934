package validate

import (
	"io/fs"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// ruleContext is what every cross-field rule sees.
type ruleContext struct {
	spec  *load.Spec
	c     *model.Cluster
	repo  fs.FS
	diags diag.Diagnostics
}

// checkRules runs every cross-field rule.
func checkRules(rc *ruleContext) diag.Diagnostics {
	return rc.diags
}
