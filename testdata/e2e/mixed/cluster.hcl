# Three servers, an x86 worker with an OSD disk, a Raspberry Pi worker
# without one, and a standalone host. HAProxy keeps 6443 on the floating
# address while the apiservers move to 6444; cluster_init is set on a server
# that is not first by name; deploy-rs logs in as a dedicated user.
cluster "mixed" {
  domain        = "example.internal"
  time_zone     = "America/New_York"
  state_version = "25.05"
  extra_modules = ["modules/site.nix"]
}

network {
  subnet      = "10.20.0.0/22"
  gateway     = "10.20.0.1"
  nameservers = ["10.20.0.53"]
  api_vip     = "10.20.3.254"
  api_port    = 6443
  vrrp_id     = 200
}

kubernetes {
  cluster_cidr       = "10.244.0.0/16"
  service_cidr       = "10.96.0.0/16"
  apiserver_port     = 6444
  token_secret       = "cluster/k3s-token"
  disable            = ["traefik", "servicelb", "local-storage"]
  extra_server_flags = ["--kube-apiserver-arg=audit-log-maxage=30"]
  extra_agent_flags  = ["--kubelet-arg=image-gc-high-threshold=80"]

  kubelet {
    max_pods = 200
  }
}

cilium {
  version                = "1.16.5"
  kube_proxy_replacement = false
}

ceph {
  rook_version = "v1.15.6"
  ceph_image   = "quay.io/ceph/ceph:v19.2.0"
  replicas     = 2

  block_pool "rbd" {
    storage_class = "rbd"
    default_class = true
  }
}

secrets {
  sops_file      = "secrets/mixed.yaml"
  admin_age_keys = ["age1r76t5y208z9qxdtl79d5xm0fj2yh0uf2ufajgs5yc65glr0pxqrsmnp82k"]
}

deploy {
  ssh_user        = "deployer"
  ssh_opts        = ["-o", "StrictHostKeyChecking=accept-new"]
  remote_build    = true
  confirm_timeout = 60
}

user "alice" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 alice@laptop"]
}

user "deployer" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ci@runner"]
}

node "m1" {
  role             = "control-plane"
  address          = "10.20.1.11"
  interface        = "enp3s0"
  age_key          = "age1qqtg98hrqhyuhtn5y7e2rua8xu0508dkq6f4efx8cxqkzz6pqg4s3q2fmz"
  hardware         = "hardware/m1.nix"
  extra_modules    = ["modules/gpu.nix"]
  ceph_osd_devices = ["/dev/disk/by-id/nvme-m1"]
  groups           = ["servers"]
}

node "m2" {
  role         = "control-plane"
  address      = "10.20.1.12"
  interface    = "enp3s0"
  age_key      = "age19vl0jxh4gqmq00a4sv2nyhkd60erc90p956xtgynlgnazm0veams4fw2j9"
  hardware     = "hardware/m2.nix"
  cluster_init = true
  groups       = ["servers", "ups"]
}

node "m3" {
  role      = "control-plane"
  address   = "10.20.1.13"
  interface = "enp3s0"
  age_key   = "age1hefa4qr6m0vssk0a5razwjnn2z4g8hwapfp66cq3nk3judh309ds4yfpjh"
  hardware  = "hardware/m3.nix"
  groups    = ["servers", "ups"]
}

node "x1" {
  role             = "worker"
  address          = "10.20.2.21"
  interface        = "eno1"
  age_key          = "age139yfwrw9wu4z85zx65f97c7tarj0uvj6q4pvxr3n5l6x2u7muyhqcm4qrc"
  hardware         = "hardware/x1.nix"
  ceph_osd_devices = ["/dev/disk/by-id/ata-x1-data"]
  groups           = ["ups"]
  labels           = { "node.kubernetes.io/instance-type" = "mini-pc", "example.com/tier" = "storage" }
}

node "pi1" {
  role        = "worker"
  system      = "aarch64-linux"
  address     = "10.20.2.31"
  interface   = "end0"
  deploy_host = "pi1.example.internal"
  age_key     = "age1yksree84cejlf7sej75j56snan8sa2f07ckdkt8wvaw3fjaskvcsga65wt"
  hardware    = "hardware/pi1.nix"
  taints      = ["arch=arm64:NoSchedule"]
}

node "vault" {
  role      = "standalone"
  address   = "10.20.3.5"
  interface = "enp1s0"
  age_key   = "age1l0a7e65cs9us70qn2726a6q4n3mkp5hwee32s9cyy2fvxvv7ydrswwfldp"
  hardware  = "hardware/vault.nix"
}

group "ups" {
  description = "On the UPS"
  modules     = ["modules/ups.nix", "modules/site.nix"]
}
