# One machine runs everything: a k3s server with one OSD, Flux over HTTPS,
# and a chart from an OCI registry.
cluster "solo" {
  domain        = "lab.example"
  time_zone     = "UTC"
  state_version = "25.05"
}

network {
  subnet  = "192.168.1.0/24"
  gateway = "192.168.1.1"
  api_vip = "192.168.1.10"
  vrrp_id = 7
}

kubernetes {
  cluster_cidr = "10.244.0.0/16"
  service_cidr = "10.96.0.0/12"
  token_secret = "k3s/token"
}

cilium {
  version                = "1.16.5"
  kube_proxy_replacement = false
}

ceph {
  rook_version = "v1.15.6"
  ceph_image   = "quay.io/ceph/ceph:v19.2.0"
  replicas     = 1

  block_pool "rbd" {
    storage_class = "rbd"
    default_class = true
  }
}

flux {
  url          = "https://github.com/example/solo.git"
  branch       = "production"
  path         = "clusters/solo"
  interval     = "5m"
  sops_age_key = "age1k6g9adgcfsp8y8zt472lrh76ty7rg4fln5mxyppmw7sq5ll3hs5qprtnug"
}

secrets {
  admin_age_keys = ["age124ckzeff0aewu4fpxra9sv7yl76j9czlfvsyxcp9jhup8z5tsypqp4c3k5"]
}

user "ops" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ops@laptop"]
}

node "solo" {
  role             = "control-plane"
  address          = "192.168.1.11"
  interface        = "eth0"
  age_key          = "age1kjhe96mv5j9zhdn0ryd9jqhn560auuwv7tjpm3329zqsscfuvf9q6e88yc"
  hardware         = "hardware/solo.nix"
  ceph_osd_devices = ["/dev/disk/by-id/nvme-eui.0025388b91b5a2c4"]
}

helm_release "podinfo" {
  namespace = "podinfo"
  repo      = "oci://ghcr.io/stefanprodan/charts"
  chart     = "podinfo"
  version   = "6.7.1"
  values = {
    replicaCount = 1
  }
}
