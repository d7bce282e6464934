# systemd.tmpfiles.*
#
# Types from NixOS/nixpkgs nixos/modules/system/boot/systemd/tmpfiles.nix
# (stored copies: rules = listOf str; settings = attrsOf (attrsOf (attrsOf
# (submodule { type (default: the attribute name), mode, user, group, age,
# argument }))); packages = listOf package). Declarations written for
# hlcgen's test harness.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.systemd.tmpfiles = {
    rules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Rules for systemd-tmpfiles, see tmpfiles.d(5).";
    };
    settings = mkOption {
      type = types.attrsOf (types.attrsOf (types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          type = mkOption { type = types.str; default = name; description = "The type of operation."; };
          mode = mkOption { type = types.str; default = "-"; description = "The file access mode."; };
          user = mkOption { type = types.str; default = "-"; description = "The user of the file."; };
          group = mkOption { type = types.str; default = "-"; description = "The group of the file."; };
          age = mkOption { type = types.str; default = "-"; description = "Delete files older than this."; };
          argument = mkOption { type = types.str; default = ""; description = "An argument whose meaning depends on the type."; };
        };
      }))));
      default = { };
      description = "Declarative systemd-tmpfiles rules.";
    };
    packages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      description = "Packages containing systemd-tmpfiles rules.";
    };
  };
}
