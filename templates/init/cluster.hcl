# The homelab, described for hlcgen. `hlcgen validate` checks this file and
# `hlcgen render` compiles it into generated/, kubernetes/kubenix/ and
# .sops.yaml; hlcgen owns those outputs, this file is yours.
#
# Starter cluster: three NixOS control-plane nodes running k3s behind a
# floating API address (HAProxy + Keepalived on the VIP), Cilium as the
# network plugin. Every value marked PLACEHOLDER is valid but not yours:
# replace each one before deploying (`grep -n PLACEHOLDER cluster.hcl`).
# Then run `hlcgen validate` and `hlcgen render`.
#
# All settings, and their defaults: the hlcgen README, or `hlcgen schema`.

cluster "homelab" {
  domain        = "home.arpa"
  time_zone     = "Etc/UTC"
  state_version = "26.05" # NixOS system.stateVersion: the release the nodes are installed with
}

network {
  subnet      = "192.168.1.0/24" # your LAN
  gateway     = "192.168.1.1"
  nameservers = ["192.168.1.1"]
  api_vip     = "192.168.1.250" # a free address for the Kubernetes API; keep it out of your DHCP range
  api_port    = 8443            # HAProxy's port on the VIP; every apiserver keeps 6443 on its own node
  vrrp_id     = 51              # keepalived virtual_router_id, unique on the LAN
}

kubernetes {
  distribution = "k3s"
  token_secret = "k3s/token" # key of the server token in secrets/cluster.yaml (a sops file), never the token itself
}

cilium {
  version                = "1.18.7"
  kube_proxy_replacement = true
}

secrets {
  sops_file = "secrets/cluster.yaml"
  # PLACEHOLDER: your own age public key, from `age-keygen -y ~/.config/sops/age/keys.txt`
  # (create the key pair first with `age-keygen -o ~/.config/sops/age/keys.txt`).
  admin_age_keys = ["age14ujqn4gg25y032k6w6krn53cfxkvrxxpycxq7y7h6mu8ujrgw3lsh6fuat"]
}

deploy {
  ssh_user = "ops" # deploy-rs logs in as this admin user
}

user "ops" {
  admin = true
  # PLACEHOLDER: the line of your ~/.ssh/id_ed25519.pub. Nobody holds the
  # private half of this one, so nobody could log in with it.
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINIo03EE2YVyKzHMYfKnYoJAcGNtmllWXnVgS34rsML5 placeholder@hlcgen-init"]
}

# One block per machine; the label is its host name. cp1 bootstraps etcd: when
# no node sets cluster_init, the first control-plane node by name does.
#
# For each node:
#   - address and interface: what the machine has on the LAN (`ip -brief link`);
#   - age_key: PLACEHOLDER until you install the node; then paste the output of
#     `ssh-to-age < /etc/ssh/ssh_host_ed25519_key.pub` run on it;
#   - hardware: replace the placeholder module with the output of
#     `nixos-generate-config --show-hardware-config` run on it.

node "cp1" {
  role      = "control-plane"
  address   = "192.168.1.11"
  interface = "enp1s0"
  age_key   = "age17wlka7flj37pe4jhwnafkmk3m2dkca7t4yfypddyjgahp8yfacvsepsz60" # PLACEHOLDER
  hardware  = "hardware/cp1.nix"
}

node "cp2" {
  role      = "control-plane"
  address   = "192.168.1.12"
  interface = "enp1s0"
  age_key   = "age1re73l86pluveerswt8jydxnvhc6f2c5a64cademspfmuw8n9ra7q8rwp5d" # PLACEHOLDER
  hardware  = "hardware/cp2.nix"
}

node "cp3" {
  role      = "control-plane"
  address   = "192.168.1.13"
  interface = "enp1s0"
  age_key   = "age1h5wyy7d9wjgryyrsguyzh7xpsvyhepfyez0cgph98x477slgcvjsdq8t7e" # PLACEHOLDER
  hardware  = "hardware/cp3.nix"
}

# More to add when you need them (see the README for every setting):
#
#   node "w1" { role = "worker" ... }       a k3s agent
#   flux { url = "ssh://git@github.com/you/homelab.git" ... }
#                                           GitOps for kubernetes/manifests
#   helm_release "grafana" { ... }          a Helm chart, reconciled by Flux
#   ceph { rook_version = ... }             Rook-Ceph on ceph_osd_devices
