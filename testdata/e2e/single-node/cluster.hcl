# One machine that is the whole cluster: a single k3s server bootstrapping
# etcd, no Ceph, no Flux, deploy-rs logging in as root. The interface is
# named by its MAC address.
cluster "lab" {
  domain        = "lab.home.arpa"
  time_zone     = "UTC"
  state_version = "24.11"
}

network {
  subnet  = "192.168.1.0/24"
  gateway = "192.168.1.1"
  api_vip = "192.168.1.200"
  vrrp_id = 7
}

kubernetes {
  token_secret = "k3s_token"
}

cilium {
  version = "1.16.5"
}

secrets {
  admin_age_keys = ["age1r76t5y208z9qxdtl79d5xm0fj2yh0uf2ufajgs5yc65glr0pxqrsmnp82k"]
}

user "admin" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 admin@laptop"]
}

node "solo" {
  role      = "control-plane"
  address   = "192.168.1.10"
  interface = "lan0"
  mac       = "52:54:00:AB:CD:EF"
  age_key   = "age1qqtg98hrqhyuhtn5y7e2rua8xu0508dkq6f4efx8cxqkzz6pqg4s3q2fmz"
  hardware  = "hardware/solo.nix"
}
