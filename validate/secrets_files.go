package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"go.yaml.in/yaml/v3"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// SecretsState is what the repository holds at a secrets file's path.
type SecretsState int

const (
	// SecretsUpToDate: encrypted for exactly the recipients of its rule.
	SecretsUpToDate SecretsState = iota
	// SecretsMissing: no file at the path yet.
	SecretsMissing
	// SecretsDrifted: encrypted, but for other recipients than its rule's;
	// `sops updatekeys` re-encrypts its data key for the rule's.
	SecretsDrifted
	// SecretsPlaintext: a file that sops did not encrypt.
	SecretsPlaintext
	// SecretsUnreadable: not YAML or JSON, or not a regular file.
	SecretsUnreadable
	// SecretsUncovered: an encrypted file beside the secrets files that no
	// rule of .sops.yaml covers (a removed node's own file, say).
	SecretsUncovered
)

func (s SecretsState) String() string {
	return [...]string{"up to date", "missing", "needs updatekeys", "not encrypted", "unreadable", "no rule"}[s]
}

// SecretsAudit is one sops file of the repository, or one the cluster
// expects, compared with what .sops.yaml says about it.
type SecretsAudit struct {
	// Path is relative to the repository (cluster.hcl's directory).
	Path string
	// What the file holds, for people.
	What string
	// Readers are who may decrypt it besides the admins: node names, or
	// "Flux".
	Readers []string
	// Keys are the keys hlcgen's modules read from it.
	Keys  []string
	State SecretsState
	// Want are the recipients of its rule; Missing and Extra are those
	// the file lacks and those it has beyond them (any key that is not an
	// age recipient, such as a PGP fingerprint, is extra: hlcgen's rules
	// only name age recipients).
	Want, Missing, Extra []string
	// Problem says why an unreadable file could not be read.
	Problem string

	src  []byte
	meta *sopsMetadata
}

// Source is the file's content, for diagnostics' snippets (nil when the
// file is missing).
func (a SecretsAudit) Source() []byte { return a.src }

// maxSopsFile bounds what is read of a secrets file: sops files are small,
// and a huge file in the secrets directory is not one hlcgen wrote.
const maxSopsFile = 16 << 20

// AuditSecrets reads, without decrypting anything, the sops metadata of
// every secrets file the cluster's rules cover that exists in repo, and of
// every other .yaml, .yml or .json file beside them, and compares each
// file's recipients with its rule's.
//
// sops keeps a file's recipients in plain metadata, under the document's
// top-level "sops" key: "age" is a list of {recipient, enc}, one per
// recipient, and a file with several key groups has "key_groups" instead,
// each with its own lists (getsops/sops stores/stores.go, Metadata). A
// file without that key, or without its "mac", was not written by sops.
//
// The files are the host files, the control plane's, the nodes' and
// Tailscale's (model.SecretsFiles), the Kubernetes Secrets under the Flux
// path (*.sops.yaml, *.sops.yml), and, as strays, any other YAML or JSON
// file in the directories of the secrets files (secrets/ and
// secrets/hosts/ by default; not the repository's root).
func AuditSecrets(c *model.Cluster, repo fs.FS) []SecretsAudit {
	if c == nil || repo == nil {
		return nil
	}
	var out []SecretsAudit
	covered := map[string]bool{}
	dirs := map[string]bool{path.Dir(model.HostSecretsFile("x")): true}
	// The shared files first, then the hosts' own.
	files := c.SecretsFiles()
	hostDir := path.Dir(model.HostSecretsFile("x"))
	slices.SortStableFunc(files, func(a, b model.SecretsFile) int {
		ah, bh := path.Dir(a.Path) == hostDir, path.Dir(b.Path) == hostDir
		switch {
		case ah == bh:
			return 0
		case bh:
			return -1
		}
		return 1
	})
	for _, f := range files {
		covered[f.Path] = true
		if d := path.Dir(f.Path); d != "." {
			dirs[d] = true
		}
		out = append(out, audit(repo, SecretsAudit{Path: f.Path, What: f.What, Readers: f.Nodes, Keys: f.Keys, Want: f.Recipients}))
	}
	if c.Flux != nil {
		for _, p := range fluxSecretFiles(repo, c.Flux.Path) {
			covered[p] = true
			out = append(out, audit(repo, SecretsAudit{Path: p, What: "a Kubernetes Secret Flux decrypts", Readers: []string{"Flux"}, Want: c.FluxRecipients()}))
		}
	}
	for _, d := range sortedSet(dirs) {
		entries, err := fs.ReadDir(repo, d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			p := path.Join(d, e.Name())
			if covered[p] || e.IsDir() || !isSopsName(e.Name()) {
				continue
			}
			a := audit(repo, SecretsAudit{Path: p, What: uncoveredWhat})
			if a.State == SecretsDrifted || a.State == SecretsUpToDate {
				a.State = SecretsUncovered
			}
			out = append(out, a)
		}
	}
	return out
}

