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
      script = mkOption { type = types.str; description = "(Path of) Script command to execute followed by args."; };
      interval = mkOption { type = types.int; default = 1; description = "Seconds between script invocations."; };
      timeout = mkOption { type = types.int; default = 5; description = "Seconds after which script is considered to have failed."; };
      weight = mkOption { type = types.int; default = 0; description = "Following a failure, adjust the priority by this weight."; };
      rise = mkOption { type = types.int; default = 5; description = "Required number of successes for OK transition."; };
      fall = mkOption { type = types.int; default = 3; description = "Required number of failures for KO transition."; };
      user = mkOption { type = types.str; default = "keepalived_script"; description = "Name of user to run the script under."; };
      group = mkOption { type = types.nullOr types.str; default = null; description = "Name of group to run the script under."; };
      extraConfig = mkOption { type = types.lines; default = ""; description = "Extra lines for the vrrp_script section."; };
    };
  };

  virtualIpOptions = {
    options = {
      addr = mkOption { type = types.str; description = "IP address, optionally with a netmask: IPADDR[/MASK]"; };
      brd = mkOption { type = types.nullOr types.str; default = null; description = "The broadcast address on the interface."; };
      dev = mkOption { type = types.nullOr types.str; default = null; description = "The name of the device to add the address to."; };
      scope = mkOption { type = types.nullOr types.str; default = null; description = "The scope of the area where this address is valid."; };
      label = mkOption { type = types.nullOr types.str; default = null; description = "A label for the address."; };
    };
  };

  vrrpInstanceOptions = {
    options = {
      interface = mkOption { type = types.str; description = "Interface for inside_network, bound by vrrp."; };
      state = mkOption {
        type = types.enum [ "MASTER" "BACKUP" ];
        default = "BACKUP";
        description = "Initial state.";
      };
      virtualRouterId = mkOption {
        type = types.ints.between 1 255;
        description = "Arbitrary unique number 1..255.";
      };
      priority = mkOption { type = types.int; default = 100; description = "For electing MASTER, highest priority wins."; };
      noPreempt = mkOption { type = types.bool; default = false; description = "Let a lower priority machine keep the master role."; };
      useVmac = mkOption { type = types.bool; default = false; description = "Use VRRP Virtual MAC."; };
      vmacInterface = mkOption { type = types.nullOr types.str; default = null; description = "Name of the vmac interface to use."; };
      vmacXmitBase = mkOption { type = types.bool; default = false; description = "Send/Recv VRRP messages from base interface instead of VMAC interface."; };
      unicastSrcIp = mkOption { type = types.nullOr types.str; default = null; description = "src_addr for unicast vrrp packets."; };
      unicastPeers = mkOption { type = types.listOf types.str; default = [ ]; description = "Unicast peers."; };
      virtualIps = mkOption {
        type = types.listOf (types.submodule virtualIpOptions);
        default = [ ];
        description = "Declarative vhost config";
      };
      trackScripts = mkOption { type = types.listOf types.str; default = [ ]; description = "Script names to invoke for health tracking."; };
      trackInterfaces = mkOption { type = types.listOf types.str; default = [ ]; description = "Network interfaces to monitor for health tracking."; };
      extraConfig = mkOption { type = types.lines; default = ""; description = "Extra lines for the vrrp_instance section."; };
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
    enable = mkOption { type = types.bool; default = false; description = "Whether to enable Keepalived."; };
    package = lib.mkPackageOption pkgs "keepalived" { };
    openFirewall = mkOption { type = types.bool; default = false; description = "Whether to allow VRRP and AH packets in the firewall."; };
    enableScriptSecurity = mkOption { type = types.bool; default = false; description = "Don't run root scripts with writable paths."; };
    snmp = {
      enable = mkOption { type = types.bool; default = false; description = "Whether to enable the builtin AgentX subagent."; };
      socket = mkOption { type = types.nullOr types.str; default = null; description = "Socket of the SNMP master agent."; };
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
      description = "Declarative vrrp script config";
    };
    vrrpInstances = mkOption {
      type = types.attrsOf (types.submodule vrrpInstanceOptions);
      default = { };
      description = "Declarative vhost config";
    };
    extraGlobalDefs = mkOption { type = types.lines; default = ""; description = "Extra lines for the global_defs block."; };
    extraConfig = mkOption { type = types.lines; default = ""; description = "Extra lines for the configuration file."; };
    secretFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      description = "Environment file whose variables are substituted into the config.";
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
