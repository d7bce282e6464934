# systemd.services.<name>
#
# Types and defaults from NixOS/nixpkgs nixos/lib/systemd-unit-options.nix
# (the unit and service options of nixos/modules/system/boot/systemd.nix),
# for the options a generated module or a hand-written one in these tests
# sets, as remembered from the upstream declarations: not re-read from a
# stored copy, no commit recorded. The declarations are written for hlcgen's test
# harness.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  # A value of a unit file setting: upstream's unitOption accepts these, or
  # a list of them.
  unitValue = types.oneOf [ types.bool types.int types.str types.path ];
  unitOption = types.either unitValue (types.listOf unitValue);
  unitNames = types.listOf types.str;
in
{
  options.systemd.services = mkOption {
    type = types.attrsOf (types.submodule {
      options = {
        enable = mkOption { type = types.bool; default = true; };
        description = mkOption { type = types.str; default = ""; };
        wantedBy = mkOption { type = unitNames; default = [ ]; };
        requiredBy = mkOption { type = unitNames; default = [ ]; };
        wants = mkOption { type = unitNames; default = [ ]; };
        requires = mkOption { type = unitNames; default = [ ]; };
        after = mkOption { type = unitNames; default = [ ]; };
        before = mkOption { type = unitNames; default = [ ]; };
        partOf = mkOption { type = unitNames; default = [ ]; };
        bindsTo = mkOption { type = unitNames; default = [ ]; };
        unitConfig = mkOption { type = types.attrsOf unitOption; default = { }; };
        serviceConfig = mkOption { type = types.attrsOf unitOption; default = { }; };
        environment = mkOption {
          type = types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ]));
          default = { };
        };
        path = mkOption { type = types.listOf (types.oneOf [ types.package types.str ]); default = [ ]; };
        script = mkOption { type = types.lines; default = ""; };
        preStart = mkOption { type = types.lines; default = ""; };
        postStart = mkOption { type = types.lines; default = ""; };
        restartTriggers = mkOption {
          type = types.listOf types.unspecified;
          default = [ ];
        };
        reloadTriggers = mkOption { type = types.listOf unitOption; default = [ ]; };
        restartIfChanged = mkOption { type = types.bool; default = true; };
        reloadIfChanged = mkOption { type = types.bool; default = false; };
        stopIfChanged = mkOption { type = types.bool; default = true; };
      };
    });
    default = { };
  };
}
