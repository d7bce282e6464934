# services.k3s.*
#
# Types from NixOS/nixpkgs nixos/modules/services/cluster/rancher/default.nix
# (mkRancherModule) at commit 011c1bdb102b0191d091f747cbefff1539f3a96d and
# nixos/modules/services/cluster/rancher/k3s.nix at commit
# 01bb496ce68f871fd31af75d4edaaab9346453a0 (master, where k3s is built on the
# shared rancher module). Upstream also declares services.rke2.* from the same
# base; that is not declared here. Declarations written for hlcgen's test
# harness.
#
# Config logic kept from upstream: the warnings of the base module, the k3s
# assertions (agents cannot disableAgent or clusterInit), the removed
# services.k3s.docker option, the package in environment.systemPackages, the
# default `target` and generated `source` of manifests, and the
# systemd.tmpfiles.settings."10-k3s" links for enabled manifests (sources are
# written with toString here instead of interpolated, so that no path is
# copied into the store).
{ config, options, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  name = "k3s";
  cfg = config.services.k3s;

  manifestDir = "/var/lib/rancher/${name}/server/manifests";
  manifestFormat = pkgs.formats.yaml_1_2 { };
  mkManifestTarget = n:
    if lib.hasSuffix ".yaml" n || lib.hasSuffix ".yml" n || lib.hasSuffix ".json" n then n else n + ".yaml";
  mkManifestSource = n: manifests:
    manifestFormat.generate n (
      if builtins.isList manifests then { apiVersion = "v1"; kind = "List"; items = manifests; } else manifests
    );

  duplicateManifests = lib.intersectLists (builtins.attrNames cfg.autoDeployCharts) (builtins.attrNames cfg.manifests);
  duplicateCharts = lib.intersectLists (builtins.attrNames cfg.autoDeployCharts) (builtins.attrNames cfg.charts);

  autoDeployChartsModule = types.submodule ({ config, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; };
      # Only read through the default of `package` (which fetches the chart).
      repo = mkOption { type = types.nonEmptyStr; _lazy = true; };
      name = mkOption { type = types.nonEmptyStr; _lazy = true; };
      version = mkOption { type = types.nonEmptyStr; _lazy = true; };
      hash = mkOption { type = types.str; default = ""; };
      package = mkOption { type = types.either types.path types.package; };
      targetNamespace = mkOption { type = types.nonEmptyStr; default = "default"; };
      createNamespace = mkOption { type = types.bool; default = false; };
      values = mkOption { type = types.either types.path types.attrs; default = { }; };
      extraDeploy = mkOption { type = types.listOf (types.either types.path types.attrs); default = [ ]; };
      extraFieldDefinitions = mkOption { inherit (manifestFormat) type; default = { }; };
    };
    config.package = lib.mkDefault (pkgs.runCommand "${config.repo}-${config.name}-${config.version}.tgz" { } "");
  });

  manifestModule = types.submodule ({ name, config, options, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; };
      target = mkOption { type = types.nonEmptyStr; };
      content = mkOption {
        type = types.nullOr (types.either types.attrs (types.listOf types.attrs));
        default = null;
      };
      source = mkOption { type = types.path; };
    };
    config = {
      target = lib.mkDefault (mkManifestTarget name);
      source = lib.mkIf (config.content != null) (
        lib.mkDerivedConfig options.content (mkManifestSource ("${name}-manifest-" + baseNameOf name))
      );
    };
  });

  pathWarning = opt: v: lib.optional (builtins.isPath v)
    "services.k3s.${opt} is a Nix path value: the real module interpolates it into ExecStart, which copies the file into the world-readable Nix store. Use a string path.";
