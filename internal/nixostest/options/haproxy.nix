# services.haproxy.*
#
# Types and defaults from NixOS/nixpkgs
# nixos/modules/services/networking/haproxy.nix (stored copy with
# mkEnableOption/mkPackageOption, user/group and `config = nullOr lines`).
#
# The declarations and the config logic are written for hlcgen's test
# harness. As in the real module, an enabled HAProxy must have `config`,
# which is written to a file, and the default user and group "haproxy" are
# created. Upstream puts a global section of its own (a stats socket for
# reloads) before `config`; the harness writes `config` alone.
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
    assertions = [{ assertion = cfg.config != null; message = "haproxy: services.haproxy.config is not set"; }];
    environment.etc."haproxy.cfg".source = pkgs.writeText "haproxy.cfg" (toString cfg.config);
    users.users = lib.optionalAttrs (cfg.user == "haproxy") { haproxy = { isSystemUser = true; inherit (cfg) group; }; };
    users.groups = lib.optionalAttrs (cfg.group == "haproxy") { haproxy = { }; };
  };
}
