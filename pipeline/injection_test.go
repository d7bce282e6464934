package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"filippo.io/age"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/internal/e2e"
	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
	"github.com/hlcgen/hlcgen/pipeline"
)

// The Nix-injection proof. Hostile strings go into every place of
// cluster.hcl whose text reaches a generated file; the spec is validated and
// rendered, the generated Nix is evaluated by the real nix-instantiate (one
// call for every tree) and every value must come back byte for byte. Where
// the validator restricts a setting (names, flags, paths), the policy below
// says which hostile strings it accepts: those must round-trip, and the
// others must be refused with a diagnostic.

// hostile are the strings thrown at every setting. All are in Unicode NFC:
// HCL normalises string literals to NFC, so a decomposed é would come back
// composed whatever the generators did.
var hostile = []string{
	// Nix string syntax: quotes, escapes, interpolation, indented strings.
	`"`, `\`, `\"`, `\\`, `${x}`, `$${x}`, `\${x}`, `$\{x}`, `$`, `${`, `}`, `$$`, `''`, `'''`, `''${x}`, `''\`, `''$`, `'`,
	`%{x}`, `%%{x}`, `${builtins.abort "x"}`, `" + builtins.abort "x" + "`, `''+(builtins.abort "x")+''`, `"; x = "`,
	// Line structure.
	"a\nb", "a\tb", "a\rb", "\r\n", "\n", "# c", "/* c */", "x;",
	// Keywords, literals, paths and URLs.
	"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or", "__curPos", "true", "false", "null",
	"./etc", "/etc/passwd", "<nixpkgs>", "~/x", "a/b", "../..", "..", ".", "https://x.example/",
	// Attribute names Nix interprets.
	"__toString", "outPath", "__functor", "_type", "__ignoreNulls",
	// Unicode and control characters.
	"é", "日本語", "🚀", "\u202e", "\u00a0", "\u2028", "\x1b[31m", "\x7f", "\x01", "\u0085",
	// Shapes YAML, shells and flags read specially.
	"{", "[", "(", " lead", "trail ", "", "0", "1.5", "-1", "a=b", "a:b", "a,b", "---", "- x", "key: value", "*a", "&a",
	"!!str", "? x", "%TAG", "@x", "`x`", "$(x)", "--x",
}

// names are hostile strings that fit the naming rules: Nix keywords are
// DNS labels, Linux user names and group names.
var names = []string{"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or", "true", "false", "null"}

// Policies: which hostile strings a free-text setting accepts.

func hasBadControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r != '\t' && unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
			r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
	})
}

// anyText: group descriptions and Helm values are data; only NUL (not in
// hostile) is refused.
func anyText(string) bool { return true }

// singleLine: Helm chart versions.
func singleLine(s string) bool { return !hasBadControl(s) }

// sshOpt: one ssh argument; deploy-rs joins them with spaces for nix copy,
// which splits them again.
func sshOpt(s string) bool { return singleLine(s) && !strings.ContainsFunc(s, unicode.IsSpace) }

func nonBlankLine(s string) bool { return strings.TrimSpace(s) != "" && singleLine(s) }

// helmVersion: one chart version, never a range (HLC082): none of the
// range operators of Flux's semver constraints, no x or * part.
func helmVersion(s string) bool {
	if !nonBlankLine(s) || strings.ContainsAny(s, "*^~<>=|,") || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	for _, p := range strings.Split(strings.TrimPrefix(s, "v"), ".") {
		if p == "x" || p == "X" {
			return false
		}
	}
	return true
}

// chartName: the schema wants one word: no whitespace or Unicode space.
func chartName(s string) bool { return nonBlankLine(s) && !strings.ContainsFunc(s, unicode.IsSpace) }

// deployHost: one host, no whitespace and no user part.
func deployHost(s string) bool {
	return s != "" && singleLine(s) && !strings.ContainsFunc(s, unicode.IsSpace) && !strings.Contains(s, "@")
}

// sshComment: the comment of an authorized_keys line, on one line.
func sshComment(s string) bool { return singleLine(s) && !strings.ContainsAny(s, "\r\n") }

// helmKey: Helm values keys that Nix and kubenix keep as data.
func helmKey(s string) bool { return s != "outPath" && !strings.HasPrefix(s, "_") }

// gitBranch mirrors git check-ref-format --branch.
func gitBranch(s string) bool {
	if strings.TrimSpace(s) == "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || unicode.IsSpace(r) }) ||
		strings.ContainsAny(s, "~^:?*[\\") || strings.Contains(s, "..") || strings.Contains(s, "@{") || s == "@" || s == "HEAD" ||
		strings.HasPrefix(s, "-") || strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") ||
		strings.Contains(s, "//") || hasBadControl(s) {
		return false
	}
	for _, c := range strings.Split(s, "/") {
		if strings.HasPrefix(c, ".") || strings.HasSuffix(c, ".lock") {
			return false
		}
	}
	return true
}

