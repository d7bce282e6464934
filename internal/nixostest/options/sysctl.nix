# boot.kernel.sysctl
#
# Types and defaults from NixOS/nixpkgs nixos/modules/config/sysctl.nix
# (stored copy, no commit recorded, whose submodule declares
# net.core.rmem_max and net.core.wmem_max merged by taking the highest value,
# and whose freeform values are Booleans, strings, integers or null, each
# defined once: mergeOneOption). The NixOS-wide sysctl defaults below (values
# at mkDefault) are the ones that module sets.
#
# The declarations and the config logic are written for hlcgen's test
# harness; like NixOS, the settings that are not null are written to
# /etc/sysctl.d/60-nixos.conf (false as 0).
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  # A value may also arrive still wrapped in mkOverride (as in nixpkgs, the
  # check looks through one such wrapper).
  isSysctlValue = v: v == null || builtins.isBool v || builtins.isString v || builtins.isInt v;
  sysctlOption = lib.mkOptionType {
    name = "sysctl option value";
    check = v: isSysctlValue v || (lib.isAttrs v && (v._type or null) == "override" && isSysctlValue v.content);
    merge = lib.mergeOneOption;
  };
  # The highest of all definitions (the options wrap it in nullOr, which
  # deals with null).
  highestValueType = types.ints.unsigned // {
    merge = loc: defs: lib.foldl' (acc: d: lib.max acc d.value) 0 defs;
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
    environment.etc."sysctl.d/60-nixos.conf".text =
      let line = key: v: if v == null then "" else "${key}=${if v == false then "0" else toString v}\n"; in
      lib.concatStrings (lib.mapAttrsToList line config.boot.kernel.sysctl);

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
