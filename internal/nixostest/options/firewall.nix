# networking.firewall.* and networking.nftables.enable
#
# Types and defaults from NixOS/nixpkgs
# nixos/modules/services/networking/firewall.nix at commit
# 0192bb844360b5b42ebaf7f575f84d79910a5927; extraCommands and
# extraStopCommands from nixos/modules/services/networking/firewall-iptables.nix
# (stored copy, lib.mkOption style); extraInputRules, extraForwardRules and
# extraReversePathFilterRules (types.lines) from firewall-nftables.nix as the
# NixOS manual documents them (not read).
#
# The declarations and the config logic are written for hlcgen's test
# harness. As on NixOS, an enabled firewall always trusts "lo" (in and out),
# filterForward and filterOutput.enabled need the nftables backend, the
# firewall package and extraPackages are installed, and conntrack helpers
# become kernel modules.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.networking.firewall;

  canonicalizePortList = ports: lib.unique (builtins.sort builtins.lessThan ports);

  portOptions = {
    allowedTCPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = canonicalizePortList;
    };
    allowedTCPPortRanges = mkOption {
      type = types.listOf (types.attrsOf types.port);
      default = [ ];
    };
    allowedUDPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = canonicalizePortList;
    };
    allowedUDPPortRanges = mkOption {
      type = types.listOf (types.attrsOf types.port);
      default = [ ];
    };
  };
  commonOptionsIncoming = portOptions;
  commonOptionsOutgoing = portOptions;

  filterOutputOptions = {
    enabled = mkOption { type = types.bool; default = false; };
    interfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsOutgoing; }]);
      default = { };
    };
    trustedInterfaces = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    extraRules = mkOption {
      type = types.lines;
      default = "";
    };
    allInterfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsOutgoing; }]);
      internal = true;
      default = {
        default = lib.mapAttrs (name: value: cfg.filterOutput.${name}) commonOptionsOutgoing;
      } // cfg.filterOutput.interfaces;
    };
  } // commonOptionsOutgoing;
in
{
  options.networking.nftables.enable = mkOption {
    type = types.bool;
    default = false;
  };

  options.networking.firewall = {
    enable = mkOption {
      type = types.bool;
      default = true;
    };
    backend = mkOption {
      type = types.enum [ "iptables" "nftables" "firewalld" ];
      default = if config.networking.nftables.enable then "nftables" else "iptables";
    };
    package = mkOption {
      type = types.package;
      default = if config.networking.nftables.enable then pkgs.nftables else pkgs.iptables;
    };
    logRefusedConnections = mkOption {
      type = types.bool;
      default = false;
    };
    logRefusedPackets = mkOption {
      type = types.bool;
      default = false;
    };
    logRefusedUnicastsOnly = mkOption {
      type = types.bool;
      default = true;
    };
    rejectPackets = mkOption {
      type = types.bool;
      default = false;
    };
    trustedInterfaces = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    allowPing = mkOption {
      type = types.bool;
      default = true;
    };
    pingLimit = mkOption {
      type = types.nullOr (types.separatedString " ");
      default = null;
    };
    checkReversePath = mkOption {
      type = types.either types.bool (types.enum [ "strict" "loose" ]);
      default = true;
    };
    logReversePathDrops = mkOption {
      type = types.bool;
      default = false;
    };
    filterOutput = mkOption {
      type = types.submodule { options = filterOutputOptions; };
      default = { };
    };
    filterForward = mkOption {
      type = types.bool;
      default = false;
    };
    connectionTrackingModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    autoLoadConntrackHelpers = mkOption {
      type = types.bool;
      default = false;
    };
    extraPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
    interfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsIncoming; }]);
      default = { };
    };
    allInterfaces = mkOption {
      type = types.attrsOf (types.submodule [{ options = commonOptionsIncoming; }]);
      internal = true;
      default = {
        default = lib.mapAttrs (name: value: cfg.${name}) commonOptionsIncoming;
      } // cfg.interfaces;
    };

    # firewall-iptables.nix
    extraCommands = mkOption {
      type = types.lines;
      default = "";
    };
    extraStopCommands = mkOption {
      type = types.lines;
      default = "";
    };

    # firewall-nftables.nix
    extraInputRules = mkOption {
      type = types.lines;
      default = "";
    };
    extraForwardRules = mkOption {
      type = types.lines;
      default = "";
    };
    extraReversePathFilterRules = mkOption {
      type = types.lines;
      default = "";
    };
  } // commonOptionsIncoming;

  config = lib.mkIf cfg.enable {
    assertions = map
      (opt: {
        assertion = !(lib.attrByPath opt false cfg) || config.networking.nftables.enable;
        message = "firewall: ${lib.concatStringsSep "." opt} needs networking.nftables.enable";
      })
      [ [ "filterForward" ] [ "filterOutput" "enabled" ] ];
    networking.firewall.trustedInterfaces = [ "lo" ];
    networking.firewall.filterOutput.trustedInterfaces = [ "lo" ];
    environment.systemPackages = [ cfg.package ] ++ cfg.extraPackages;
    boot.kernelModules =
      lib.optional cfg.autoLoadConntrackHelpers "nf_conntrack"
      ++ map (helper: "nf_conntrack_${helper}") cfg.connectionTrackingModules;
  };
}
