# services.k3s.*
#
# Types and defaults from NixOS/nixpkgs
# nixos/modules/services/cluster/rancher/default.nix (mkRancherModule) at
# commit 011c1bdb102b0191d091f747cbefff1539f3a96d and
# nixos/modules/services/cluster/rancher/k3s.nix at commit
# 01bb496ce68f871fd31af75d4edaaab9346453a0 (master, where k3s is built on the
# shared rancher module). Upstream also declares services.rke2.* from the same
# base; that is not declared here.
#
# The declarations and the config logic are written for hlcgen's test
# harness. The logic does what the real module does where hlcgen's tests can
# see it: it warns in the same situations (manifests, charts or Helm charts
# on an agent, chart names shadowed by manifests or charts, an agent without
# a server address or token, agent tokens on an agent, images without an
# agent), fails an agent with disableAgent or clusterInit, rejects the
# removed services.k3s.docker, puts the package into
# environment.systemPackages, names a manifest <name>.yaml unless the name
# already ends in .yaml, .yml or .json, renders `content` to a YAML file (a
# list as a v1 List) and links every enabled manifest and chart into the
# manifest directory through systemd.tmpfiles.settings."10-k3s". The link
# targets are toString'ed rather than interpolated, so that no path is copied
# into the store.
{ config, options, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  name = "k3s";
  cfg = config.services.k3s;

  manifestDir = "/var/lib/rancher/${name}/server/manifests";
  manifestFormat = pkgs.formats.yaml_1_2 { };
  manifestFileName = n:
    let known = lib.any (ext: lib.hasSuffix ext n) [ ".yaml" ".yml" ".json" ]; in
    if known then n else "${n}.yaml";
  # A list of objects becomes one file holding a v1 List of them.
  renderManifest = file: content:
    manifestFormat.generate file
      (if builtins.isList content then { apiVersion = "v1"; kind = "List"; items = content; } else content);

  namesIn = attrs: builtins.attrNames attrs;
  chartsShadowedBy = other: lib.intersectLists (namesIn cfg.autoDeployCharts) (namesIn other);
  isAgent = cfg.role == "agent";
  notServer = cfg.role != "server";

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
      target = lib.mkDefault (manifestFileName name);
      source = lib.mkIf (config.content != null)
        (lib.mkDerivedConfig options.content (renderManifest "k3s-manifest-${baseNameOf name}"));
    };
  });

  pathWarning = opt: v: lib.optional (builtins.isPath v)
    "services.k3s.${opt} is a Nix path value: the real module interpolates it into ExecStart, which copies the file into the world-readable Nix store. Use a string path.";
in
{
  imports = [ (lib.mkRemovedOptionModule [ "services" "k3s" "docker" ] "Drop the setting.") ];

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
        target = manifestFileName n;
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
      let
        warnIf = cond: text: lib.optional cond "k3s: ${text}";
        shadowed = what: names: warnIf (names != [ ]) "${what} of the same name replace the auto-deployed charts ${toString names}";
      in
      warnIf (notServer && cfg.manifests != { }) "manifests are only deployed by servers; this ${cfg.role} ignores them"
      ++ warnIf (notServer && cfg.autoDeployCharts != { }) "autoDeployCharts are only deployed by servers; this ${cfg.role} ignores them"
      ++ shadowed "manifests" (chartsShadowedBy cfg.manifests)
      ++ shadowed "charts" (chartsShadowedBy cfg.charts)
      ++ warnIf (notServer && cfg.charts != { }) "charts are only served by servers; this ${cfg.role} ignores them"
      ++ warnIf (isAgent && cfg.configPath == null && cfg.serverAddr == "") "an agent needs serverAddr (or a server key in configPath)"
      ++ warnIf (isAgent && cfg.configPath == null && cfg.tokenFile == null && cfg.token == "")
        "an agent needs token or tokenFile (or a token key in configPath)"
      ++ warnIf (isAgent && (cfg.agentToken != "" || cfg.agentTokenFile != null)) "agentToken and agentTokenFile are for servers, not agents"
      ++ warnIf (cfg.disableAgent && cfg.images != [ ]) "images are imported by the agent, which disableAgent turns off"
      ++ pathWarning "tokenFile" cfg.tokenFile
      ++ pathWarning "agentTokenFile" cfg.agentTokenFile
      ++ pathWarning "environmentFile" cfg.environmentFile
      ++ pathWarning "configPath" cfg.configPath;

    assertions = map
      (opt: { assertion = !(isAgent && cfg.${opt}); message = "k3s: an agent cannot set ${opt}"; })
      [ "disableAgent" "clusterInit" ];

    environment.systemPackages = [ cfg.package ];

    systemd.tmpfiles.settings."10-${name}" = lib.listToAttrs (lib.concatMap
      (m: lib.optional m.enable (lib.nameValuePair "${manifestDir}/${m.target}" { "L+".argument = toString m.source; }))
      (builtins.attrValues (cfg.autoDeployCharts // cfg.manifests)));
  };
}
