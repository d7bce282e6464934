# systemd.tmpfiles.*
#
# Types and defaults from NixOS/nixpkgs
# nixos/modules/system/boot/systemd/tmpfiles.nix (stored copies, no commit
# recorded: rules = listOf str; settings = attrsOf (attrsOf (attrsOf
# (submodule { type (default: the attribute name), mode, user, group, age,
# argument }))); packages = listOf package). The declarations are written
# for hlcgen's test harness.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.systemd.tmpfiles = {
    rules = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    settings = mkOption {
      type = types.attrsOf (types.attrsOf (types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          type = mkOption { type = types.str; default = name; };
          mode = mkOption { type = types.str; default = "-"; };
          user = mkOption { type = types.str; default = "-"; };
          group = mkOption { type = types.str; default = "-"; };
          age = mkOption { type = types.str; default = "-"; };
          argument = mkOption { type = types.str; default = ""; };
        };
      }))));
      default = { };
    };
    packages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
  };
}
