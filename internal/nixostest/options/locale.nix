# time.* and i18n.*
#
# Types and defaults: time.timeZone from NixOS/nixpkgs
# nixos/modules/config/locale.nix (stored copies: a nullable string that may
# not contain spaces); time.hardwareClockInLocalTime from the same file and
# i18n.defaultLocale/extraLocaleSettings from nixos/modules/config/i18n.nix
# as documented (not read). The declarations are written for hlcgen's test
# harness.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  timezone = types.nullOr (types.addCheck types.str (s: !lib.hasInfix " " s)) // {
    description = "null or time zone name (no spaces)";
  };
in
{
  options.time = {
    timeZone = mkOption {
      type = timezone;
      default = null;
    };
    hardwareClockInLocalTime = mkOption {
      type = types.bool;
      default = false;
    };
  };
  options.i18n = {
    defaultLocale = mkOption {
      type = types.str;
      default = "en_US.UTF-8";
    };
    extraLocaleSettings = mkOption {
      type = types.attrsOf types.str;
      default = { };
    };
  };
}
