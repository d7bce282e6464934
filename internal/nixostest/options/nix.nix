# nix.*
#
# Types and defaults: nix.settings from NixOS/nixpkgs
# nixos/modules/config/nix.nix (read in stored copies: settings are an
# attrsOf (either atom (listOf atom)), an atom being null, bool, int, float,
# str, path or package); the typed settings (trusted-users, substituters, ...)
# and the other nix.* options as the NixOS manual documents them (not read).
#
# The declarations and the config logic are written for hlcgen's test
# harness. As on NixOS, https://cache.nixos.org/ is added after the other
# substituters and its public key to trusted-public-keys.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  settingValue = types.nullOr (types.oneOf [ types.bool types.int types.float types.str types.path types.package ]) // {
    description = "nix.conf value (null, Boolean, number, string, path or package)";
  };
  settingsType = types.attrsOf (types.either settingValue (types.listOf settingValue));
in
{
  options.nix = {
    enable = mkOption { type = types.bool; default = true; };
    package = mkOption { type = types.package; default = pkgs.nix; };
    nixPath = mkOption { type = types.listOf types.str; default = [ ]; };
    extraOptions = mkOption { type = types.lines; default = ""; };
    checkConfig = mkOption { type = types.bool; default = true; };
    channel.enable = mkOption { type = types.bool; default = true; };
    gc = {
      automatic = mkOption { type = types.bool; default = false; };
      dates = mkOption { type = types.either types.singleLineStr (types.listOf types.str); default = [ "03:15" ]; };
      options = mkOption { type = types.str; default = ""; };
      persistent = mkOption { type = types.bool; default = true; };
      randomizedDelaySec = mkOption { type = types.singleLineStr; default = "0"; };
    };
    optimise = {
      automatic = mkOption { type = types.bool; default = false; };
      dates = mkOption { type = types.listOf types.str; default = [ "03:45" ]; };
    };
    distributedBuilds = mkOption { type = types.bool; default = false; };
    settings = mkOption {
      type = types.submodule {
        freeformType = settingsType;
        options = {
          max-jobs = mkOption { type = types.either types.int (types.enum [ "auto" ]); default = "auto"; };
          auto-optimise-store = mkOption { type = types.bool; default = false; };
          cores = mkOption { type = types.int; default = 0; };
          sandbox = mkOption { type = types.either types.bool (types.enum [ "relaxed" ]); default = true; };
          extra-sandbox-paths = mkOption { type = types.listOf types.str; default = [ ]; };
          substituters = mkOption { type = types.listOf types.str; };
          trusted-substituters = mkOption { type = types.listOf types.str; default = [ ]; };
          trusted-public-keys = mkOption { type = types.listOf types.str; };
          trusted-users = mkOption { type = types.listOf types.str; default = [ "root" ]; };
          system-features = mkOption { type = types.listOf types.str; default = [ "nixos-test" "benchmark" "big-parallel" "kvm" ]; };
          allowed-users = mkOption { type = types.listOf types.str; default = [ "*" ]; };
          require-sigs = mkOption { type = types.bool; default = true; };
        };
      };
      default = { };
    };
  };

  config.nix.settings = {
    substituters = lib.mkAfter [ "https://cache.nixos.org/" ];
    trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
  };
}
