# services.keepalived.*
#
# Types from NixOS/nixpkgs nixos/modules/services/networking/keepalived/:
#   default.nix at commit 01239b864f8472863b56a1fc26876324d9cd7c90,
#   vrrp-instance-options.nix (stored copy in lib.mkOption style; virtualRouterId
#     is ints.between 1 255),
#   vrrp-script-options.nix at commit 0c01466c95ef33aa7af6342da3cc4d408d5084cd,
#   virtual-ip-options.nix at commit 14fd976016aee7e8a52f362b145a16947e111515.
# Declarations written for hlcgen's test harness.
#
# Config logic kept from upstream: the vrrpInstance assertions (non-empty
# interface, ranges, vmac options, virtual IP addresses, tracked scripts that
# exist) and openFirewall's extraCommands.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.keepalived;

  vrrpScriptOptions = {
    options = {
      script = mkOption { type = types.str; };
      interval = mkOption { type = types.int; default = 1; };
      timeout = mkOption { type = types.int; default = 5; };
      weight = mkOption { type = types.int; default = 0; };
      rise = mkOption { type = types.int; default = 5; };
      fall = mkOption { type = types.int; default = 3; };
      user = mkOption { type = types.str; default = "keepalived_script"; };
      group = mkOption { type = types.nullOr types.str; default = null; };
      extraConfig = mkOption { type = types.lines; default = ""; };
    };
  };

  virtualIpOptions = {
    options = {
      addr = mkOption { type = types.str; };
      brd = mkOption { type = types.nullOr types.str; default = null; };
      dev = mkOption { type = types.nullOr types.str; default = null; };
      scope = mkOption { type = types.nullOr types.str; default = null; };
      label = mkOption { type = types.nullOr types.str; default = null; };
    };
  };

  vrrpInstanceOptions = {
    options = {
      interface = mkOption { type = types.str; };
      state = mkOption {
        type = types.enum [ "MASTER" "BACKUP" ];
        default = "BACKUP";
      };
      virtualRouterId = mkOption {
        type = types.ints.between 1 255;
      };
      priority = mkOption { type = types.int; default = 100; };
      noPreempt = mkOption { type = types.bool; default = false; };
      useVmac = mkOption { type = types.bool; default = false; };
      vmacInterface = mkOption { type = types.nullOr types.str; default = null; };
      vmacXmitBase = mkOption { type = types.bool; default = false; };
      unicastSrcIp = mkOption { type = types.nullOr types.str; default = null; };
      unicastPeers = mkOption { type = types.listOf types.str; default = [ ]; };
      virtualIps = mkOption {
        type = types.listOf (types.submodule virtualIpOptions);
        default = [ ];
      };
      trackScripts = mkOption { type = types.listOf types.str; default = [ ]; };
      trackInterfaces = mkOption { type = types.listOf types.str; default = [ ]; };
      extraConfig = mkOption { type = types.lines; default = ""; };
    };
  };

  vrrpInstances = lib.mapAttrsToList (iName: iConfig: { name = iName; } // iConfig) cfg.vrrpInstances;

  vrrpInstanceAssertions = i:
    [
      {
        assertion = i.interface != "";
        message = "services.keepalived.vrrpInstances.${i.name}.interface option cannot be empty.";
      }
      {
        assertion = i.virtualRouterId >= 0 && i.virtualRouterId <= 255;
        message = "services.keepalived.vrrpInstances.${i.name}.virtualRouterId must be an integer between 0..255.";
      }
      {
        assertion = i.priority >= 0 && i.priority <= 255;
        message = "services.keepalived.vrrpInstances.${i.name}.priority must be an integer between 0..255.";
      }
      {
        assertion = i.vmacInterface == null || i.useVmac;
        message = "services.keepalived.vrrpInstances.${i.name}.vmacInterface has no effect when services.keepalived.vrrpInstances.${i.name}.useVmac is not set.";
      }
      {
        assertion = !i.vmacXmitBase || i.useVmac;
        message = "services.keepalived.vrrpInstances.${i.name}.vmacXmitBase has no effect when services.keepalived.vrrpInstances.${i.name}.useVmac is not set.";
      }
    ]
    ++ map (ip: {
      assertion = ip.addr != "";
      message = "The 'addr' option for an services.keepalived.vrrpInstances.${i.name}.virtualIps entry cannot be empty.";
    }) i.virtualIps
    ++ map (scriptName: {
      assertion = builtins.hasAttr scriptName cfg.vrrpScripts;
      message = "services.keepalived.vrrpInstances.${i.name} trackscript ${scriptName} is not defined in services.keepalived.vrrpScripts.";
    }) i.trackScripts;
in
{
  options.services.keepalived = {
    enable = mkOption { type = types.bool; default = false; };
    package = lib.mkPackageOption pkgs "keepalived" { };
    openFirewall = mkOption { type = types.bool; default = false; };
    enableScriptSecurity = mkOption { type = types.bool; default = false; };
    snmp = {
      enable = mkOption { type = types.bool; default = false; };
      socket = mkOption { type = types.nullOr types.str; default = null; };
      enableKeepalived = mkOption { type = types.bool; default = false; };
      enableChecker = mkOption { type = types.bool; default = false; };
      enableRfc = mkOption { type = types.bool; default = false; };
      enableRfcV2 = mkOption { type = types.bool; default = false; };
      enableRfcV3 = mkOption { type = types.bool; default = false; };
      enableTraps = mkOption { type = types.bool; default = false; };
    };
    vrrpScripts = mkOption {
      type = types.attrsOf (types.submodule vrrpScriptOptions);
      default = { };
    };
    vrrpInstances = mkOption {
      type = types.attrsOf (types.submodule vrrpInstanceOptions);
      default = { };
    };
    extraGlobalDefs = mkOption { type = types.lines; default = ""; };
    extraConfig = mkOption { type = types.lines; default = ""; };
    secretFile = mkOption {
      type = types.nullOr types.path;
      default = null;
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = lib.concatMap vrrpInstanceAssertions vrrpInstances;
    warnings = lib.optional (builtins.isPath cfg.secretFile)
      "services.keepalived.secretFile is a Nix path value: the real module interpolates it into a unit file, which copies the file into the world-readable Nix store. Use a string path.";
    networking.firewall = lib.mkIf cfg.openFirewall {
      extraCommands = ''
        # Allow VRRP and AH packets
        ip46tables -A nixos-fw -p vrrp -m comment --comment "services.keepalived.openFirewall" -j ACCEPT
        ip46tables -A nixos-fw -p ah -m comment --comment "services.keepalived.openFirewall" -j ACCEPT
      '';
      extraStopCommands = ''
        ip46tables -D nixos-fw -p vrrp -m comment --comment "services.keepalived.openFirewall" -j ACCEPT
        ip46tables -D nixos-fw -p ah -m comment --comment "services.keepalived.openFirewall" -j ACCEPT
      '';
    };
  };
}
