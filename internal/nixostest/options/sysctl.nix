# boot.kernel.sysctl
#
# Types from NixOS/nixpkgs nixos/modules/config/sysctl.nix (stored copy whose
# submodule declares net.core.rmem_max and net.core.wmem_max with the
# "highest value wins" merge, and whose freeform values are the "sysctl option
# value" type: bool, string, int or null, merged with mergeOneOption).
# Declarations written for hlcgen's test harness.
#
# Config logic kept from upstream: the NixOS-wide defaults (mkDefault) and
# /etc/sysctl.d/60-nixos.conf.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  sysctlOption = lib.mkOptionType {
    name = "sysctl option value";
    check = val:
      let checkType = x: lib.isBool x || lib.isString x || lib.isInt x || x == null;
      in checkType val || ((val._type or "") == "override" && checkType val.content);
    merge = loc: defs: lib.mergeOneOption loc defs;
  };
  highestValueType = types.ints.unsigned // {
    merge = loc: defs: lib.foldl (a: b: if b.value == null then null else lib.max a b.value) 0 defs;
  };
in
{
  options.boot.kernel.sysctl = mkOption {
    type = types.submodule {
      freeformType = types.attrsOf sysctlOption;
      options = {
        "net.core.rmem_max" = mkOption {
          type = types.nullOr highestValueType;
          default = null;
        };
        "net.core.wmem_max" = mkOption {
          type = types.nullOr highestValueType;
          default = null;
        };
      };
    };
    default = { };
  };

  config = {
    environment.etc."sysctl.d/60-nixos.conf".text = lib.concatStrings (lib.mapAttrsToList
      (n: v: lib.optionalString (v != null) "${n}=${if v == false then "0" else toString v}\n")
      config.boot.kernel.sysctl);

    boot.kernel.sysctl = {
      "kernel.kptr_restrict" = lib.mkDefault 1;
      "vm.max_map_count" = lib.mkDefault 1048576;
      "fs.inotify.max_user_instances" = lib.mkDefault 524288;
      "fs.inotify.max_user_watches" = lib.mkDefault 524288;
      "fs.protected_fifos" = lib.mkDefault 2;
      "fs.protected_hardlinks" = lib.mkDefault 1;
      "fs.protected_regular" = lib.mkDefault 2;
      "fs.protected_symlinks" = lib.mkDefault 1;
    };
  };
}