// fluxPath: a clean relative path inside the repository.
func fluxPath(s string) bool {
	if strings.TrimSpace(s) == "" || strings.HasPrefix(s, "/") || strings.Contains(s, "\\") || hasBadControl(s) || filepath.Clean(s) != s {
		return false
	}
	return !slices.Contains(strings.Split(s, "/"), "..")
}

func filter(in []string, ok func(string) bool) (accepted, refused []string) {
	for _, s := range in {
		if ok(s) {
			accepted = append(accepted, s)
		} else {
			refused = append(refused, s)
		}
	}
	return accepted, refused
}

// hostileSpec puts every accepted hostile string somewhere it reaches
// generated output, and the restricted settings' hostile-but-valid forms
// everywhere else. It returns the spec; the values are read back from it.
func hostileSpec(t *testing.T) *testSpec {
	descriptions, _ := filter(hostile, anyText)
	charts, _ := filter(hostile, chartName) // charts and versions
	sshOpts, _ := filter(hostile, sshOpt)
	hosts, _ := filter(hostile, deployHost)
	comments, _ := filter(hostile, sshComment)
	keys, _ := filter(hostile, helmKey)

	s := &testSpec{
		clusterName: "in", domain: "in.or.let", timeZone: "America/Port-au-Prince",
		extraModules: []string{"modules/c++.nix", "modules/or.nix"},
		tokenSecret:  "in/or.let_rec-with",
		serverFlags:  hostileFlags("kube-apiserver-arg", singleLine),
		agentFlags:   hostileFlags("kubelet-arg", singleLine),
		ceph:         true,
		pools:        map[string]string{"in": "or", "let": "rec"},
		filesystems:  map[string]string{"with": "assert"},
		flux:         &fluxBlock{url: "https://git.example/${x}/''/q/%7B.git", branch: "${x}''\"é", path: "k8s/[a]+(b)|c.*?/${x}/''/é"},
		sopsFile:     "secrets/a-b_c.d.yaml",
		sshUser:      "in",
		sshOpts:      sshOpts,
	}
	var lines []string
	for _, c := range comments {
		lines = append(lines, sshKey+" "+c)
	}
	lines = append(lines, `command="echo ${HOME} ''\"",environment="X=$${y}" `+sshKey+" opts")
	s.users = []userBlock{{name: "in", admin: true, keys: lines}}
	for _, u := range append(slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "in" }), "_type", "__functor", "_") {
		s.users = append(s.users, userBlock{name: u, keys: []string{sshKey + " " + u}})
	}

	// Three servers and a worker named after keywords, with restricted but
	// hostile-looking interfaces, labels, taints and devices; then one
	// standalone node per hostile deploy host.
	ifaces := []string{"in", "a.b", "a:b", "or"}
	for i, name := range names[:4] {
		role := "control-plane"
		if i == 3 {
			role = "worker"
		}
		n := nodeBlock{name: name, role: role, address: fmt.Sprintf("10.20.1.%d", 10+i), iface: ifaces[i],
			hardware: "hardware/" + name + ".nix", extraModules: []string{"modules/__toString.nix"},
			groups: []string{"in", "g0"},
			labels: map[string]string{"in": "or", "example.com/let": "outPath", "in.or/rec": "a.b-c_d", "with": ""},
			taints: []string{"in=or:NoSchedule", "let:NoExecute"},
			osd:    []string{"/dev/disk/by-id/$${x}''\"q\\", "/dev/disk/by-id/in"},
		}
		if i == 0 {
			n.mac = "52:54:00:AB:cd:01"
		}
		s.nodes = append(s.nodes, n)
	}
	for i, h := range hosts {
		s.nodes = append(s.nodes, nodeBlock{name: fmt.Sprintf("h%d", i), role: "standalone", address: fmt.Sprintf("10.20.2.%d", 10+i),
			iface: "eth0", deployHost: h, hardware: "hardware/h.nix"})
	}

	// Helm releases: one per chart name and version, named after keywords
	// first; the first carries every value.
	values := map[string]any{"list": anyList(descriptions), "nested": map[string]any{}, "n": 1.5, "i": -1, "b": true, "z": nil}
	for i, k := range keys {
		values[k] = descriptions[i%len(descriptions)]
		values["nested"].(map[string]any)[k] = map[string]any{k: []any{k, 0, false}}
	}
	for i, c := range charts {
		name := fmt.Sprintf("r%d", i)
		if i < len(names) {
			name = names[i]
		}
		version := c
		if !helmVersion(c) {
			version = "1.0.0"
		}
		h := helmBlock{name: name, namespace: names[i%3], repo: "oci://registry.example/${x}/''/charts", chart: c, version: version}
		if i == 0 {
			h.values = values
			h.repo = "https://charts.example/${x}/''/\"/é"
		}
		s.helm = append(s.helm, h)
	}

	for i, d := range descriptions {
		s.groups = append(s.groups, groupBlock{name: fmt.Sprintf("g%d", i), description: d})
	}
	s.groups = append(s.groups, groupBlock{name: "in", description: "${x}", modules: []string{"modules/or.nix", "modules/a-b_c.d+e.nix"}})
	return s
}

