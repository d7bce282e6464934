# services.tailscale.*
#
# Types and defaults from NixOS/nixpkgs
# nixos/modules/services/networking/tailscale.nix (stored copy with
# authKeyParameters, disableUpstreamLogging, extraSetFlags and
# extraDaemonFlags, i.e. the 2025 module; no commit recorded).
#
# The declarations and the config logic are written for hlcgen's test
# harness. As the real module does, the routing features "server" and
# "both" turn on IPv4 and IPv6 forwarding at priority 97, "client" and
# "both" make the reverse path filter loose, and openFirewall opens `port`
# (UDP).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.tailscale;
in
{
  options.services.tailscale = {
    enable = mkOption { type = types.bool; default = false; };
    package = lib.mkPackageOption pkgs "tailscale" { };
    authKeyFile = mkOption {
      type = types.nullOr types.path;
      default = null;
    };
    authKeyParameters = mkOption {
      type = types.submodule {
        options = {
          baseURL = mkOption { type = types.nullOr types.str; default = null; };
          ephemeral = mkOption { type = types.nullOr types.bool; default = null; };
          preauthorized = mkOption { type = types.nullOr types.bool; default = null; };
        };
      };
      default = { };
    };
    disableTaildrop = mkOption { type = types.bool; default = false; };
    disableUpstreamLogging = mkOption { type = types.bool; default = false; };
    extraDaemonFlags = mkOption { type = types.listOf types.str; default = [ ]; };
    extraSetFlags = mkOption { type = types.listOf types.str; default = [ ]; };
    extraUpFlags = mkOption { type = types.listOf types.str; default = [ ]; };
    interfaceName = mkOption { type = types.str; default = "tailscale0"; };
    openFirewall = mkOption { type = types.bool; default = false; };
    permitCertUid = mkOption { type = types.nullOr types.nonEmptyStr; default = null; };
    port = mkOption { type = types.port; default = 41641; };
    useRoutingFeatures = mkOption {
      type = types.enum [ "none" "client" "server" "both" ];
      default = "none";
    };
  };

  config = lib.mkIf cfg.enable (
    let
      routes = builtins.elem cfg.useRoutingFeatures [ "server" "both" ];
      usesRoutes = builtins.elem cfg.useRoutingFeatures [ "client" "both" ];
    in
    {
      boot.kernel.sysctl = lib.mkIf routes (lib.genAttrs
        [ "net.ipv4.conf.all.forwarding" "net.ipv6.conf.all.forwarding" ]
        (_: lib.mkOverride 97 true));
      environment.systemPackages = [ cfg.package ];
      networking.firewall.allowedUDPPorts = lib.mkIf cfg.openFirewall [ cfg.port ];
      networking.firewall.checkReversePath = lib.mkIf usesRoutes "loose";
      warnings = lib.optional (builtins.isPath cfg.authKeyFile)
        "services.tailscale.authKeyFile is a Nix path value: the real module interpolates it into a script, which copies the file into the world-readable Nix store. Use a string path.";
    });
}
