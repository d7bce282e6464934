# systemd.services.<name>
#
# Types from NixOS/nixpkgs nixos/lib/systemd-unit-options.nix (the unit and
# service options of nixos/modules/system/boot/systemd.nix), written from
# memory of the upstream declarations for the options a generated module or
# a hand-written one in these tests sets; not re-read from a stored copy.
# Declarations written for hlcgen's test harness.
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
        enable = mkOption { type = types.bool; default = true; description = "Whether the unit is installed."; };
        description = mkOption { type = types.str; default = ""; description = "The unit's Description=."; };
        wantedBy = mkOption { type = unitNames; default = [ ]; description = "Units that want this one."; };
        requiredBy = mkOption { type = unitNames; default = [ ]; description = "Units that require this one."; };
        wants = mkOption { type = unitNames; default = [ ]; description = "Wants= dependencies."; };
        requires = mkOption { type = unitNames; default = [ ]; description = "Requires= dependencies."; };
        after = mkOption { type = unitNames; default = [ ]; description = "After= ordering."; };
        before = mkOption { type = unitNames; default = [ ]; description = "Before= ordering."; };
        partOf = mkOption { type = unitNames; default = [ ]; description = "PartOf= dependencies."; };
        bindsTo = mkOption { type = unitNames; default = [ ]; description = "BindsTo= dependencies."; };
        unitConfig = mkOption { type = types.attrsOf unitOption; default = { }; description = "[Unit] settings."; };
        serviceConfig = mkOption { type = types.attrsOf unitOption; default = { }; description = "[Service] settings."; };
        environment = mkOption {
          type = types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ]));
          default = { };
          description = "Environment variables of the service.";
        };
        path = mkOption { type = types.listOf (types.oneOf [ types.package types.str ]); default = [ ]; description = "Packages on the service's PATH."; };
        script = mkOption { type = types.lines; default = ""; description = "Shell commands run as the service."; };
        preStart = mkOption { type = types.lines; default = ""; description = "Shell commands run before the service starts."; };
        postStart = mkOption { type = types.lines; default = ""; description = "Shell commands run after the service starts."; };
        restartTriggers = mkOption {
          type = types.listOf types.unspecified;
          default = [ ];
          description = "Values whose change restarts the unit on a configuration switch (X-Restart-Triggers).";
        };
        reloadTriggers = mkOption { type = types.listOf unitOption; default = [ ]; description = "Values whose change reloads the unit."; };
        restartIfChanged = mkOption { type = types.bool; default = true; description = "Restart the unit when it changed."; };
        reloadIfChanged = mkOption { type = types.bool; default = false; description = "Reload instead of restarting."; };
        stopIfChanged = mkOption { type = types.bool; default = true; description = "Stop, then start, when it changed."; };
      };
    });
    default = { };
    description = "Definition of systemd service units.";
  };
}
