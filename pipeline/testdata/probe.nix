# Evaluates rendered trees with plain nix-instantiate (no nixpkgs, no
# flake inputs) and returns, for each, every value that came from
# cluster.hcl, as JSON: the inventory, what each host module sets, the role
# modules called with stub arguments, deploy-rs's nodes, the bootstrap
# manifests (pkgs.writeText stubbed to return the JSON it is given) and the
# kubenix modules' definitions. Nothing is copied into the store: path
# values are turned into strings with toString.
{ dirsJSON }:
let
  pkgs = {
    procps = "/nix/store/stub-procps";
    writeText = name: text: text;
    k3s_1_34 = "/nix/store/stub-k3s_1_34";
    k3s_1_35 = "/nix/store/stub-k3s_1_35";
    k3s_1_36 = "/nix/store/stub-k3s_1_36";
  };
  etcText = m: name: m.environment.etc.${name}.text or null;
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
          # The node's own k3s settings (YAML), or null.
          nodeConfig = etcText h "rancher/k3s/config.yaml.d/50-hlcgen-node.yaml";
          keepalivedInterface = h.services.keepalived.vrrpInstances.k8s-api.interface or null;
        };
      common = import (gen + "/modules/common.nix") { };
      config = {
        sops.secrets = stubSecrets;
        environment.etc = { };
      };
      # Every sops-nix secret's path, as sops-nix would give it.
      stubSecrets = builtins.listToAttrs (
        map (k: {
          name = k;
          value.path = "/run/secrets/stub/" + k;
        }) secretKeys
      );
      secretKeys = [ cluster.k3s.tokenSecret "k3s/agent_token" ];
      k8sCommon = import (gen + "/modules/k8s-common.nix") { inherit config pkgs; };
      server = import (gen + "/modules/k8s-control-plane.nix") { inherit config pkgs; };
      agent = import (gen + "/modules/k8s-worker.nix") { inherit config; };
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
        config.sops.placeholder."flux/age_key" = "PLACEHOLDER";
      };
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
      secrets = if isK8s then builtins.attrNames (k8sCommon.sops.secrets // server.sops.secrets) else [ ];
      tokenFile = if isK8s then server.services.k3s.tokenFile else null;
      agentTokenFile = if isK8s then agent.services.k3s.tokenFile else null;
      serverConfig = if isK8s then etcText server "rancher/k3s/config.yaml" else null;
      agentConfig = if isK8s then etcText agent "rancher/k3s/config.yaml" else null;
      haproxy = if isK8s then server.services.haproxy.config else null;
      deploy = builtins.mapAttrs (_: n: {
        inherit (n) hostname sshOpts sshUser;
      }) flake.deploy.nodes;
      systems = builtins.attrNames flake.nixosConfigurations;
      manifests = builtins.mapAttrs (_: m: m.content) boot.services.k3s.manifests;
      inherit kubenix;
    };
in
map probe (builtins.fromJSON dirsJSON)