// hostileFlags is a list flag k3s knows with every hostile value the
// policy accepts: in k3s's configuration file, any text but control
// characters is carried as written.
func hostileFlags(name string, ok func(string) bool) []string {
	values, _ := filter(hostile, ok)
	var out []string
	for _, v := range values {
		out = append(out, "--"+name+"=x="+v)
	}
	return out
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// fluxVariants are further specs, one per hostile flux branch and path the
// validator accepts (a spec has one flux block).
func fluxVariants(t *testing.T) []*testSpec {
	branches, _ := filter(hostile, gitBranch)
	paths, _ := filter(append(append([]string(nil), hostile...), "k8s/[a]+(b)", "a.b*c?", "x|y", "^$", "a{1}", "a b/c", `"q"`, "(?i)x"), fluxPath)
	var out []*testSpec
	for i := 0; i < max(len(branches), len(paths)); i++ {
		s := minimalSpec()
		s.flux.branch = branches[i%len(branches)]
		s.flux.path = paths[i%len(paths)]
		out = append(out, s)
	}
	return out
}

// rendered is one spec, validated, rendered and written.
type rendered struct {
	spec  *testSpec
	src   []byte
	c     *model.Cluster
	dir   string
	files map[string][]byte
}

func renderSpec(t *testing.T, s *testSpec) rendered {
	t.Helper()
	src := s.hcl(t)
	res, err := pipeline.Spec("cluster.hcl", src, nil)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	if res.Diags.HasErrors() {
		lines := strings.Split(string(src), "\n")
		for _, d := range res.Diags.Errors() {
			t.Errorf("%d:%d %s %s\n\t%s", d.Subject.Start.Line, d.Subject.Start.Column, d.Code, d.Detail, lines[d.Subject.Start.Line-1])
		}
		t.FailNow()
	}
	r := rendered{spec: s, src: src, c: res.Cluster, dir: t.TempDir(), files: map[string][]byte{}}
	e2e.WriteFiles(t, r.dir, res.Files)
	for _, f := range res.Files {
		r.files[f.Path] = f.Content
	}
	return r
}

// probeResult is what testdata/probe.nix returns for one tree.
type probeResult struct {
	Config struct {
		Cluster struct{ Name, Domain, TimeZone string }
		K3s     struct{ TokenSecret string }
		Flux    struct{ URL, Branch, Path string }
		Nodes   map[string]struct {
			Name, Interface, DeployHost string
			Labels                      map[string]string
			Taints, Groups              []string
			CephOsdDevices              []string
		}
		Groups map[string]struct {
			Description string
			Nodes       []string
		}
		Users map[string]struct {
			Name    string
			SSHKeys []string
		}
		ManifestsDir string
	}
	Hosts map[string]struct {
		HostName, Domain, TimeZone, GatewayInterface string
		Interfaces, Imports                          []string
		Links                                        map[string]string
		NodeConfig                                   *string
		KeepalivedInterface                          *string
	}
	Users                     map[string][]string
	Secrets                   []string
	TokenFile, AgentTokenFile string
	ServerConfig, AgentConfig string
	Haproxy                   string
	Deploy                    map[string]struct {
		Hostname, SSHUser string
		SSHOpts           []string
	}
	Systems   []string
	Manifests map[string]any
	Kubenix   map[string]map[string]any
}

// probe evaluates every tree with one nix-instantiate call.
func probe(t *testing.T, trees []rendered) []probeResult {
	t.Helper()
	var dirs []string
	for _, r := range trees {
		dirs = append(dirs, r.dir)
	}
	dirsJSON, _ := json.Marshal(dirs)
	probeFile, err := filepath.Abs(filepath.Join("testdata", "probe.nix"))
	if err != nil {
		t.Fatal(err)
	}
	out := testtool.NixInstantiate(t, "--eval", "--strict", "--json", probeFile, "--argstr", "dirsJSON", string(dirsJSON))
	var res []probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("decoding the probe: %v\n%.2000s", err, out)
	}
	if len(res) != len(trees) {
		t.Fatalf("%d results for %d trees", len(res), len(trees))
	}
	return res
}

func TestNixInjection(t *testing.T) {
	testtool.Require(t, "nix-instantiate")
	full := renderSpec(t, hostileSpec(t))
	trees := []rendered{full}
	for _, s := range fluxVariants(t) {
		trees = append(trees, renderSpec(t, s))
	}
	results := probe(t, trees)
	checkFull(t, full, results[0])
	for i, r := range trees {
		checkFlux(t, r, results[i])
		checkSopsYAML(t, r)
	}
}

// same fails the test unless got is exactly want.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

