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
    enable = lib.mkEnableOption "Tailscale client daemon";
    package = lib.mkPackageOption pkgs "tailscale" { };
    authKeyFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "A file containing the auth key.";
    };
    authKeyParameters = mkOption {
      type = types.submodule {
        options = {
          baseURL = mkOption { type = types.nullOr types.str; default = null; description = "Base URL for the Tailscale API."; };
          ephemeral = mkOption { type = types.nullOr types.bool; default = null; description = "Whether to register as an ephemeral node."; };
          preauthorized = mkOption { type = types.nullOr types.bool; default = null; description = "Whether to skip manual device approval."; };
        };
      };
      default = { };
      description = "Extra parameters to pass after the auth key.";
    };
    disableTaildrop = mkOption { type = types.bool; default = false; description = "Whether to disable Taildrop."; };
    disableUpstreamLogging = mkOption { type = types.bool; default = false; description = "Whether to disable upstream debug logging."; };
    extraDaemonFlags = mkOption { type = types.listOf types.str; default = [ ]; description = "Extra flags for tailscaled."; };
    extraSetFlags = mkOption { type = types.listOf types.str; default = [ ]; description = "Extra flags for `tailscale set`."; };
    extraUpFlags = mkOption { type = types.listOf types.str; default = [ ]; description = "Extra flags for `tailscale up`."; };
    interfaceName = mkOption { type = types.str; default = "tailscale0"; description = "The interface name for tunnel traffic."; };
    openFirewall = mkOption { type = types.bool; default = false; description = "Whether to open the firewall for the specified port."; };
    permitCertUid = mkOption { type = types.nullOr types.nonEmptyStr; default = null; description = "User allowed to fetch Tailscale TLS certificates."; };
    port = mkOption { type = types.port; default = 41641; description = "The port to listen on for tunnel traffic (0=autoselect)."; };
    useRoutingFeatures = mkOption {
      type = types.enum [ "none" "client" "server" "both" ];
      default = "none";
      description = "Enables settings required for Tailscale's routing features.";
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
