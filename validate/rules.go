package validate

import (
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// ruleContext is what every cross-field rule sees.
//
// The model is fully defaulted when the schema found no errors and
// best-effort otherwise: a value the schema rejected is zero (an empty
// string, a nil list, a missing map entry). Every rule therefore skips zero
// and unparsable values silently, because the schema has already reported
// them, and iterates maps in sorted order so output never depends on map
// order.
type ruleContext struct {
	spec  *load.Spec
	c     *model.Cluster
	repo  fs.FS
	diags diag.Diagnostics
}

// checkRules runs every cross-field rule.
//
// The rules read the spec and the model and write only their own
// diagnostics, so all but the last two run on every CPU, each with
// diagnostics of its own, gathered in the order of the list: the output is
// the one of running them one after the other. checkNUL stays silent where
// another rule reported the same value, so it runs after them all, and
// checkAddons after it, as before.
//
// Without parallel, they run one after the other on rc.
func checkRules(rc *ruleContext, parallel bool) diag.Diagnostics {
	if !parallel {
		for _, rule := range independentRules {
			rule(rc)
		}
		checkNUL(rc)
		checkAddons(rc)
		return rc.diags
	}
	found := make([]diag.Diagnostics, len(independentRules))
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed sync.Once
	var failure any
	for range min(runtime.GOMAXPROCS(0), len(independentRules)) {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					failed.Do(func() { failure = p })
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(independentRules) {
					return
				}
				own := &ruleContext{spec: rc.spec, c: rc.c, repo: rc.repo}
				independentRules[i](own)
				found[i] = own.diags
			}
		})
	}
	wg.Wait()
	if failure != nil {
		panic(failure) // as the rule would have, on the caller's goroutine
	}
	for _, ds := range found {
		rc.diags = append(rc.diags, ds...)
	}
	checkNUL(rc)
	checkAddons(rc)
	return rc.diags
}

// independentRules are the rules that read nothing but the spec and the
// model.
var independentRules = []func(*ruleContext){
	checkNames,
	checkTimeZone,
	checkCIDRs,
	checkAgeRecipients,
	checkSSHKeys,
	checkAddresses,
	checkNodeAddressing,
	checkInterfaces,
	checkVRRPPriority,
	checkFirewall,
	checkTailscale,
	checkOffsite,
	checkLBPools,
	checkLoadBalancing,
	checkCIDROverlaps,
	checkAPIPort,
	checkControlPlane,
	checkCeph,
	checkCephClasses,
	checkSecretKeys,
	checkAgeKeyReuse,
	checkAdminAgeKeys,
	checkSopsFile,
	checkAdmins,
	checkDeployUser,
	checkFlux,
	checkHelmReleases,
	checkModules,
	checkGroups,
	checkStandalone,
	checkLabels,
	checkTaints,
	checkK3sFlags,
	checkK3sVersion,
	checkKubelet,
	checkEtcdSnapshots,
	checkNixNames,
	checkDeployHost,
	checkFluxBranch,
}

func (rc *ruleContext) add(r diag.Rule, at hcl.Range, detail string, args ...any) {
	rc.diags = append(rc.diags, diag.New(r, at, "%s", fmt.Sprintf(detail, args...)))
}

// value is the range of the value at a document path (see load.SourceMap).
func (rc *ruleContext) value(path ...string) hcl.Range { return rc.spec.Source.Value(path...) }

// name is the range of the attribute name, map key or block label at path.
func (rc *ruleContext) name(path ...string) hcl.Range { return rc.spec.Source.Name(path...) }

// has reports whether path was written in cluster.hcl (not defaulted).
func (rc *ruleContext) has(path ...string) bool { return rc.spec.Source.Has(path...) }

// written returns the value at path as the user wrote it, before the
// schema. Rules use it to tell a value the schema accepted (an empty string
// where the schema allows any string) from one it rejected, which the
// best-effort model also holds as a zero value: the schema reported that
// one already.
func (rc *ruleContext) written(path ...string) (any, bool) {
	return writtenAt(rc.spec.Doc, path)
}

// wroteString reports whether the user wrote a string at path: the schema
// saw a value of the right type, so a rule about its content is the only
// one to report it.
func (rc *ruleContext) wroteString(path ...string) bool {
	v, ok := rc.written(path...)
	_, isString := v.(string)
	return ok && isString
}

// wholeFile is where problems about something missing from the whole file
// go: the cluster block, or the file without a line when it has none.
func (rc *ruleContext) wholeFile() hcl.Range { return rc.spec.Source.Value() }

// failed reports whether the value at path, or anything in or around it,
// was refused already (load.Spec.Failed): a rule reading it would judge a
// value the user did not write, and pile a second error on the first.
func (rc *ruleContext) failed(path ...string) bool { return rc.spec.Failed(path...) }

// inFileOrder sorts the labels of the blocks under prefix (such as "nodes")
// by where they are written, so that "the second occurrence" of something
// means the later one in the file. Labels the file does not have sort last,
// by name.
func (rc *ruleContext) inFileOrder(labels []string, prefix ...string) []string {
	type placed struct {
		label string
		at    int
	}
	// Each label's place is looked up once, not in every comparison.
	ps := make([]placed, len(labels))
	path := append(append([]string(nil), prefix...), "")
	for i, l := range labels {
		path[len(path)-1] = l
		ps[i] = placed{l, rc.spec.Source.Name(path...).Start.Byte}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].at != ps[j].at {
			return ps[i].at < ps[j].at
		}
		return ps[i].label < ps[j].label
	})
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.label
	}
	return out
}

// site is one place a value is written, for rules that compare values
// across the file (duplicate addresses, reused keys).
type site struct {
	what string // how the detail names it, e.g. `node "cp1"'s address`
	at   hcl.Range
}

// line says where a range is, for details that point at another place.
func line(r hcl.Range) string {
	if r.Filename == "" {
		return "by default"
	}
	return fmt.Sprintf("on line %d", r.Start.Line)
}

// idx is a list index as a document path element.
func idx(i int) string { return fmt.Sprint(i) }

// quoteList renders names as "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return "none"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// plural picks the singular or plural form of a noun for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// rolesKnown reports whether every node's role survived the schema, and
// every node block the loader (a duplicate name, two labels). Rules that
// count nodes by role skip when one did not: the count would be wrong and
// the first error has already been reported.
func (rc *ruleContext) rolesKnown() bool {
	if rc.spec.Dropped("nodes") {
		return false
	}
	for _, n := range rc.c.NodeNames() {
		if rc.c.Nodes[n].Role == "" {
			return false
		}
	}
	return true
}
