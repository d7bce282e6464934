# services.keepalived.*
#
# Types and defaults from NixOS/nixpkgs
# nixos/modules/services/networking/keepalived/:
#   default.nix at commit 01239b864f8472863b56a1fc26876324d9cd7c90,
#   vrrp-instance-options.nix (stored copy in lib.mkOption style; virtualRouterId
#     is ints.between 1 255),
#   vrrp-script-options.nix at commit 0c01466c95ef33aa7af6342da3cc4d408d5084cd,
#   virtual-ip-options.nix at commit 14fd976016aee7e8a52f362b145a16947e111515.
# The declarations and the config logic are written for hlcgen's test
# harness. The logic checks what the real module asserts about each VRRP
# instance (a non-empty interface, virtualRouterId and priority within
# 0..255, vmacInterface and vmacXmitBase only together with useVmac, an
# address on every virtual IP, tracked scripts declared in vrrpScripts), and
# openFirewall accepts the vrrp and ah protocols, as upstream's does.
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

  instanceChecks = name: inst:
    let
      check = ok: problem: { assertion = ok; message = "keepalived: vrrp instance ${name}: ${problem}"; };
      isByte = v: v >= 0 && v <= 255;
    in
    [
      (check (inst.interface != "") "interface is empty")
      (check (isByte inst.virtualRouterId) "virtualRouterId ${toString inst.virtualRouterId} is not within 0..255")
      (check (isByte inst.priority) "priority ${toString inst.priority} is not within 0..255")
      (check (inst.useVmac || inst.vmacInterface == null) "vmacInterface needs useVmac")
      (check (inst.useVmac || !inst.vmacXmitBase) "vmacXmitBase needs useVmac")
    ]
    ++ lib.imap1 (n: vip: check (vip.addr != "") "virtual IP number ${toString n} has an empty addr") inst.virtualIps
    ++ map (script: check (cfg.vrrpScripts ? ${script}) "tracks script ${script}, which vrrpScripts does not declare") inst.trackScripts;

  # The firewall rule for one protocol, added (-A) or deleted (-D).
  protocolRule = op: proto: "ip46tables ${op} nixos-fw -p ${proto} -j ACCEPT\n";
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
    assertions = lib.concatLists (lib.mapAttrsToList instanceChecks cfg.vrrpInstances);
    warnings = lib.optional (builtins.isPath cfg.secretFile)
      "services.keepalived.secretFile is a Nix path value: the real module interpolates it into a unit file, which copies the file into the world-readable Nix store. Use a string path.";
    networking.firewall = lib.mkIf cfg.openFirewall {
      extraCommands = lib.concatMapStrings (protocolRule "-A") [ "vrrp" "ah" ];
      extraStopCommands = lib.concatMapStrings (protocolRule "-D") [ "vrrp" "ah" ];
    };
  };
}