in
{
  imports = [ (lib.mkRemovedOptionModule [ "services" "k3s" "docker" ] "k3s docker option is no longer supported.") ];

  options.services.k3s = {
    enable = mkOption { type = types.bool; default = false; };
    package = lib.mkPackageOption pkgs name { };
    role = mkOption {
      type = types.enum [ "server" "agent" ];
      default = "server";
    };
    serverAddr = mkOption { type = types.str; default = ""; };
    token = mkOption { type = types.str; default = ""; };
    tokenFile = mkOption { type = types.nullOr types.path; default = null; };
    agentToken = mkOption { type = types.str; default = ""; };
    agentTokenFile = mkOption { type = types.nullOr types.path; default = null; };
    extraFlags = mkOption {
      type = types.either types.str (types.listOf types.str);
      default = [ ];
    };
    environmentFile = mkOption { type = types.nullOr types.path; default = null; };
    configPath = mkOption { type = types.nullOr types.path; default = null; };
    disable = mkOption { type = types.listOf types.str; default = [ ]; };
    nodeName = mkOption { type = types.nullOr types.str; default = null; };
    nodeLabel = mkOption { type = types.listOf types.str; default = [ ]; };
    nodeTaint = mkOption { type = types.listOf types.str; default = [ ]; };
    nodeIP = mkOption { type = types.nullOr types.str; default = null; };
    nodeExternalIP = mkOption { type = types.nullOr types.str; default = null; };
    selinux = mkOption { type = types.bool; default = false; };
    manifests = mkOption {
      type = types.attrsOf manifestModule;
      default = { };
    };
    containerdConfigTemplate = mkOption { type = types.nullOr types.str; default = null; };
    images = mkOption { type = types.listOf types.package; default = [ ]; };
    gracefulNodeShutdown = {
      enable = mkOption { type = types.bool; default = false; };
      shutdownGracePeriod = mkOption { type = types.nonEmptyStr; default = "30s"; };
      shutdownGracePeriodCriticalPods = mkOption { type = types.nonEmptyStr; default = "10s"; };
    };
    extraKubeletConfig = mkOption { type = types.attrsOf types.anything; default = { }; };
    extraKubeProxyConfig = mkOption { type = types.attrsOf types.anything; default = { }; };
    autoDeployCharts = mkOption {
      type = types.attrsOf autoDeployChartsModule;
      apply = lib.mapAttrs (n: v: {
        target = mkManifestTarget n;
        inherit (v) enable package;
        source = pkgs.runCommand "auto-deploy-chart-${n}" { } "";
      });
      default = { };
    };
    charts = mkOption { type = types.attrsOf (types.either types.path types.package); default = { }; };

    # k3s.nix
    clusterInit = mkOption { type = types.bool; default = false; };
    disableAgent = mkOption { type = types.bool; default = false; };
  };

  config = lib.mkIf cfg.enable {
    warnings =
      (lib.optional (cfg.role != "server" && cfg.manifests != { })
        "${name}: Auto deploying manifests are only installed on server nodes (role == server), they will be ignored by this node.")
      ++ (lib.optional (cfg.role != "server" && cfg.autoDeployCharts != { })
        "${name}: Auto deploying Helm charts are only installed on server nodes (role == server), they will be ignored by this node.")
      ++ (lib.optional (duplicateManifests != [ ])
        "${name}: The following auto deploying charts are overriden by manifests of the same name: ${toString duplicateManifests}.")
      ++ (lib.optional (duplicateCharts != [ ])
        "${name}: The following auto deploying charts are overriden by charts of the same name: ${toString duplicateCharts}.")
      ++ (lib.optional (cfg.role != "server" && cfg.charts != { })
        "${name}: Helm charts are only made available to the cluster on server nodes (role == server), they will be ignored by this node.")
      ++ (lib.optional (cfg.role == "agent" && cfg.configPath == null && cfg.serverAddr == "")
        "${name}: serverAddr or configPath (with 'server' key) should be set if role is 'agent'")
      ++ (lib.optional (cfg.role == "agent" && cfg.configPath == null && cfg.tokenFile == null && cfg.token == "")
        "${name}: token, tokenFile or configPath (with 'token' or 'token-file' keys) should be set if role is 'agent'")
      ++ (lib.optional (cfg.role == "agent" && (cfg.agentTokenFile != null || cfg.agentToken != ""))
        "${name}: agentToken and agentTokenFile should not be set if role is 'agent'")
      ++ (lib.optional (cfg.disableAgent && cfg.images != [ ])
        "k3s: Images are only imported on nodes with an enabled agent, they will be ignored by this node.")
      ++ pathWarning "tokenFile" cfg.tokenFile
      ++ pathWarning "agentTokenFile" cfg.agentTokenFile
      ++ pathWarning "environmentFile" cfg.environmentFile
      ++ pathWarning "configPath" cfg.configPath;

    assertions = [
      {
        assertion = cfg.role == "agent" -> !cfg.disableAgent;
        message = "k3s: disableAgent must be false if role is 'agent'";
      }
      {
        assertion = cfg.role == "agent" -> !cfg.clusterInit;
        message = "k3s: clusterInit must be false if role is 'agent'";
      }
    ];

    environment.systemPackages = [ cfg.package ];

    systemd.tmpfiles.settings."10-${name}" =
      let
        enabledManifests = lib.filterAttrs (_: v: v.enable) (cfg.autoDeployCharts // cfg.manifests);
      in
      lib.mapAttrs' (_: m: lib.nameValuePair "${manifestDir}/${m.target}" { "L+".argument = toString m.source; })
        enabledManifests;
  };
}
