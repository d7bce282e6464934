# services.haproxy.*
#
# Types from NixOS/nixpkgs nixos/modules/services/networking/haproxy.nix
# (stored copy with mkEnableOption/mkPackageOption, user/group and
# `config = nullOr lines`). Declarations written for hlcgen's test harness.
#
# Config logic kept from upstream: the assertion that config is set, and the
# haproxy user and group the module creates when the defaults are kept.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.haproxy;
in
{
  options.services.haproxy = {
    enable = mkOption { type = types.bool; default = false; };
    package = lib.mkPackageOption pkgs "haproxy" { };
    user = mkOption {
      type = types.str;
      default = "haproxy";
    };
    group = mkOption {
      type = types.str;
      default = "haproxy";
    };
    config = mkOption {
      type = types.nullOr types.lines;
      default = null;
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [{
      assertion = cfg.config != null;
      message = "You must provide services.haproxy.config.";
    }];
    environment.etc."haproxy.cfg".source = pkgs.writeText "haproxy.conf" ''
      global
        # needed for hot-reload to work without dropping packets in multi-worker mode
        stats socket /run/haproxy/haproxy.sock mode 600 expose-fd listeners level user

      ${toString cfg.config}
    '';
    users.users = lib.optionalAttrs (cfg.user == "haproxy") {
      haproxy = {
        group = cfg.group;
        isSystemUser = true;
      };
    };
    users.groups = lib.optionalAttrs (cfg.group == "haproxy") {
      haproxy = { };
    };
  };
}
