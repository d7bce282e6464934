# Kubernetes without Ceph and without Flux: only the CNI is bootstrapped.
cluster "bare" {
  domain        = "bare.lan"
  time_zone     = "UTC"
  state_version = "24.11"
}

network {
  subnet  = "10.0.5.0/24"
  gateway = "10.0.5.1"
  api_vip = "10.0.5.5"
  vrrp_id = 5
}

kubernetes {
  token_secret = "k3s/token"
}

cilium {
  version = "1.16.5"
}

secrets {
  admin_age_keys = ["age124ckzeff0aewu4fpxra9sv7yl76j9czlfvsyxcp9jhup8z5tsypqp4c3k5"]
}

user "ops" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ops@laptop"]
}

node "a" {
  role      = "control-plane"
  address   = "10.0.5.11"
  interface = "eth0"
  age_key   = "age1kjhe96mv5j9zhdn0ryd9jqhn560auuwv7tjpm3329zqsscfuvf9q6e88yc"
  hardware  = "hardware/a.nix"
}

node "b" {
  role      = "worker"
  address   = "10.0.5.12"
  interface = "eth0"
  age_key   = "age15maagjyfhhfd64xrqws8ywtg6p8ucvf6enhg54ey8swrndsu0p8st7dw7p"
  hardware  = "hardware/b.nix"
}

node "nas" {
  role      = "standalone"
  address   = "10.0.5.20"
  interface = "eth0"
  age_key   = "age1uu39hfqrzhzh4e4ekggz3625jrqslf5zy6d27exyy037flauqaas8td8sg"
  hardware  = "hardware/nas.nix"
}

