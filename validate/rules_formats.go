package validate

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	// The zone database is embedded so that time zones are checked the
	// same way on every machine, including ones without /usr/share/zoneinfo.
	_ "time/tzdata"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/model"
)

// zoneNameRE is the shape of IANA zone names ("Europe/Berlin", "UTC",
// "Etc/GMT+5"). time.LoadLocation also reads ZONEINFO and the system's zone
// directory, which may hold files that are not zones; requiring this shape
// keeps the check about zone names.
var zoneNameRE = regexp.MustCompile(`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`)

// timeZoneProblem explains why tz is not a time zone NixOS' time.timeZone
// accepts, or returns "".
func timeZoneProblem(tz string) string {
	switch {
	case tz == "Local":
		return `"Local" means the zone of whatever machine reads it, not a zone; NixOS needs an IANA zone name`
	case !zoneNameRE.MatchString(tz):
		return "a zone name is made of IANA zone words such as Europe/Berlin, with no spaces"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "it is not in the IANA time zone database (`timedatectl list-timezones` lists them)"
	}
	return ""
}

// zoneSpelling returns the IANA spelling of a zone written in the wrong case
// ("europe/berlin" -> "Europe/Berlin", "utc" -> "UTC"), if that is a zone.
func zoneSpelling(tz string) string {
	title := []byte(strings.ToLower(tz))
	for i := range title {
		if i == 0 || strings.IndexByte("/_-", title[i-1]) >= 0 {
			title[i] = byte(unicode.ToUpper(rune(title[i])))
		}
	}
	for _, cand := range []string{string(title), strings.ToUpper(tz)} {
		if cand == tz || !zoneNameRE.MatchString(cand) {
			continue
		}
		if _, err := time.LoadLocation(cand); err == nil {
			return cand
		}
	}
	return ""
}

func checkTimeZone(rc *ruleContext) {
	tz := rc.c.Cluster.TimeZone
	if tz == "" {
		// Missing or empty: the schema reported it.
		return
	}
	if p := timeZoneProblem(tz); p != "" {
		hint := `Write an IANA zone such as "Europe/Berlin" or "UTC".`
		if s := zoneSpelling(tz); s != "" {
			hint = "Did you mean \"" + s + "\"? Zone names are case-sensitive."
		}
		rc.add(diag.TimeZone, rc.value("cluster", "time_zone"), "time_zone %q: %s. %s", tz, p, hint)
	}
}

// cidrSetting is one CIDR the spec declares.
type cidrSetting struct {
	path []string
	name string // as the user writes it, e.g. "network.subnet"
	// p is the network as written (host bits included); not valid when
	// the schema rejected it.
	p netip.Prefix
}

func (rc *ruleContext) cidrSettings() []cidrSetting {
	return []cidrSetting{
		{[]string{"network", "subnet"}, "network.subnet", rc.c.Network.Subnet},
		{[]string{"kubernetes", "cluster_cidr"}, "kubernetes.cluster_cidr", rc.c.Kubernetes.ClusterCIDR},
		{[]string{"kubernetes", "service_cidr"}, "kubernetes.service_cidr", rc.c.Kubernetes.ServiceCIDR},
	}
}

// checkCIDRs wants canonical IPv4 CIDRs: the address part is the network
// address. "10.10.10.5/24" usually means the user pasted a host's address;
// generators must not have to guess which network was meant.
func checkCIDRs(rc *ruleContext) {
	for _, s := range rc.cidrSettings() {
		p := s.p
		switch {
		case !p.IsValid():
			continue // missing, or the schema reported it
		case !p.Addr().Is4():
			rc.add(diag.CIDR, rc.value(s.path...), "%s = %q is not an IPv4 network; hlcgen builds IPv4-only clusters. Write an IPv4 CIDR such as \"10.10.10.0/24\".", s.name, p)
		case p.Masked() != p:
			at := rc.value(s.path...)
			rc.diags = append(rc.diags, diag.New(diag.CIDR, at,
				"%s = %q has host bits set: the network it names is %s. Write %q; a host's own address goes elsewhere (node address, network.gateway).",
				s.name, p, p.Masked(), p.Masked().String()).WithFix(at, strconv.Quote(p.Masked().String())))
		}
	}
}

