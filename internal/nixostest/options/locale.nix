# time.* and i18n.*
#
# time.timeZone type from NixOS/nixpkgs nixos/modules/config/locale.nix
# (stored copies: nullOr (addCheck str nospace) with the description "null or
# string without spaces"); time.hardwareClockInLocalTime from the same file
# and i18n.defaultLocale/extraLocaleSettings from nixos/modules/config/i18n.nix
# as documented (not read). Declarations written for hlcgen's test harness.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  nospace = str: lib.filter (c: c == " ") (lib.stringToCharacters str) == [ ];
  timezone = types.nullOr (types.addCheck types.str nospace) // {
    description = "null or string without spaces";
  };
in
{
  options.time = {
    timeZone = mkOption {
      type = timezone;
      default = null;
      example = "America/New_York";
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