func checkFull(t *testing.T, r rendered, p probeResult) {
	s, c := r.spec, r.c
	// HCL read back exactly what was written.
	same(t, "model ssh_opts", c.Deploy.SSHOpts, s.sshOpts)
	same(t, "model values", jsonOf(t, c.HelmReleases[s.helm[0].name].Values), jsonOf(t, s.helm[0].values))

	cfg := p.Config
	same(t, "cluster", []string{cfg.Cluster.Name, cfg.Cluster.Domain, cfg.Cluster.TimeZone}, []string{s.clusterName, s.domain, s.timeZone})
	same(t, "config tokenSecret", cfg.K3s.TokenSecret, s.tokenSecret)
	same(t, "sops.secrets", p.Secrets, sorted([]string{s.tokenSecret, "k3s/agent_token"}))
	same(t, "server tokenFile", p.TokenFile, "/run/secrets/stub/"+s.tokenSecret)
	same(t, "agent tokenFile", p.AgentTokenFile, "/run/secrets/stub/k3s/agent_token")
	// Every extra flag reaches k3s's configuration file exactly, values
	// with spaces, quotes, '%' and '$' included.
	same(t, "server flags", flagsOf(t, p.ServerConfig, s.serverFlags), s.serverFlags)
	same(t, "agent flags", flagsOf(t, p.AgentConfig, s.agentFlags), s.agentFlags)

	var systems []string
	for _, n := range s.nodes {
		systems = append(systems, n.name)
		cn, h, d := cfg.Nodes[n.name], p.Hosts[n.name], p.Deploy[n.name]
		wantHost := n.deployHost
		if wantHost == "" {
			wantHost = n.address
		}
		same(t, n.name+" config", []string{cn.Name, cn.Interface, cn.DeployHost}, []string{n.name, n.iface, wantHost})
		same(t, n.name+" deploy", []string{d.Hostname, d.SSHUser}, []string{wantHost, s.sshUser})
		same(t, n.name+" sshOpts", d.SSHOpts, s.sshOpts)
		same(t, n.name+" host", []string{h.HostName, h.Domain, h.TimeZone, h.GatewayInterface}, []string{n.name, s.domain, s.timeZone, n.iface})
		same(t, n.name+" interfaces", h.Interfaces, []string{n.iface})
		if n.mac != "" {
			same(t, n.name+" link", h.Links, map[string]string{"10-" + n.iface: n.iface})
		}
		wantImports := []string{n.hardware}
		if n.role != "standalone" {
			wantImports = nil // checked below for the Kubernetes nodes
			same(t, n.name+" labels", cn.Labels, n.labels)
			same(t, n.name+" taints", cn.Taints, n.taints)
			same(t, n.name+" osd", cn.CephOsdDevices, n.osd)
			var labels []any
			for _, k := range sortedKeys(n.labels) {
				labels = append(labels, k+"="+n.labels[k])
			}
			var taints []any
			for _, taint := range n.taints {
				taints = append(taints, taint)
			}
			var nc map[string]any
			if h.NodeConfig == nil || yaml.Unmarshal([]byte(*h.NodeConfig), &nc) != nil {
				t.Fatalf("%s: no k3s drop-in: %v", n.name, h.NodeConfig)
			}
			same(t, n.name+" node-ip", nc["node-ip"], n.address)
			same(t, n.name+" node-label", nc["node-label"], labels)
			same(t, n.name+" node-taint", nc["node-taint"], taints)
			for _, m := range append(append([]string{n.hardware}, n.extraModules...), s.extraModules...) {
				if !slices.ContainsFunc(h.Imports, func(i string) bool { return strings.HasSuffix(i, "/"+m) }) {
					t.Errorf("%s imports %v, not %s", n.name, h.Imports, m)
				}
			}
		}
		if n.role == "control-plane" && (h.KeepalivedInterface == nil || *h.KeepalivedInterface != n.iface) {
			t.Errorf("%s keepalived interface %v", n.name, h.KeepalivedInterface)
		}
		if n.role == "control-plane" && !strings.Contains(p.Haproxy, "  server "+n.name+" "+n.address+":6443 check\n") {
			t.Errorf("haproxy config has no server line for %s:\n%s", n.name, p.Haproxy)
		}
		for _, m := range wantImports {
			if len(h.Imports) == 0 || !strings.HasSuffix(h.Imports[0], "/"+m) {
				t.Errorf("%s imports %v", n.name, h.Imports)
			}
		}
	}
	slices.Sort(systems)
	same(t, "nixosConfigurations", p.Systems, systems)

	for _, u := range s.users {
		same(t, "config user "+u.name, cfg.Users[u.name].SSHKeys, u.keys)
		same(t, "users.users."+u.name, p.Users[u.name], u.keys)
	}
	for _, g := range s.groups {
		same(t, "group "+g.name, cfg.Groups[g.name].Description, g.description)
	}

	// kubenix: Helm releases, repositories, namespaces, Ceph names.
	apps := p.Kubenix["apps.nix"]["resources"].(map[string]any)
	for _, h := range s.helm {
		rel := dig(t, apps, "helmReleases", h.name, "spec").(map[string]any)
		same(t, h.name+" chart", dig(t, rel, "chart", "spec", "chart"), h.chart)
		same(t, h.name+" version", dig(t, rel, "chart", "spec", "version"), h.version)
		same(t, h.name+" namespace", dig(t, apps, "helmReleases", h.name, "metadata", "namespace"), h.namespace)
		same(t, h.name+" repo", dig(t, apps, "helmRepositories", h.name, "spec", "url"), h.repo)
		if h.values != nil {
			same(t, h.name+" values", jsonOf(t, rel["values"]), jsonOf(t, h.values))
		}
	}
	rook := p.Kubenix["rook-ceph.nix"]["resources"].(map[string]any)
	for name, class := range s.pools {
		dig(t, rook, "cephBlockPools", name)
		dig(t, rook, "storageClasses", class)
	}
	for name, class := range s.filesystems {
		dig(t, rook, "cephFilesystems", name)
		dig(t, rook, "storageClasses", class)
	}
	var devices []any
	for _, n := range dig(t, rook, "cephClusters", "rook-ceph", "spec", "storage", "nodes").([]any) {
		for _, d := range n.(map[string]any)["devices"].([]any) {
			devices = append(devices, d.(map[string]any)["name"])
		}
	}
	var want []any
	for _, n := range s.nodes {
		for _, d := range n.osd {
			want = append(want, d)
		}
	}
	same(t, "osd devices", devices, want)
}

