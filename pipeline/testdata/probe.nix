# Evaluates rendered trees with plain nix-instantiate (no nixpkgs, no
# flake inputs) and returns, for each, every value that came from
# cluster.hcl, as JSON: the inventory, what each host module sets, the role
# modules called with stub arguments, deploy-rs's nodes, the bootstrap
# manifests (pkgs.writeText stubbed to return the JSON it is given) and the
# kubenix modules' definitions. Nothing is copied into the store: path
# values are turned into strings with toString.
{ dirsJSON }:
let
  stubLib = {
    mkOption = option: option;
    types = {
      listOf = type: type;
      str = "str";
    };
    concatStringsSep = builtins.concatStringsSep;
  };
  pkgs = {
    procps = "/nix/store/stub-procps";
    writeText = name: text: text;
  };
  probe =
    dir:
    let
      root = /. + dir;
      gen = root + "/generated";
      cluster = import (gen + "/config");
      isK8s = cluster.k3s != null;
      hostNames = builtins.attrNames (builtins.readDir (gen + "/hosts"));
      host =
        name:
        let
          h = import (gen + "/hosts/${name}") { };
        in
        {
          hostName = h.networking.hostName;
          domain = h.networking.domain;
          timeZone = h.time.timeZone;
          interfaces = builtins.attrNames h.networking.interfaces;
          gatewayInterface = h.networking.defaultGateway.interface;
          links = builtins.mapAttrs (_: l: l.linkConfig.Name) (h.systemd.network.links or { });
          imports = map toString h.imports;
          nodeFlags = h.hlcgen.k3s.nodeFlags or null;
          keepalivedInterface = h.services.keepalived.vrrpInstances.k8s-api.interface or null;
        };
      common = import (gen + "/modules/common.nix") { };
      k8sCommon =
        (import (gen + "/modules/k8s-common.nix") {
          lib = stubLib;
          config = {
            hlcgen.k3s = {
              clusterFlags = [ ];
              nodeFlags = [ ];
            };
            sops.secrets.${cluster.k3s.tokenSecret}.path = "/run/secrets/stub-token";
          };
        }).config;
      server = import (gen + "/modules/k8s-control-plane.nix") { inherit pkgs; };
      agent = import (gen + "/modules/k8s-worker.nix") { };
      flake = import gen {
        self = { };
        nixpkgs.lib.nixosSystem = args: args;
        sops-nix.nixosModules.sops = "sops-nix";
        deploy-rs.lib = {
          x86_64-linux.activate.nixos = c: "activate";
          aarch64-linux.activate.nixos = c: "activate";
        };
      };
      boot = import (gen + "/modules/k8s-bootstrap.nix") {
        inherit pkgs;
        config.sops.placeholder."flux/age_key" = "PLACEHOLDER";
      };
      manifest = rule: builtins.fromJSON (builtins.elemAt (builtins.split " - - - - " rule) 2);
      kubenixDir = root + "/kubernetes/kubenix";
      kubenix = builtins.listToAttrs (
        map (f: {
          name = f;
          value =
            (import (kubenixDir + "/${f}") (
              if f == "default.nix" then { kubenix.modules.k8s = "k8s"; } else { }
            )).kubernetes;
        }) (builtins.attrNames (builtins.readDir kubenixDir))
      );
    in
    {
      config = cluster;
      hosts = builtins.listToAttrs (
        map (n: {
          name = n;
          value = host n;
        }) hostNames
      );
      users = builtins.mapAttrs (_: u: u.openssh.authorizedKeys.keys) common.users.users;
      secrets = if isK8s then builtins.attrNames k8sCommon.sops.secrets else [ ];
      tokenFile = if isK8s then k8sCommon.services.k3s.tokenFile else null;
      serverFlags = if isK8s then server.hlcgen.k3s.clusterFlags else null;
      agentFlags = if isK8s then agent.hlcgen.k3s.clusterFlags else null;
      haproxy = if isK8s then server.services.haproxy.config else null;
      deploy = builtins.mapAttrs (_: n: {
        inherit (n) hostname sshOpts sshUser;
      }) flake.deploy.nodes;
      systems = builtins.attrNames flake.nixosConfigurations;
      manifests = map manifest boot.systemd.tmpfiles.rules;
      inherit kubenix;
    };
in
map probe (builtins.fromJSON dirsJSON)
