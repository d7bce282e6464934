package specdiff_test

import (
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/specdiff"
)

// TestCare: the rules the scripts do not reach (diff_care.txtar has the
// others), and safe changes that stay safe. Each case edits the reference
// spec and names the change that must carry care, by the start of its
// line and of its sentence.
func TestCare(t *testing.T) {
	alice := `
user "alice" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINIo03EE2YVyKzHMYfKnYoJAcGNtmllWXnVgS34rsML5 alice"]
}
`
	for _, tc := range []struct {
		name        string
		base, edits []string
		change, why string
	}{
		{"user removed", []string{"", alice}, []string{alice, ""}, `user "alice" removed`, "`alice` can no longer log in"},
		{"admin no more", []string{"", alice}, []string{"admin    = true\n  ssh_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINIo03EE2YVyKzHMYfKnYoJAcGNtmllWXnVgS34rsML5 alice\"]", "admin    = false\n  ssh_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINIo03EE2YVyKzHMYfKnYoJAcGNtmllWXnVgS34rsML5 alice\"]"},
			`user "alice": admin true → false`, "`alice` loses admin rights"},
		{"flux key", nil, []string{`sops_age_key = "age17mwx335nelhhr0lk4mefcg94trqwwfmvkapffcrtwj8egcmlzphs7hqgm5"`, `sops_age_key = "age17wlka7flj37pe4jhwnafkmk3m2dkca7t4yfypddyjgahp8yfacvsepsz60"`},
			`flux: sops_age_key`, "Flux decrypts with the new key"},
		{"OSD removed from a node", nil, []string{`ceph_osd_devices = ["/dev/disk/by-id/ata-WDC_WD40EFRX_WD-WCC7K0000002"]`, `ceph_osd_devices = ["/dev/disk/by-id/ata-WDC_WD40EFRX_WD-WCC7K0000009"]`},
			`node "w2": ceph_osd_devices added`, "The Ceph OSD of `w2` on `/dev/disk/by-id/ata-WDC_WD40EFRX_WD-WCC7K0000002` goes"},
		{"worker renamed", nil, []string{`node "w2" {`, `node "w7" {`}, `node "w2" renamed to "w7"`, "Kubernetes knows the node as `w2`"},
		{"ceph removed", nil, []string{"ceph {", "cephx {"}, `ceph removed`, "Flux prunes the CephCluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := reference(t)
			if tc.base != nil {
				base = edit(t, base+"\n#end\n", "#end", tc.base[1])
			}
			next := base
			if tc.edits[0] == "" {
				next += tc.edits[1]
			} else {
				next = edit(t, base, tc.edits...)
			}
			if tc.name == "ceph removed" {
				next = dropBlock(t, base, "ceph {")
				next = strings.ReplaceAll(next, `storageClassName = "ceph-block", `, "")
			}
			cs := specdiff.Compare(cluster(t, base), cluster(t, next))
			found := false
			var walk func([]specdiff.Change)
			walk = func(cs []specdiff.Change) {
				for _, c := range cs {
					if strings.HasPrefix(c.String(), tc.change) {
						found = true
						if !strings.HasPrefix(c.Care.Markdown(), tc.why) {
							t.Errorf("%s: care %q, want it to start %q", c, c.Care.Markdown(), tc.why)
						}
					}
					walk(c.Follows)
				}
			}
			walk(cs)
			if !found {
				t.Errorf("no change %q in:\n%s", tc.change, lines(cs))
			}
		})
	}
}

func dropBlock(t *testing.T, src, header string) string {
	t.Helper()
	start := strings.Index(src, "\n"+header)
	if start < 0 {
		t.Fatalf("no block %q", header)
	}
	end := strings.Index(src[start:], "\n}\n") + start + 3
	return src[:start+1] + src[end:]
}

// TestSafe: what needs no care carries none.
func TestSafe(t *testing.T) {
	ref := reference(t)
	next := edit(t, ref,
		`labels           = { "topology.kubernetes.io/zone" = "rack-a" }`, `labels           = { "topology.kubernetes.io/zone" = "rack-c" }`,
		`size = "5Gi"`, `size = "6Gi"`,
		`version                = "1.16.5"`, `version                = "1.17.0"`,
		`interval     = "10m"`, `interval     = "5m"`,
		`replicas     = 3`, `replicas     = 3`,
	)
	for _, c := range specdiff.Compare(cluster(t, ref), cluster(t, next)) {
		if c.NeedsCare() {
			t.Errorf("%s needs care: %s", c, c.Care)
		}
	}
}