// flagsOf reads k3s's configuration file back into the flags of want: a
// list key as one flag per value, true as a flag without one.
func flagsOf(t *testing.T, text string, want []string) []string {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatalf("k3s configuration: %v\n%s", err, text)
	}
	taken := map[string]int{}
	var out []string
	for _, f := range want {
		key, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		var v any
		switch x := cfg[key].(type) {
		case []any:
			if taken[key] < len(x) {
				v = x[taken[key]]
			}
			taken[key]++
		default:
			v = x
		}
		switch v := v.(type) {
		case bool:
			out = append(out, "--"+key)
		case string:
			out = append(out, "--"+key+"="+v)
		default:
			out = append(out, fmt.Sprintf("--%s: %#v", key, v))
		}
	}
	return out
}

func sorted(s []string) []string { slices.Sort(s); return s }

// checkFlux: the flux settings in the inventory and in Flux's bootstrap
// objects.
func checkFlux(t *testing.T, r rendered, p probeResult) {
	f := r.spec.flux
	same(t, "config flux", []string{p.Config.Flux.URL, p.Config.Flux.Branch, p.Config.Flux.Path, p.Config.ManifestsDir}, []string{f.url, f.branch, f.path, f.path})
	var repo, ks map[string]any
	for _, m := range p.Manifests {
		items, _ := m.([]any)
		for _, it := range items {
			o := it.(map[string]any)
			switch o["kind"] {
			case "GitRepository":
				repo = o["spec"].(map[string]any)
			case "Kustomization":
				ks = o["spec"].(map[string]any)
			}
		}
	}
	if repo == nil || ks == nil {
		t.Fatalf("no GitRepository or Kustomization in %v", p.Manifests)
	}
	same(t, "GitRepository url", repo["url"], f.url)
	same(t, "GitRepository branch", dig(t, repo, "ref", "branch"), f.branch)
	wantPath := "./" + f.path
	if f.path == "." {
		wantPath = "./"
	}
	same(t, "Kustomization path", ks["path"], wantPath)
}

// checkSopsYAML: .sops.yaml parses, and each path_regex matches exactly
// the path it is for: every literal part is quoted (the regex's literal
// prefix is the whole path), and near misses do not match.
func checkSopsYAML(t *testing.T, r rendered) {
	var cfg struct {
		CreationRules []struct {
			PathRegex string `yaml:"path_regex"`
		} `yaml:"creation_rules"`
	}
	if err := yaml.Unmarshal(r.files[".sops.yaml"], &cfg); err != nil {
		t.Fatalf(".sops.yaml: %v", err)
	}
	rules := map[string]*regexp.Regexp{}
	for _, cr := range cfg.CreationRules {
		rules[cr.PathRegex] = regexp.MustCompile(cr.PathRegex)
	}
	find := func(path string) *regexp.Regexp {
		var hits []*regexp.Regexp
		for _, re := range rules {
			if re.MatchString(path) {
				hits = append(hits, re)
			}
		}
		if len(hits) != 1 {
			t.Errorf(".sops.yaml: %d rules match %q", len(hits), path)
			return nil
		}
		return hits[0]
	}
	exact := func(path string, prefixOnly bool) {
		re := find(path)
		if re == nil {
			return
		}
		// LiteralPrefix stops at the anchors.
		body := strings.TrimPrefix(re.String(), "^")
		if !prefixOnly {
			body = strings.TrimSuffix(body, "$")
		}
		prefix, complete := regexp.MustCompile(body).LiteralPrefix()
		want, misses := path, nearMisses(path)
		if prefixOnly {
			want, misses = r.spec.flux.path+"/", nil
			for _, m := range nearMisses(r.spec.flux.path) {
				misses = append(misses, m+strings.TrimPrefix(path, r.spec.flux.path))
			}
		}
		if prefix != want || complete == prefixOnly {
			t.Errorf("%s: literal prefix %q (complete %v), want %q: a character of the path is not quoted", re, prefix, complete, want)
		}
		for _, miss := range misses {
			if re.MatchString(miss) {
				t.Errorf("%s matches %q, meant for %q", re, miss, path)
			}
		}
	}
	for _, n := range r.c.NodeNames() {
		exact("secrets/hosts/"+n+".yaml", false)
	}
	exact(r.c.Secrets.SopsFile, false)
	if r.spec.flux.path == "." {
		// The whole repository: any *.sops.yaml not matched before.
		if re := find("apps/db.sops.yaml"); re != nil && re.String() != `^.*\.sops\.ya?ml$` {
			t.Errorf("flux rule for the whole repository: %s", re)
		}
		return
	}
	exact(r.spec.flux.path+"/apps/db.sops.yaml", true)
}

