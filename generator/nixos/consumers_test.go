package nixos

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/internal/testtool"
	"github.com/hlcgen/hlcgen/model"
)

// keepalivedScript is a vrrp script as the host's configuration has it.
type keepalivedScript struct {
	Script                                string
	Interval, Fall, Rise, Timeout, Weight int
	User                                  string
	Group                                 *string
}

// TestConsumersCheckConfig hands every server's HAProxy and keepalived
// configuration, as the host's merged NixOS configuration has it, to the
// daemons' own configuration checks: `haproxy -c` and `keepalived -t`
// (Debian's builds). The configuration files are made from the options the
// way nixpkgs' modules make them.
func TestConsumersCheckConfig(t *testing.T) {
	haproxy := testtool.Require(t, "haproxy")
	keepalived := testtool.Require(t, "keepalived")
	testtool.Require(t, "ip")
	testtool.Require(t, "unshare")
	pgrep := testtool.Require(t, "pgrep")
	// keepalived refuses a script user that does not exist here, and a
	// script whose file does not: the test runs the script as nobody, with
	// this machine's pgrep.
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	group, err := user.LookupGroupId(nobody.Gid)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, tc := range allCases(t) {
		t.Run(tc.Name, func(t *testing.T) {
			c, hosts, _ := evalHosts(t, tc)
			for _, name := range c.ControlPlaneNodes() {
				h := hosts[name]
				dir := t.TempDir()
				if h.Haproxy == nil || h.Keepalived == nil {
					t.Fatalf("server %s runs no HAProxy or keepalived", name)
				}
				cfg := filepath.Join(dir, "haproxy.cfg")
				if err := os.WriteFile(cfg, []byte(*h.Haproxy), 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(haproxy, "-c", "-f", cfg).CombinedOutput(); err != nil {
					t.Errorf("%s: haproxy -c: %v\n%s\n%s", name, err, out, *h.Haproxy)
				}

				k := *h.Keepalived
				for n, s := range k.Scripts {
					store, args, ok := strings.Cut(s.Script, "/bin/pgrep ")
					if !ok || !strings.HasPrefix(store, "/nix/store/") {
						t.Fatalf("%s: vrrp script %s runs %q, not pgrep from the store", name, n, s.Script)
					}
					s.Script, s.User, s.Group = pgrep+" "+args, nobody.Username, &group.Name
					k.Scripts[n] = s
				}
				conf := filepath.Join(dir, "keepalived.conf")
				if err := os.WriteFile(conf, keepalivedConf(k), 0o644); err != nil {
					t.Fatal(err)
				}
				checkKeepalived(t, keepalived, name, k.Instance.Interface, conf)
				checked++
			}
		})
	}
	if checked == 0 {
		t.Fatal("no server checked")
	}
}

// checkKeepalived runs `keepalived -t` in a network namespace of its own,
// where the VRRP interface exists (keepalived refuses an instance on an
// interface it cannot find). Debian's keepalived 2.2.7 ends a config test
// of a file with a script user by killing itself with SIGTERM
// (acassen/keepalived#2587), so its exit status says nothing: a clean
// configuration is one about which it prints nothing.
func checkKeepalived(t *testing.T, keepalived, node, iface, conf string) {
	t.Helper()
	cmd := exec.Command("unshare", "--net", "sh", "-c",
		`ip link add "$1" type veth peer name hlcgen-peer && exec "$2" -t -f "$3"`, "sh", iface, keepalived, conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && (ee.ExitCode() == 143 || ee.ExitCode() == -1)) {
		t.Errorf("%s: keepalived -t: %v\n%s", node, err, out.String())
	}
	if s := strings.TrimSpace(out.String()); s != "" {
		src, _ := os.ReadFile(conf)
		t.Errorf("%s: keepalived -t reports:\n%s\nin\n%s", node, s, src)
	}
}

// keepalivedConf writes the configuration file keepalived reads, from the
// options, in the layout of nixpkgs' keepalived module
// (nixos/modules/services/networking/keepalived/default.nix at
// 01239b864f8472863b56a1fc26876324d9cd7c90: global_defs with
// enable_script_security, one vrrp_script block per script with all its
// settings and "user <user> [<group>]", one vrrp_instance block with
// unicast_peer, virtual_ipaddress and track_script blocks). Only the
// options hlcgen sets are written.
func keepalivedConf(k keepalivedOptions) []byte {
	var b bytes.Buffer
	b.WriteString("global_defs {\n")
	if k.EnableScriptSecurity {
		b.WriteString("  enable_script_security\n")
	}
	b.WriteString("}\n")
	for _, name := range model.SortedKeys(k.Scripts) {
		s := k.Scripts[name]
		group := ""
		if s.Group != nil {
			group = " " + *s.Group
		}
		fmt.Fprintf(&b, "vrrp_script %s {\n  script %q\n  interval %d\n  fall %d\n  rise %d\n  timeout %d\n  weight %d\n  user %s%s\n}\n",
			name, s.Script, s.Interval, s.Fall, s.Rise, s.Timeout, s.Weight, s.User, group)
	}
	in := k.Instance
	fmt.Fprintf(&b, "vrrp_instance k8s-api {\n  interface %s\n  state %s\n  virtual_router_id %d\n  priority %d\n", in.Interface, in.State, in.VirtualRouterId, in.Priority)
	if in.UnicastSrcIp != "" {
		fmt.Fprintf(&b, "  unicast_src_ip %s\n", in.UnicastSrcIp)
	}
	if len(in.UnicastPeers) > 0 {
		fmt.Fprintf(&b, "  unicast_peer {\n    %s\n  }\n", strings.Join(in.UnicastPeers, "\n    "))
	}
	b.WriteString("  virtual_ipaddress {\n")
	for _, ip := range in.VirtualIps {
		fmt.Fprintf(&b, "    %s\n", ip.Addr)
	}
	b.WriteString("  }\n")
	if len(in.TrackScripts) > 0 {
		fmt.Fprintf(&b, "  track_script {\n    %s\n  }\n", strings.Join(in.TrackScripts, "\n    "))
	}
	b.WriteString("}\n")
	return b.Bytes()
}
