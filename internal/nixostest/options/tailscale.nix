# services.tailscale.*
#
# Types from NixOS/nixpkgs nixos/modules/services/networking/tailscale.nix
# (stored copy with authKeyParameters, disableUpstreamLogging, extraSetFlags
# and extraDaemonFlags, i.e. the 2025 module). Declarations written for
# hlcgen's test harness.
#
# Config logic kept from upstream: IP forwarding sysctls for the "server" and
# "both" routing features (at priority 97), loose reverse path filtering for
# "client" and "both", and openFirewall's UDP port.
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

  config = lib.mkIf cfg.enable {
    boot.kernel.sysctl = lib.mkIf (cfg.useRoutingFeatures == "server" || cfg.useRoutingFeatures == "both") {
      "net.ipv4.conf.all.forwarding" = lib.mkOverride 97 true;
      "net.ipv6.conf.all.forwarding" = lib.mkOverride 97 true;
    };
    environment.systemPackages = [ cfg.package ];
    networking.firewall.allowedUDPPorts = lib.mkIf cfg.openFirewall [ cfg.port ];
    networking.firewall.checkReversePath = lib.mkIf (cfg.useRoutingFeatures == "client" || cfg.useRoutingFeatures == "both") "loose";
    warnings = lib.optional (builtins.isPath cfg.authKeyFile)
      "services.tailscale.authKeyFile is a Nix path value: the real module interpolates it into a script, which copies the file into the world-readable Nix store. Use a string path.";
  };
}