// nearMisses are paths one change away from path.
func nearMisses(path string) []string {
	var out []string
	for i := range len(path) {
		out = append(out, path[:i]+"X"+path[i+1:], path[:i]+path[i+1:])
	}
	return append(out, "x"+path, "./"+path)
}

func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("no %q in %v (looking for %v)", k, keysOf(v), path)
		}
		v = m[k]
	}
	return v
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	return sortedKeys(m)
}

// jsonOf normalises a JSON-like value (numbers as json.Number).
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHostileRefused: each hostile string a setting's policy refuses is
// refused by validation, with an error in cluster.hcl, on the line that
// holds it; nothing is rendered.
func TestHostileRefused(t *testing.T) {
	never := func(string) bool { return false }
	fields := []struct {
		name, attr string // attr: the setting, on whose line the error must be
		policy     func(string) bool
		set        func(s *testSpec, v string)
	}{
		// An empty deploy_host is the schema's (and the builder omits it).
		{"deploy_host", "deploy_host", func(v string) bool { return v == "" || deployHost(v) }, func(s *testSpec, v string) { s.nodes[0].deployHost = v }},
		{"ssh_opts", "ssh_opts", sshOpt, func(s *testSpec, v string) { s.sshOpts = []string{"-p", v} }},
		{"ssh key comment", "ssh_keys", sshComment, func(s *testSpec, v string) { s.users[0].keys = append(s.users[0].keys, sshKey+" "+v) }},
		{"helm chart", "chart", chartName, func(s *testSpec, v string) { s.helm[0].chart = v }},
		{"helm version", "version", helmVersion, func(s *testSpec, v string) { s.helm[0].version = v }},
		{"helm values key", "values", helmKey, func(s *testSpec, v string) { s.helm[0].values = map[string]any{"a": map[string]any{v: 1}} }},
		{"flux branch", "branch", gitBranch, func(s *testSpec, v string) { s.flux.branch = v }},
		{"flux path", "path", fluxPath, func(s *testSpec, v string) { s.flux.path = v }},
		{"k3s flag", "extra_server_flags", singleLine, func(s *testSpec, v string) { s.serverFlags = []string{"--kube-apiserver-arg=x=" + v + "y"} }},
		{"interface", "interface", never, func(s *testSpec, v string) { s.nodes[0].iface = v }},
		{"token_secret", "token_secret", never, func(s *testSpec, v string) { s.tokenSecret = v }},
		{"label key", "labels", never, func(s *testSpec, v string) { s.nodes[0].labels = map[string]string{v: "x"} }},
		// Names that become file names, host names, attribute names and
		// Kubernetes names: never a path.
		{"node name", "node", never, func(s *testSpec, v string) { s.nodes[0].name = v }},
		{"user name", "user", never, func(s *testSpec, v string) { s.users = append(s.users, userBlock{name: v}) }},
		{"group name", "group", never, func(s *testSpec, v string) { s.groups = []groupBlock{{name: v}} }},
		{"helm_release name", "helm_release", never, func(s *testSpec, v string) { s.helm[0].name = v }},
		{"helm namespace", "namespace", never, func(s *testSpec, v string) { s.helm[0].namespace = v }},
		{"block_pool name", "block_pool", never, func(s *testSpec, v string) {
			s.ceph, s.pools, s.nodes[0].osd = true, map[string]string{v: "sc"}, []string{"/dev/disk/by-id/x"}
		}},
		{"storage_class", "storage_class", never, func(s *testSpec, v string) {
			s.ceph, s.pools, s.nodes[0].osd = true, map[string]string{"pool": v}, []string{"/dev/disk/by-id/x"}
		}},
	}
	pathNames := []string{"..", ".", "a/b", "../x", "/x", `a\b`, "x/..", "${x}", "a b", "outPath", "__toString", "A", "é", "a.b"}
	restricted := map[string][]string{
		// Names Nix interprets; paths.
		"interface":    {"outPath", "__toString", "__functor", "..", ".", "a/b", "a b", "${x}", "toolonginterfacename"},
		"token_secret": {"outPath", "__toString", "..", "k3s/../token", "./k3s", "k3s/.", "a b", "${x}", "k3s//token", "/k3s"},
		"label key":    {"outPath", "__toString", "${x}", "a b", "-x"},
	}
	for _, f := range []string{"node name", "user name", "group name", "helm_release name", "helm namespace", "block_pool name", "storage_class"} {
		restricted[f] = pathNames
	}
	for _, f := range fields {
		_, refused := filter(hostile, f.policy)
		if r, ok := restricted[f.name]; ok {
			refused = r
		}
		if len(refused) == 0 {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			for _, v := range refused {
				s := minimalSpec()
				f.set(s, v)
				src := s.hcl(t)
				res, err := pipeline.Spec("cluster.hcl", src, nil)
				if err != nil || res.Files != nil || !res.Diags.HasErrors() {
					t.Errorf("%q accepted (error %v)", v, err)
					continue
				}
				lines := strings.Split(string(src), "\n")
				onItsLine := false
				for _, d := range res.Diags.Errors() {
					if d.Subject.Filename != "cluster.hcl" || d.Subject.Start.Line < 1 || d.Subject.Start.Line > len(lines) {
						continue
					}
					// A map is written one key per line.
					line := lines[d.Subject.Start.Line-1]
					if strings.Contains(line, f.attr+" =") || strings.Contains(line, lit(v)+" =") || strings.Contains(line, v+" =") ||
						strings.HasPrefix(strings.TrimSpace(line), f.attr+" "+lit(v)) {
						onItsLine = true
					}
				}
				if !onItsLine {
					t.Errorf("%q: no error on its line: %v", v, res.Diags)
				}
			}
		})
	}
}

