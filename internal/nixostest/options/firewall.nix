# networking.firewall.* and networking.nftables.enable
#
# Types from NixOS/nixpkgs nixos/modules/services/networking/firewall.nix at
# commit 0192bb844360b5b42ebaf7f575f84d79910a5927; extraCommands and
# extraStopCommands from nixos/modules/services/networking/firewall-iptables.nix
# (stored copy, lib.mkOption style); extraInputRules, extraForwardRules and
# extraReversePathFilterRules (types.lines) from firewall-nftables.nix as the
# NixOS manual documents them (not read). Declarations written for hlcgen's
# test harness.
#
# Config logic kept from upstream: "lo" is always trusted, and the nftables-only
# options assert the nftables backend.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.networking.firewall;

  canonicalizePortList = ports: lib.unique (builtins.sort builtins.lessThan ports);

  commonOptions = direction: {
    allowedTCPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = canonicalizePortList;
      description = "TCP ports on which ${direction} connections are accepted.";
    };
    allowedTCPPortRanges = mkOption {
      type = types.listOf (types.attrsOf types.port);
      default = [ ];
      description = "Ranges of TCP ports on which ${direction} connections are accepted.";
    };
    allowedUDPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = canonicalizePortList;
      description = "UDP ports on which ${direction} packets are accepted.";
    };
    allowedUDPPortRanges = mkOption {
      type = types.listOf (types.attrsOf types.port);
      default = [ ];
      description = "Ranges of UDP ports on which ${direction} packets are accepted.";
    };
  };
  commonOptionsIncoming = commonOptions "incoming";
  commonOptionsOutgoing = commonOptions "outgoing";

  filterOutputOptions = {
    enabled = lib.mkEnableOption "filtering for outgoing traffic";
    interfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsOutgoing; }]);
      default = { };
      description = "Interface-specific allowed outgoing ports.";
    };
    trustedInterfaces = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Traffic leaving via these interfaces is accepted unconditionally.";
    };
    extraRules = mkOption {
      type = types.lines;
      default = "";
      description = "Additional nftables rules for the output-allow chain.";
    };
    allInterfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsOutgoing; }]);
      internal = true;
      default = {
        default = lib.mapAttrs (name: value: cfg.filterOutput.${name}) commonOptionsOutgoing;
      } // cfg.filterOutput.interfaces;
      description = "All open ports.";
    };
  } // commonOptionsOutgoing;
in
{
  options.networking.nftables.enable = mkOption {
    type = types.bool;
    default = false;
    description = "Whether to enable nftables (instead of iptables).";
  };

  options.networking.firewall = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to enable the firewall.";
    };
    backend = mkOption {
      type = types.enum [ "iptables" "nftables" "firewalld" ];
      default = if config.networking.nftables.enable then "nftables" else "iptables";
      description = "Underlying implementation for the firewall service.";
    };
    package = mkOption {
      type = types.package;
      default = if config.networking.nftables.enable then pkgs.nftables else pkgs.iptables;
      description = "The package to use for running the firewall service.";
    };
    logRefusedConnections = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to log rejected or dropped incoming connections.";
    };
    logRefusedPackets = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to log all rejected or dropped incoming packets.";
    };
    logRefusedUnicastsOnly = mkOption {
      type = types.bool;
      default = true;
      description = "Only log refused packets directed at this machine.";
    };
    rejectPackets = mkOption {
      type = types.bool;
      default = false;
      description = "Reject refused packets rather than dropping them.";
    };
    trustedInterfaces = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Traffic from these interfaces is accepted unconditionally.";
    };
    allowPing = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to respond to incoming ICMPv4 echo requests.";
    };
    pingLimit = mkOption {
      type = types.nullOr (types.separatedString " ");
      default = null;
      description = "Rate limits on pings.";
    };
    checkReversePath = mkOption {
      type = types.either types.bool (types.enum [ "strict" "loose" ]);
      default = true;
      description = "Reverse path filter test: true (or \"strict\"), \"loose\" or false.";
    };
    logReversePathDrops = mkOption {
      type = types.bool;
      default = false;
      description = "Log packets dropped by the reverse path filter.";
    };
    filterOutput = mkOption {
      type = types.submodule { options = filterOutputOptions; };
      default = { };
      description = "Firewall for outgoing packets (nftables only).";
    };
    filterForward = mkOption {
      type = types.bool;
      default = false;
      description = "Enable filtering in IP forwarding (nftables only).";
    };
    connectionTrackingModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Connection-tracking helpers that are auto-loaded.";
    };
    autoLoadConntrackHelpers = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to auto-load connection-tracking helpers.";
    };
    extraPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      description = "Additional packages for the firewall's environment.";
    };
    interfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsIncoming; }]);
      default = { };
      description = "Interface-specific open ports.";
    };
    allInterfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsIncoming; }]);
      internal = true;
      default = {
        default = lib.mapAttrs (name: value: cfg.${name}) commonOptionsIncoming;
      } // cfg.interfaces;
      description = "All open ports.";
    };

    # firewall-iptables.nix
    extraCommands = mkOption {
      type = types.lines;
      default = "";
      description = "Additional shell commands run by the iptables firewall's start script.";
    };
    extraStopCommands = mkOption {
      type = types.lines;
      default = "";
      description = "Additional shell commands run by the iptables firewall's stop script.";
    };

    # firewall-nftables.nix
    extraInputRules = mkOption {
      type = types.lines;
      default = "";
      description = "Additional nftables rules for the input-allow chain.";
    };
    extraForwardRules = mkOption {
      type = types.lines;
      default = "";
      description = "Additional nftables rules for the forward-allow chain.";
    };
    extraReversePathFilterRules = mkOption {
      type = types.lines;
      default = "";
      description = "Additional nftables rules for the reverse path filter.";
    };
  } // commonOptionsIncoming;

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.filterForward -> config.networking.nftables.enable;
        message = "filterForward only works with the nftables based firewall";
      }
      {
        assertion = cfg.filterOutput.enabled -> config.networking.nftables.enable;
        message = "filterOutput.enabled only works with the nftables based firewall";
      }
    ];
    networking.firewall.trustedInterfaces = [ "lo" ];
    networking.firewall.filterOutput.trustedInterfaces = [ "lo" ];
    environment.systemPackages = [ cfg.package ] ++ cfg.extraPackages;
    boot.kernelModules =
      (lib.optional cfg.autoLoadConntrackHelpers "nf_conntrack")
      ++ map (x: "nf_conntrack_${x}") cfg.connectionTrackingModules;
  };
}
