# A Raspberry Pi worker next to two x86 machines; only some nodes carry OSDs,
# the storage node is tainted, and a Helm release has values that exercise
# every type and the awkward corners of escaping.
cluster "mixed" {
  domain        = "home.arpa"
  time_zone     = "Europe/Vienna"
  state_version = "25.05"
}

network {
  subnet   = "10.20.0.0/24"
  gateway  = "10.20.0.1"
  api_vip  = "10.20.0.100"
  api_port = 6443
  vrrp_id  = 20
}

kubernetes {
  cluster_cidr   = "172.16.0.0/16"
  token_secret   = "cluster/k3s_token"
  apiserver_port = 6444
}

cilium {
  version = "1.16.5"
  hubble  = false
}

ceph {
  rook_version = "v1.15.6"
  ceph_image   = "quay.io/ceph/ceph:v19.2.0"
  replicas     = 2

  block_pool "fast" {
    storage_class = "fast-block"
  }

  block_pool "bulk" {
    storage_class = "bulk-block"
  }

  filesystem "media" {
    storage_class = "media-fs"
    default_class = true
  }
}

flux {
  url          = "ssh://git@git.example.org:2222/ops/mixed.git"
  path         = "clusters/mixed+lab"
  sops_age_key = "age15maagjyfhhfd64xrqws8ywtg6p8ucvf6enhg54ey8swrndsu0p8st7dw7p"
}

secrets {
  sops_file      = "secrets/k8s.cluster.yaml"
  admin_age_keys = ["age1uu39hfqrzhzh4e4ekggz3625jrqslf5zy6d27exyy037flauqaas8td8sg", "age132alzjgny63vmly486kala4sxmutxumj0zgag87208ctdsc3v45q3wu3vf"]
}

user "ops" {
  admin    = true
  ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOge/pOgx4ypOLV6v7lzSKP+hRDBx6ys3NW9Uy7ESp69 ops@laptop"]
}

node "server" {
  role             = "control-plane"
  address          = "10.20.0.11"
  interface        = "enp3s0"
  age_key          = "age1c37z7kljym5d979hm09ry55jtkmu8dxarc4rddmjyz7dl9f9l4msr4zvjy"
  hardware         = "hardware/server.nix"
  ceph_osd_devices = ["/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T000001", "/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T000002"]
}

node "storage" {
  role             = "worker"
  address          = "10.20.0.12"
  interface        = "eno1"
  age_key          = "age1zz8cj0qka8tc7hzzqnetfed4k5lmuankdw2u3355pnycdem8cpmqd9ac28"
  hardware         = "hardware/storage.nix"
  ceph_osd_devices = ["/dev/disk/by-id/ata-WDC_WD80EFZZ_WD-CA000001"]
  taints           = ["dedicated=storage:NoSchedule", "ceph-only:NoExecute"]
}

node "pi" {
  role      = "worker"
  system    = "aarch64-linux"
  address   = "10.20.0.13"
  interface = "end0"
  age_key   = "age1k6g9adgcfsp8y8zt472lrh76ty7rg4fln5mxyppmw7sq5ll3hs5qprtnug"
  hardware  = "hardware/pi.nix"
}

helm_release "echo" {
  namespace = "tools"
  repo      = "https://ealenn.github.io/charts"
  chart     = "echo-server"
  version   = "0.5.0"
  values = {
    replicaCount = 2
    ratio        = 0.25
    negative     = -7
    enabled      = true
    disabled     = false
    nothing      = null
    empty        = ""
    list         = [1, "two", 3.5, true, null, { nested = "yes" }, []]
    emptyObject  = {}
    "dotted.key" = "a.b"
    "with space" = "x y"
    "slash/key"  = "s/l"
    "if"         = "keyword key"
    # hlcgen's Nix keeps this key; kubenix's own output drops keys that
    # start with "_" (hall/kubenix modules/k8s.nix, moduleToAttrs).
    tricky       = "quote \" backslash \\ dollar-brace $${HOME} twice $${} newline\nsecond line\ttab"
    unicode      = "Grüße, 世界 ✓"
    env = {
      TZ   = "Europe/Vienna"
      PATH = "/run/current-system/sw/bin"
    }
  }
}

helm_release "metrics" {
  namespace = "tools"
  repo      = "https://kubernetes-sigs.github.io/metrics-server/"
  chart     = "metrics-server"
  version   = "3.12.2"
}
