package specdiff

import (
	"net/netip"
	"reflect"
	"slices"
	"strconv"

	"github.com/hlcgen/hlcgen/model"
)

// path leads from a Cluster to one of its settings: struct fields and map
// keys. Pointers (optional blocks) and interfaces (Helm values) are passed
// through without a step.
type path []step

type step struct {
	field int
	key   string
	isKey bool
}

func (p path) field(i int) path  { return append(slices.Clip(p), step{field: i}) }
func (p path) key(k string) path { return append(slices.Clip(p), step{key: k, isKey: true}) }

// Apply returns old with the change c alone made, its Follows included:
// the model a render of which shows what c does to the generated files.
// It copies whatever it changes, so neither model is touched, and it
// reports false for a change computed from others (no path of its own).
// The result is completed (model.Cluster.Complete) but not validated: a
// change that is valid only with another (a renamed node's address taken
// by a node added) can give a model that validation would refuse.
func Apply(old, new *model.Cluster, c Change) (*model.Cluster, bool) {
	paths := c.paths(nil)
	if len(paths) == 0 {
		return nil, false
	}
	t := reflect.TypeFor[model.Cluster]()
	out := reflect.ValueOf(old).Elem()
	nv := reflect.ValueOf(new).Elem()
	for _, p := range paths {
		out = graft(t, out, nv, p)
	}
	hybrid := reflect.New(t)
	hybrid.Elem().Set(out)
	m := hybrid.Interface().(*model.Cluster)
	m.Complete()
	return m, true
}

// paths are the change's own paths and those of its Follows.
func (c Change) paths(out []path) []path {
	out = append(out, c.at...)
	for _, f := range c.Follows {
		out = f.paths(out)
	}
	return out
}

// graft returns old (of type t; invalid for absent) with the value at p
// replaced by new's value there, or removed where new has none.
func graft(t reflect.Type, old, new reflect.Value, p path) reflect.Value {
	if len(p) == 0 {
		return new
	}
	if !old.IsValid() {
		old = reflect.Zero(t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		var oe reflect.Value
		if !old.IsNil() {
			oe = old.Elem()
		}
		out := reflect.New(t.Elem())
		if e := graft(t.Elem(), oe, deref(new), p); e.IsValid() {
			out.Elem().Set(e)
		}
		return out
	case reflect.Interface:
		oe, ne := concrete(old), concrete(new)
		et := oe
		if !et.IsValid() {
			et = ne
		}
		if !et.IsValid() {
			return reflect.Value{}
		}
		e := graft(et.Type(), oe, ne, p)
		if !e.IsValid() {
			return reflect.Value{}
		}
		out := reflect.New(t).Elem()
		out.Set(e)
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(old)
		i := p[0].field
		var nf reflect.Value
		if new.IsValid() {
			nf = new.Field(i)
		}
		if v := graft(t.Field(i).Type, old.Field(i), nf, p[1:]); v.IsValid() {
			out.Field(i).Set(v)
		} else {
			out.Field(i).Set(reflect.Zero(t.Field(i).Type))
		}
		return out
	case reflect.Map:
		out := reflect.MakeMapWithSize(t, old.Len()+1)
		for it := old.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), it.Value())
		}
		k := reflect.ValueOf(p[0].key).Convert(t.Key())
		var ne reflect.Value
		if isMap(new) {
			ne = new.MapIndex(k)
		}
		// SetMapIndex with an invalid value deletes the key.
		out.SetMapIndex(k, graft(t.Elem(), old.MapIndex(k), ne, p[1:]))
		return out
	}
	return new
}

// nestFollows puts under their cause the changes that follow from another
// one: a deploy_host or nameservers that were their default and moved
// with the address or gateway they default to, and the bootstrap server
// and server count when one node change alone explains them.
func nestFollows(old, new *model.Cluster, cs []Change) []Change {
	var out []Change
	var computed []Change
	for _, c := range cs {
		switch {
		case c.Block == "kubernetes" && (c.Setting == BootstrapSetting || c.Setting == ServerCountSetting):
			computed = append(computed, c)
		case c.Block == "node" && c.Setting == "deploy_host" && defaultDeployHost(old, new, c.Name):
			if i := find(out, "node", c.Name, "address"); i >= 0 {
				out[i].Follows = append(out[i].Follows, c)
				continue
			}
			out = append(out, c)
		case c.Block == "network" && c.Setting == "nameservers" && defaultNameservers(old, new):
			if i := find(out, "network", "", "gateway"); i >= 0 {
				out[i].Follows = append(out[i].Follows, c)
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	// The computed changes go under their one cause, or stay where the
	// walk put them: right after the nodes.
	var loose []Change
	for _, c := range computed {
		if i := serverCause(old, new, out, c.Setting == BootstrapSetting); i >= 0 {
			out[i].Follows = append(out[i].Follows, c)
		} else {
			loose = append(loose, c)
		}
	}
	if len(loose) > 0 {
		at := 0
		for at < len(out) && out[at].Block == "node" {
			at++
		}
		out = slices.Insert(out, at, loose...)
	}
	return out
}

func find(cs []Change, block, name, setting string) int {
	for i, c := range cs {
		if c.Block == block && c.Name == name && c.Setting == setting {
			return i
		}
	}
	return -1
}

// defaultDeployHost: the node's deploy_host is its address on both sides.
func defaultDeployHost(old, new *model.Cluster, name string) bool {
	o, n := old.Nodes[name], new.Nodes[name]
	return o.Address.IsValid() && o.DeployHost == o.Address.String() &&
		n.Address.IsValid() && n.DeployHost == n.Address.String()
}

// defaultNameservers: the nameservers are the gateway on both sides.
func defaultNameservers(old, new *model.Cluster) bool {
	return slices.Equal(old.Network.Nameservers, []netip.Addr{old.Network.Gateway}) &&
		slices.Equal(new.Network.Nameservers, []netip.Addr{new.Network.Gateway})
}

// serverCause returns the index of the one node change that changes the
// set of servers (or, for the bootstrap server, also which one bootstraps),
// or -1 when there is none or more than one.
func serverCause(old, new *model.Cluster, cs []Change, bootstrap bool) int {
	found := -1
	for i, c := range cs {
		if c.Block != "node" {
			continue
		}
		o, n := old.Nodes[c.Name], new.Nodes[c.Name]
		if c.Kind == Renamed {
			o = old.Nodes[c.OldName]
		}
		server := o.Role == model.RoleControlPlane || n.Role == model.RoleControlPlane
		cause := false
		switch {
		case !server:
		case c.Kind == Added || c.Kind == Removed:
			cause = true
		case c.Kind == Renamed:
			cause = bootstrap
		case c.Setting == "role":
			cause = true
		case c.Setting == "cluster_init":
			cause = bootstrap
		}
		if cause {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

// unquote undoes strconv.Quote for the values Compare quoted, such as a
// bootstrap node's name.
func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}
