# The stub `pkgs` of the nixostest harness. Packages are strings
# "/nix/store/stub-<name>" (no derivations, nothing is built or copied), the
# trivial builders return such strings too, and pkgs.formats.* give the value
# types nixpkgs' formats use with a stub `generate`.
{ lib, system }:
let
  stub = name: "/nix/store/stub-${name}";
  names = [
    "procps" "k3s" "k3s_1_30" "k3s_1_31" "k3s_1_32" "k3s_1_33" "k3s_1_34" "k3s_1_35" "rke2"
    "haproxy" "tailscale" "keepalived" "coreutils" "bash" "bashInteractive" "shadow" "openssh"
    "nix" "iptables" "iptables-legacy" "nftables" "iproute2" "kmod" "jq" "yq-go" "gnupg" "age"
    "sops" "sops-install-secrets" "envsubst" "sudo" "systemd" "util-linux" "curl" "wget" "git"
    "nettools" "iputils" "glibc" "getent" "apcupsd" "cacert" "kubernetes-helm" "kubectl" "fluxcd"
    "cilium-cli" "hubble" "ceph" "ceph-client" "lvm2" "cryptsetup" "e2fsprogs" "xfsprogs" "nfs-utils"
    "openiscsi" "ethtool" "tcpdump" "htop" "vim" "nano" "tmux" "rsync" "restic" "borgbackup"
    "zfs" "smartmontools" "nvme-cli" "pciutils" "usbutils" "dnsutils" "socat" "conntrack-tools"
    "ipset" "wireguard-tools" "tzdata" "runtimeShell" "stdenvNoCC" "hello" "xauth" "mstpd"
  ];
  jsonValue = lib.types.nullOr (lib.types.oneOf [
    lib.types.bool lib.types.int lib.types.float lib.types.str lib.types.path
    (lib.types.attrsOf jsonValue) (lib.types.listOf jsonValue)
  ]) // { description = "JSON value"; };
  yamlValue = jsonValue // { description = "YAML value"; };
  atom = lib.types.nullOr (lib.types.oneOf [ lib.types.bool lib.types.int lib.types.float lib.types.str lib.types.path ]) // {
    description = "INI or key-value setting (null, Boolean, number or string)";
  };
  generator = type: {
    inherit type;
    generate = name: value: builtins.deepSeq value (stub name);
  };
  platform = {
    inherit system;
    config = system;
    isLinux = lib.hasSuffix "-linux" system;
    isDarwin = lib.hasSuffix "-darwin" system;
    isx86_64 = lib.hasPrefix "x86_64-" system;
    isAarch64 = lib.hasPrefix "aarch64-" system;
    isBigEndian = false;
    isStatic = false;
  };
  textFile = { name, text, executable ? false, destination ? "", ... }:
    if builtins.isString text then stub name
    else throw "pkgs.writeTextFile: text of ${name} is a ${builtins.typeOf text}, not a string";
in
lib.genAttrs names stub // {
  inherit lib system;
  path = stub "nixpkgs";
  hostPlatform = platform;
  buildPlatform = platform;
  stdenv = { hostPlatform = platform; buildPlatform = platform; inherit (platform) isLinux isDarwin; };
  linuxPackages = { kernel = { version = "6.12.0"; modDirVersion = "6.12.0"; }; };
  writeTextFile = textFile;
  writeText = name: text: textFile { inherit name text; };
  writeTextDir = path: text: textFile { name = baseNameOf path; inherit text; };
  writeScript = name: text: textFile { inherit name text; };
  writeScriptBin = name: text: textFile { inherit name text; };
  writeShellScript = name: text: textFile { inherit name text; };
  writeShellScriptBin = name: text: textFile { inherit name text; };
  writeShellApplication = { name, text, ... }: textFile { inherit name text; };
  runCommand = name: env: script: stub name;
  runCommandLocal = name: env: script: stub name;
  runCommandNoCC = name: env: script: stub name;
  symlinkJoin = { name, ... }: stub name;
  buildEnv = { name, ... }: stub name;
  writers = {
    writeJSON = name: value: builtins.deepSeq value (stub name);
    writeYAML = name: value: builtins.deepSeq value (stub name);
    writeBash = name: text: textFile { inherit name text; };
  };
  formats = {
    json = { }: generator jsonValue;
    yaml = { }: generator yamlValue;
    yaml_1_1 = { }: generator yamlValue;
    yaml_1_2 = { }: generator yamlValue;
    toml = { }: generator (jsonValue // { description = "TOML value"; });
    ini = { ... }: generator (lib.types.attrsOf (lib.types.attrsOf atom));
    keyValue = { ... }: generator (lib.types.attrsOf atom);
  };
  dockerTools.pullImage = { imageName, ... }: stub "docker-image-${baseNameOf imageName}";
}
