package validate

import (
	"fmt"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/load"
	"github.com/hlcgen/hlcgen/model"
)

// declaredUser is a user block as written, including one whose name the
// schema rejected (and dropped from the model): rules about "is there an
// admin" and "is ssh_user declared" must not pile a second error on a user
// already reported for its name.
type declaredUser struct {
	admin   bool
	keys    int
	invalid bool // the name is invalid (reported as HLC009)
}

func (rc *ruleContext) declaredUsers() map[string]declaredUser {
	out := map[string]declaredUser{}
	for name, u := range rc.c.Users {
		keys := 0
		for _, k := range u.SSHKeys {
			if k != "" {
				keys++
			}
		}
		out[name] = declaredUser{admin: u.Admin, keys: keys}
	}
	raw, _ := rc.spec.Doc["users"].(map[string]any)
	for _, name := range model.SortedKeys(raw) {
		if _, ok := out[name]; ok {
			continue
		}
		u, _ := raw[name].(map[string]any)
		admin, _ := u["admin"].(bool)
		keys, _ := u["ssh_keys"].([]any)
		out[name] = declaredUser{admin: admin, keys: len(keys), invalid: true}
	}
	return out
}

// checkAdmins: someone must be able to log in and use sudo, or the first
// deploy locks everybody out (hlcgen's users are the only users).
func checkAdmins(rc *ruleContext) {
	if rc.failed("users") || rc.spec.Dropped("users") {
		return // a user's admin or ssh_keys was refused: it may be the admin
	}
	users := rc.declaredUsers()
	var keyless []string
	for _, name := range model.SortedKeys(users) {
		u := users[name]
		if u.admin && u.keys > 0 {
			return
		}
		if u.admin {
			keyless = append(keyless, name)
		}
	}
	detail := "No user has both admin = true and an SSH key, so nobody could log in to the nodes and use sudo, and deploy-rs could not deploy."
	if len(keyless) > 0 {
		detail += fmt.Sprintf(" %s %s %s admin = true but no ssh_keys.", plural(len(keyless), "User", "Users"), quoteList(keyless), plural(len(keyless), "has", "have")) +
			` Add your public key: ssh_keys = ["ssh-ed25519 AAAA... you@laptop"].`
	} else {
		detail += " Declare one, with your public key (the line of ~/.ssh/id_ed25519.pub):\n" +
			"user \"ops\" {\n  admin    = true\n  ssh_keys = [\"ssh-ed25519 AAAA... you@laptop\"]\n}"
	}
	rc.add(diag.NoAdmin, rc.value("users"), "%s", detail)
}

// checkDeployUser: deploy-rs logs in as deploy.ssh_user and activates with
// sudo, so the user must exist, be an admin (wheel) and have a key. "root"
// is always there.
func checkDeployUser(rc *ruleContext) {
	name := rc.c.Deploy.SSHUser
	if name == "" || name == "root" || !rc.has("deploy", "ssh_user") {
		return
	}
	if rc.failed("users", name) || rc.spec.Dropped("users") {
		return // the user's admin or ssh_keys was refused: reported there
	}
	at := rc.value("deploy", "ssh_user")
	users := rc.declaredUsers()
	u, ok := users[name]
	switch {
	case !ok:
		var names []string
		for _, n := range model.SortedKeys(users) {
			if !users[n].invalid {
				names = append(names, n)
			}
		}
		hint := ""
		if s := load.Suggest(name, names); s != "" {
			hint = fmt.Sprintf(" Did you mean %q?", s)
		}
		rc.add(diag.DeployUser, at,
			"deploy.ssh_user = %q, but no user %q is declared, so deploy-rs could not log in.%s Declare it, or use \"root\":\n"+
				"user %q {\n  admin    = true\n  ssh_keys = [\"ssh-ed25519 AAAA... you@laptop\"]\n}",
			name, name, hint, name)
	case u.invalid:
		// Its name is reported already.
	case !u.admin:
		rc.add(diag.DeployUser, at,
			"deploy-rs activates the new system with sudo, but user %q has no admin rights. Set admin = true on user %q, or set ssh_user to an admin user.", name, name)
	case u.keys == 0:
		rc.add(diag.DeployUser, at,
			"deploy-rs logs in with SSH, but user %q has no ssh_keys. Add the public key of the machine you deploy from to user %q.", name, name)
	}
}