// The spec builder shared by this package's tests.

// testSpec describes a cluster.hcl for the tests of this package; hcl
// writes it with every value as an HCL literal that hclwrite escapes (so a
// "${" in a value is written "$${" and reads back as "${").
type testSpec struct {
	clusterName, domain, timeZone string
	extraModules                  []string
	tokenSecret                   string
	serverFlags, agentFlags       []string
	ceph                          bool
	pools, filesystems            map[string]string // name -> storage class
	flux                          *fluxBlock
	sopsFile                      string
	sshUser                       string
	sshOpts                       []string
	users                         []userBlock
	nodes                         []nodeBlock
	helm                          []helmBlock
	groups                        []groupBlock
}

type fluxBlock struct{ url, branch, path string }

type userBlock struct {
	name  string
	admin bool
	keys  []string
}

type nodeBlock struct {
	name, role, address, iface, mac, deployHost, ageKey, hardware string
	extraModules, groups, taints, osd                             []string
	labels                                                        map[string]string
}

type helmBlock struct {
	name, namespace, repo, chart, version string
	values                                map[string]any
}

type groupBlock struct {
	name, description string
	modules           []string
}

// Keys of the reference spec: valid recipients and an ed25519 public key.
const (
	adminAgeKey = "age1r76t5y208z9qxdtl79d5xm0fj2yh0uf2ufajgs5yc65glr0pxqrsmnp82k"
	fluxAgeKey  = "age17mwx335nelhhr0lk4mefcg94trqwwfmvkapffcrtwj8egcmlzphs7hqgm5"
	sshKey      = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69"
)

// minimalSpec is a small valid spec: one control-plane node, an admin,
// Flux and one Helm release. Tests change one thing in it.
func minimalSpec() *testSpec {
	return &testSpec{
		clusterName: "lab", domain: "home.arpa", timeZone: "UTC",
		tokenSecret: "k3s/token",
		flux:        &fluxBlock{url: "ssh://git@git.example/me/lab.git", branch: "main", path: "kubernetes/manifests"},
		users:       []userBlock{{name: "ops", admin: true, keys: []string{sshKey + " ops@laptop"}}},
		nodes: []nodeBlock{{name: "cp1", role: "control-plane", address: "10.20.0.11", iface: "eth0",
			hardware: "hardware/cp1.nix"}},
		helm: []helmBlock{{name: "app", namespace: "apps", repo: "https://charts.example.org", chart: "app", version: "1.0.0",
			values: map[string]any{"a": "b"}}},
	}
}

// lit writes v as an HCL literal.
func lit(v any) string {
	return string(hclwrite.TokensForValue(toCty(v)).Bytes())
}

func toCty(v any) cty.Value {
	switch x := v.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType)
	case string:
		return cty.StringVal(x)
	case bool:
		return cty.BoolVal(x)
	case int:
		return cty.NumberIntVal(int64(x))
	case int64:
		return cty.NumberIntVal(x)
	case float64:
		return cty.NumberFloatVal(x)
	case []string:
		vs := make([]cty.Value, len(x))
		for i, s := range x {
			vs[i] = cty.StringVal(s)
		}
		return cty.TupleVal(vs)
	case []any:
		vs := make([]cty.Value, len(x))
		for i, e := range x {
			vs[i] = toCty(e)
		}
		return cty.TupleVal(vs)
	case map[string]string:
		m := map[string]cty.Value{}
		for k, s := range x {
			m[k] = cty.StringVal(s)
		}
		return cty.ObjectVal(m)
	case map[string]any:
		m := map[string]cty.Value{}
		for k, e := range x {
			m[k] = toCty(e)
		}
		return cty.ObjectVal(m)
	}
	panic(fmt.Sprintf("toCty: %T", v))
}

