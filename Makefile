# The homelab's everyday commands. Hand-written; run from the repository root.
#
#   make validate                 check cluster.hcl
#   make render                   compile cluster.hcl into generated/ and kubernetes/
#   make deploy NODE=cp1          deploy one node with deploy-rs
#   make gdeploy GROUP=rack-b     deploy every node of a group (see below)
#   make manifests                rebuild kubernetes/manifests/all.yaml with kubenix

HLCGEN ?= hlcgen
# deploy-rs's CLI; `nix run github:serokell/deploy-rs --` works as well.
DEPLOY ?= deploy
NIX_INSTANTIATE ?= nix-instantiate
JQ ?= jq
# After each control-plane node, wait until Kubernetes reports it Ready
# before touching the next one (needs kubectl and a kubeconfig for the
# cluster). WAIT_READY=0 skips the wait.
WAIT_READY ?= 1
READY_TIMEOUT ?= 10m

# The node inventory hlcgen writes: pure data, so plain nix-instantiate
# evaluates it without nixpkgs or flakes.
INVENTORY := generated/config/default.nix

.PHONY: validate render deploy gdeploy manifests

validate:
	$(HLCGEN) validate

render:
	$(HLCGEN) render

deploy:
	@test -n "$(NODE)" || { echo 'usage: make deploy NODE=<node>' >&2; exit 2; }
	$(DEPLOY) '.#$(NODE)'

# The members of group $g, control-plane nodes if $cp is "yes", the others
# if not; an unknown group is an error.
GROUP_MEMBERS := . as $$c | ($$c.groups[$$g] // error("no node is in group \"" + $$g + "\"")) | .nodes[] | select(($$c.nodes[.].role == "control-plane") == ($$cp == "yes"))

# deploy-rs has no groups, so a group deploy is several targets. A bad
# configuration rolled out to every server at once can take etcd quorum down,
# so control-plane nodes go first, one at a time, and the first failure stops
# everything. Workers and standalone nodes then go together in one
# `deploy --targets` call. Membership is read from the generated inventory.
gdeploy:
	@test -n "$(GROUP)" || { echo 'usage: make gdeploy GROUP=<group>' >&2; exit 2; }
	@set -eu; \
	inventory=$$($(NIX_INSTANTIATE) --eval --strict --json $(INVENTORY)); \
	members() { printf '%s' "$$inventory" | $(JQ) -r --arg g "$(GROUP)" --arg cp "$$1" '$(GROUP_MEMBERS)'; }; \
	servers=$$(members yes); \
	others=$$(members no); \
	for n in $$servers; do \
	  echo "==> $$n (control plane, one at a time)"; \
	  $(DEPLOY) ".#$$n"; \
	  if [ "$(WAIT_READY)" = 1 ]; then \
	    kubectl wait --for=condition=Ready "node/$$n" --timeout=$(READY_TIMEOUT); \
	  fi; \
	done; \
	if [ -n "$$others" ]; then \
	  set --; \
	  for n in $$others; do set -- "$$@" ".#$$n"; done; \
	  echo "==> together:" $$others; \
	  $(DEPLOY) --targets "$$@"; \
	fi

manifests:
	nix run .#manifests