// uncoveredWhat is what a file beside the secrets files holds that no rule
// covers.
const uncoveredWhat = "a file no rule of .sops.yaml covers"

func isSopsName(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml" || ext == ".json"
}

// fluxSecretFiles are the files under the Flux path that the Flux rule of
// .sops.yaml covers: *.sops.yaml and *.sops.yml at any depth.
func fluxSecretFiles(repo fs.FS, dir string) []string {
	dir = path.Clean(strings.TrimPrefix(dir, "./"))
	var out []string
	_ = fs.WalkDir(repo, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir // .git and the like
		}
		if d.Type().IsRegular() && (strings.HasSuffix(p, ".sops.yaml") || strings.HasSuffix(p, ".sops.yml")) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// audit reads the file at a.Path and fills in its state.
func audit(repo fs.FS, a SecretsAudit) SecretsAudit {
	info, err := fs.Stat(repo, a.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a.State = SecretsMissing
		return a
	case err != nil:
		a.State, a.Problem = SecretsUnreadable, err.Error()
		return a
	case !info.Mode().IsRegular():
		a.State, a.Problem = SecretsUnreadable, "it is not a regular file"
		return a
	case info.Size() > maxSopsFile:
		a.State, a.Problem = SecretsUnreadable, fmt.Sprintf("it has %d bytes; a sops file of hlcgen's has a few kilobytes", info.Size())
		return a
	}
	src, err := fs.ReadFile(repo, a.Path)
	if err != nil {
		a.State, a.Problem = SecretsUnreadable, err.Error()
		return a
	}
	a.src = src
	meta, err := readSopsMetadata(src)
	switch {
	case err != nil:
		a.State, a.Problem = SecretsUnreadable, err.Error()
		return a
	case meta == nil:
		a.State = SecretsPlaintext
		return a
	}
	a.meta = meta
	have := meta.recipients()
	for _, k := range a.Want {
		if !slices.Contains(have, k) {
			a.Missing = append(a.Missing, k)
		}
	}
	for _, k := range have {
		if !slices.Contains(a.Want, k) {
			a.Extra = append(a.Extra, k)
		}
	}
	a.State = SecretsUpToDate
	if len(a.Missing)+len(a.Extra) > 0 || meta.groups > 1 {
		a.State = SecretsDrifted
	}
	return a
}

// sopsMetadata is what hlcgen reads of a sops file's metadata.
type sopsMetadata struct {
	// keys are the file's recipients: age recipients as they are, other
	// kinds named with their kind ("PGP key 85D7...").
	keys   []string
	groups int       // key groups; 1 when the file has none
	at     yaml.Node // the "sops" key, for positions
}

// recipients are the file's keys, sorted, without repeats.
func (m *sopsMetadata) recipients() []string {
	return slices.Compact(slices.Sorted(slices.Values(m.keys)))
}

// otherKeys are sops's other key kinds: the metadata list, the field that
// names a key, and how to name it to people.
var otherKeys = []struct{ list, field, kind string }{
	{"pgp", "fp", "PGP key"},
	{"kms", "arn", "AWS KMS key"},
	{"gcp_kms", "resource_id", "GCP KMS key"},
	{"azure_kv", "vault_url", "Azure Key Vault key"},
	{"hc_vault", "vault_address", "HashiCorp Vault key"},
}

// readSopsMetadata returns the metadata of a sops file, or nil when the
// document has none (a plain file). YAML is a superset of the JSON sops
// writes, so one parser reads both, with positions.
func readSopsMetadata(src []byte) (*sopsMetadata, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("it is neither YAML nor JSON: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		key, sops := mapValue(doc.Content[0], "sops")
		if sops == nil || sops.Kind != yaml.MappingNode {
			continue
		}
		if _, mac := mapValue(sops, "mac"); mac == nil {
			return nil, nil // a "sops" key that sops did not write
		}
		m := &sopsMetadata{at: *key, groups: 1}
		if _, groups := mapValue(sops, "key_groups"); groups != nil && groups.Kind == yaml.SequenceNode {
			m.groups = len(groups.Content)
			for _, g := range groups.Content {
				m.read(g)
			}
		} else {
			m.read(sops)
		}
		return m, nil
	}
}

// read collects the keys of one key group (or of the metadata itself).
func (m *sopsMetadata) read(group *yaml.Node) {
	collect := func(list, field, kind string) {
		if _, seq := mapValue(group, list); seq != nil && seq.Kind == yaml.SequenceNode {
			for _, item := range seq.Content {
				if _, v := mapValue(item, field); v != nil && v.Kind == yaml.ScalarNode {
					m.keys = append(m.keys, kind+strings.TrimSpace(v.Value))
				}
			}
		}
	}
	collect("age", "recipient", "")
	for _, o := range otherKeys {
		collect(o.list, o.field, o.kind+" ")
	}
}

// mapValue returns the key and value nodes of key in a mapping node.
func mapValue(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// UpdateKeysCommand is the command that re-encrypts a drifted file for the
// recipients of its rule in .sops.yaml, run from the repository (sops finds
// .sops.yaml from the working directory up). It decrypts the file's data
// key, so an admin runs it with their age key.
func UpdateKeysCommand(file string) string {
	return "sops updatekeys -y " + shellQuote(file)
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// CheckSecrets reports the secrets files whose state needs an operator:
// recipients that drifted from .sops.yaml (HLC170), a file sops did not
// encrypt (HLC171), one that cannot be read (HLC171 too), and an encrypted
// file no rule covers (HLC172, a warning). sev is HLC170's severity: a
// render that has just changed .sops.yaml reports drift as a warning (the
// next step is updatekeys, which reads the new rules); validate, `render
// --check` and CI report it as an error. Each diagnostic's range is in the
// secrets file.
func CheckSecrets(c *model.Cluster, audits []SecretsAudit, sev diag.Severity) diag.Diagnostics {
	who := recipientNames(c)
	var ds diag.Diagnostics
	for _, a := range audits {
		at := firstLine(a)
		switch a.State {
		case SecretsDrifted:
			d := diag.New(diag.SecretsRecipients, metaRange(a), "%s", driftDetail(a, who))
			d.Severity = sev
			ds = append(ds, d)
		case SecretsPlaintext:
			if a.What == uncoveredWhat {
				ds = append(ds, diag.New(diag.SecretsPlaintext, at,
					"%s is not sops-encrypted, and no rule of .sops.yaml covers it, so whatever it holds is plain text in Git (and `sops encrypt` would refuse it). Move its secrets into a sops file of the cluster (`sops %s` edits one), delete it (`git rm %s`), and rotate them: they are in your Git history.",
					a.Path, shellQuote(c.Secrets.SopsFile), shellQuote(a.Path)))
				break
			}
			ds = append(ds, diag.New(diag.SecretsPlaintext, at,
				"%s should hold %s, but it is not sops-encrypted: whatever it holds is plain text in Git. Encrypt it in place (`sops encrypt -i %s`, which follows .sops.yaml), and rotate any secret it held: it is in your Git history.",
				a.Path, a.What, shellQuote(a.Path)))
		case SecretsUnreadable:
			ds = append(ds, diag.New(diag.SecretsPlaintext, at,
				"%s cannot be read as a sops file: %s. Replace it with the sops-encrypted file (`sops %s` creates one).", a.Path, a.Problem, shellQuote(a.Path)))
		case SecretsUncovered:
			whose := ""
			if dir, file := path.Split(a.Path); dir == path.Dir(model.HostSecretsFile("x"))+"/" {
				whose = fmt.Sprintf(", the own file of a node %q that cluster.hcl no longer has", strings.TrimSuffix(file, path.Ext(file)))
			}
			ds = append(ds, diag.New(diag.SecretsUncovered, metaRange(a),
				"%s is sops-encrypted%s, but no rule of .sops.yaml covers it: `sops` cannot edit or re-encrypt it, and whoever it was encrypted for (%s) can still read it. If its secrets are no longer used, delete it (`git rm %s`); otherwise move them into a file of the cluster.",
				a.Path, whose, joinAnd(names(a.meta.recipients(), who)), shellQuote(a.Path)))
		}
	}
	return ds
}

// firstLine is the range of the file's first line.
func firstLine(a SecretsAudit) hcl.Range {
	n := len(a.src)
	if i := bytes.IndexByte(a.src, '\n'); i >= 0 {
		n = i
	}
	return hcl.Range{Filename: a.Path, Start: hcl.InitialPos, End: hcl.Pos{Line: 1, Column: 1 + utf8.RuneCount(a.src[:n]), Byte: n}}
}

// metaRange is the range of the file's "sops" key, or its first line.
func metaRange(a SecretsAudit) hcl.Range {
	r := firstLine(a)
	if a.meta != nil && a.meta.at.Line > 0 {
		k := a.meta.at
		r.Start = hcl.Pos{Line: k.Line, Column: k.Column, Byte: lineOffset(a.src, k.Line) + k.Column - 1}
		r.End = hcl.Pos{Line: k.Line, Column: k.Column + len(k.Value), Byte: r.Start.Byte + len(k.Value)}
	}
	return r
}

func lineOffset(src []byte, line int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	return off
}

func driftDetail(a SecretsAudit, who map[string]string) string {
	var parts []string
	if len(a.Missing) > 0 {
		parts = append(parts, joinAnd(names(a.Missing, who))+" cannot decrypt it")
	}
	if len(a.Extra) > 0 {
		parts = append(parts, fmt.Sprintf("%s can still decrypt it though .sops.yaml no longer names %s", joinAnd(names(a.Extra, who)), plural(len(a.Extra), "it", "them")))
	}
	if a.meta != nil && a.meta.groups > 1 {
		parts = append(parts, fmt.Sprintf("it is split into %d key groups (Shamir), where hlcgen's rule has one", a.meta.groups))
	}
	detail := fmt.Sprintf("%s (%s) is encrypted for other recipients than its rule in .sops.yaml: %s. An admin re-encrypts it for the rule's recipients, from the repository: `%s`.",
		a.Path, a.What, strings.Join(parts, "; "), UpdateKeysCommand(a.Path))
	if len(a.Extra) > 0 {
		detail += " A removed reader may have kept a copy: rotate the secrets it held."
	}
	return detail
}

// recipientNames names each age recipient of the cluster for people.
func recipientNames(c *model.Cluster) map[string]string {
	who := map[string]string{}
	if c == nil {
		return who
	}
	for i, k := range c.Secrets.AdminAgeKeys {
		who[k] = fmt.Sprintf("admin key %d (%s)", i+1, short(k))
	}
	if c.Flux != nil {
		who[c.Flux.SopsAgeKey] = fmt.Sprintf("Flux's key (%s)", short(c.Flux.SopsAgeKey))
	}
	for _, n := range c.NodeNames() {
		if k := c.Nodes[n].AgeKey; k != "" {
			who[k] = fmt.Sprintf("node %s (%s)", strconv.Quote(n), short(k))
		}
	}
	return who
}

func names(keys []string, who map[string]string) []string {
	var out []string
	for _, k := range keys {
		if w, ok := who[k]; ok {
			out = append(out, w)
		} else if strings.HasPrefix(k, "age1") {
			out = append(out, "the age key "+short(k)+" of no node or admin")
		} else {
			out = append(out, k)
		}
	}
	return out
}

// short abbreviates an age recipient: "age1qqtg98h…2fmz".
func short(k string) string {
	if len(k) <= 16 {
		return k
	}
	return k[:11] + "…" + k[len(k)-4:]
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