// newAgeKey returns a fresh, valid age recipient.
func newAgeKey(t testing.TB) string {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient().String()
}

// hcl writes the spec. Nodes without an age key get a fresh one (stored
// back, so that the spec can be written again identically).
func (s *testSpec) hcl(t testing.TB) []byte {
	t.Helper()
	var b strings.Builder
	attr := func(indent, name string, v any) {
		fmt.Fprintf(&b, "%s%s = %s\n", indent, name, lit(v))
	}
	b.WriteString("cluster " + lit(s.clusterName) + " {\n")
	attr("  ", "domain", s.domain)
	attr("  ", "time_zone", s.timeZone)
	attr("  ", "state_version", "25.05")
	if s.extraModules != nil {
		attr("  ", "extra_modules", s.extraModules)
	}
	b.WriteString("}\n\nnetwork {\n  subnet = \"10.20.0.0/16\"\n  gateway = \"10.20.0.1\"\n  api_vip = \"10.20.0.2\"\n  vrrp_id = 7\n}\n\n")
	b.WriteString("kubernetes {\n")
	attr("  ", "token_secret", s.tokenSecret)
	if s.serverFlags != nil {
		attr("  ", "extra_server_flags", s.serverFlags)
	}
	if s.agentFlags != nil {
		attr("  ", "extra_agent_flags", s.agentFlags)
	}
	b.WriteString("}\n\ncilium {\n  version = \"1.16.5\"\n}\n\n")
	if s.ceph {
		b.WriteString("ceph {\n  rook_version = \"v1.15.6\"\n  ceph_image = \"quay.io/ceph/ceph:v19.2.0\"\n  replicas = 1\n")
		for _, kind := range []struct {
			block string
			m     map[string]string
		}{{"block_pool", s.pools}, {"filesystem", s.filesystems}} {
			for _, name := range sortedKeys(kind.m) {
				fmt.Fprintf(&b, "  %s %s {\n    storage_class = %s\n  }\n", kind.block, lit(name), lit(kind.m[name]))
			}
		}
		b.WriteString("}\n\n")
	}
	if s.flux != nil {
		b.WriteString("flux {\n")
		attr("  ", "url", s.flux.url)
		attr("  ", "branch", s.flux.branch)
		attr("  ", "path", s.flux.path)
		attr("  ", "sops_age_key", fluxAgeKey)
		b.WriteString("}\n\n")
	}
	b.WriteString("secrets {\n")
	if s.sopsFile != "" {
		attr("  ", "sops_file", s.sopsFile)
	}
	attr("  ", "admin_age_keys", []string{adminAgeKey})
	b.WriteString("}\n\n")
	if s.sshUser != "" || s.sshOpts != nil {
		b.WriteString("deploy {\n")
		if s.sshUser != "" {
			attr("  ", "ssh_user", s.sshUser)
		}
		if s.sshOpts != nil {
			attr("  ", "ssh_opts", s.sshOpts)
		}
		b.WriteString("}\n\n")
	}
	for _, u := range s.users {
		b.WriteString("user " + lit(u.name) + " {\n")
		attr("  ", "admin", u.admin)
		attr("  ", "ssh_keys", u.keys)
		b.WriteString("}\n\n")
	}
	for i := range s.nodes {
		n := &s.nodes[i]
		if n.ageKey == "" {
			n.ageKey = newAgeKey(t)
		}
		b.WriteString("node " + lit(n.name) + " {\n")
		attr("  ", "role", n.role)
		attr("  ", "address", n.address)
		attr("  ", "interface", n.iface)
		if n.mac != "" {
			attr("  ", "mac", n.mac)
		}
		if n.deployHost != "" {
			attr("  ", "deploy_host", n.deployHost)
		}
		attr("  ", "age_key", n.ageKey)
		attr("  ", "hardware", n.hardware)
		for _, l := range []struct {
			name string
			v    []string
		}{{"extra_modules", n.extraModules}, {"groups", n.groups}, {"taints", n.taints}, {"ceph_osd_devices", n.osd}} {
			if l.v != nil {
				attr("  ", l.name, l.v)
			}
		}
		if n.labels != nil {
			attr("  ", "labels", n.labels)
		}
		b.WriteString("}\n\n")
	}
	for _, h := range s.helm {
		b.WriteString("helm_release " + lit(h.name) + " {\n")
		attr("  ", "namespace", h.namespace)
		attr("  ", "repo", h.repo)
		attr("  ", "chart", h.chart)
		attr("  ", "version", h.version)
		if h.values != nil {
			attr("  ", "values", h.values)
		}
		b.WriteString("}\n\n")
	}
	for _, g := range s.groups {
		b.WriteString("group " + lit(g.name) + " {\n")
		attr("  ", "description", g.description)
		if g.modules != nil {
			attr("  ", "modules", g.modules)
		}
		b.WriteString("}\n\n")
	}
	return []byte(b.String())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
