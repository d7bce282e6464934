# environment.etc.<name>
#
# Types and defaults from NixOS/nixpkgs nixos/modules/system/etc/etc.nix at
# commit 05924f714f31ff83bd10ed1710638688999c3725 (enable, target, text =
# nullOr lines, source = path, mode, uid, gid, user, group).
#
# The declarations and the config logic are written for hlcgen's test
# harness. As on NixOS, target defaults to the attribute name, and a `text`
# becomes the `source` (here a stub store path) at the priority of the text.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.environment.etc = mkOption {
    type = types.attrsOf (types.submodule ({ name, config, options, ... }: {
      options = {
        enable = mkOption { type = types.bool; default = true; };
        target = mkOption { type = types.str; };
        text = mkOption { type = types.nullOr types.lines; default = null; };
        source = mkOption { type = types.path; };
        mode = mkOption { type = types.str; default = "symlink"; };
        uid = mkOption { type = types.int; default = 0; };
        gid = mkOption { type = types.int; default = 0; };
        user = mkOption { type = types.str; default = "+${toString config.uid}"; };
        group = mkOption { type = types.str; default = "+${toString config.gid}"; };
      };
      config = {
        target = lib.mkDefault name;
        source = lib.mkIf (config.text != null)
          (lib.mkDerivedConfig options.text (pkgs.writeText "etc-${baseNameOf name}"));
      };
    }));
    default = { };
  };
}