// checkAgeRecipients parses every age recipient with age itself: the
// schema's pattern cannot see a wrong checksum, which is what a mistyped or
// truncated key usually has.
func checkAgeRecipients(rc *ruleContext) {
	c := rc.c
	check := func(key string, path []string, owner, howTo string) {
		if key == "" {
			return // missing or rejected by the schema
		}
		if _, err := age.ParseX25519Recipient(key); err != nil {
			rc.add(diag.AgeRecipient, rc.value(path...), "%s %q is not a valid age X25519 recipient (%s). %s",
				owner, key, ageCause(err), howTo)
		}
	}
	for _, n := range c.NodeNames() {
		check(c.Nodes[n].AgeKey, []string{"nodes", n, "age_key"}, "Node \""+n+"\"'s age_key",
			"Paste the output of `ssh-to-age < /etc/ssh/ssh_host_ed25519_key.pub` run on the node.")
	}
	for i, k := range c.Secrets.AdminAgeKeys {
		check(k, []string{"secrets", "admin_age_keys", idx(i)}, "The admin age key",
			"Paste the recipient printed by `age-keygen -y ~/.config/sops/age/keys.txt`.")
	}
	if c.Flux != nil {
		check(c.Flux.SopsAgeKey, []string{"flux", "sops_age_key"}, "flux.sops_age_key",
			"Paste the recipient of the key Flux decrypts with, as printed by `age-keygen -y`.")
	}
}

func ageCause(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "checksum"):
		return "its checksum does not match, so a character is wrong or missing"
	case strings.Contains(msg, "length"):
		return "it has the wrong length"
	}
	return msg
}

// sshOptions are the authorized_keys options sshd knows (sshd(8),
// AUTHORIZED_KEYS FILE FORMAT). x/crypto/ssh accepts any word as an option,
// but sshd ignores a whole line with an option it does not know.
var sshOptions = map[string]bool{
	"agent-forwarding": true, "cert-authority": true, "command": true, "environment": true,
	"expiry-time": true, "from": true, "no-agent-forwarding": true, "no-port-forwarding": true,
	"no-pty": true, "no-user-rc": true, "no-x11-forwarding": true, "permitlisten": true,
	"permitopen": true, "port-forwarding": true, "principals": true, "pty": true,
	"no-touch-required": true, "restrict": true, "tunnel": true, "user-rc": true,
	"verify-required": true, "x11-forwarding": true,
}

// sshKeyProblem explains why key is not one OpenSSH authorized_keys line, or
// returns "".
func sshKeyProblem(key string) string {
	switch {
	case strings.TrimSpace(key) == "":
		return "it is empty"
	case strings.Contains(key, "PRIVATE KEY"):
		// A whole private key is HLC050's (checkPastedSecrets); this
		// is a fragment of one.
		return "this looks like part of a PRIVATE key. Remove it, and if it was ever committed or pushed, consider it leaked and generate a new pair; paste only the .pub file's line"
	case strings.ContainsAny(key, "\r\n"):
		return "it spans several lines; put each key in its own list element, one line each"
	}
	pk, _, options, rest, err := ssh.ParseAuthorizedKey([]byte(key))
	if err != nil {
		return "it is not an OpenSSH public key line; paste the whole line of ~/.ssh/id_ed25519.pub (\"ssh-ed25519 AAAA... you@laptop\")"
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return "it holds more than one key; put each key in its own list element"
	}
	for _, o := range options {
		name, _, _ := strings.Cut(o, "=")
		if !sshOptions[strings.ToLower(name)] {
			return "it starts with " + quoteList([]string{name}) + ", which is neither a key type nor an sshd option; paste the key line as ssh-keygen wrote it"
		}
	}
	if pk.Type() == ssh.KeyAlgoDSA { //nolint:staticcheck // named to reject it
		return "it is a DSA key, which OpenSSH no longer accepts (removed in 9.8); generate an ed25519 key with `ssh-keygen -t ed25519`"
	}
	return ""
}

func checkSSHKeys(rc *ruleContext) {
	for _, u := range model.SortedKeys(rc.c.Users) {
		for i, k := range rc.c.Users[u].SSHKeys {
			if rc.failed("users", u, "ssh_keys", idx(i)) {
				continue // a private key: reported as HLC050
			}
			if p := sshKeyProblem(k); p != "" {
				rc.add(diag.SSHKey, rc.value("users", u, "ssh_keys", idx(i)), "User %q's ssh_keys[%d]: %s.", u, i, p)
			}
		}
	}
}
