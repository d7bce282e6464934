# security.sudo.*
#
# Types and defaults from NixOS/nixpkgs nixos/modules/security/sudo.nix as
# the NixOS manual documents them for 25.05/25.11 (not read in a stored copy;
# no commit recorded): enable (default true), wheelNeedsPassword (default true),
# execWheelOnly, keepTerminfo, defaultOptions, extraRules, extraConfig,
# configFile, package. The declarations are written for hlcgen's test
# harness.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.security.sudo = {
    enable = mkOption { type = types.bool; default = true; };
    package = lib.mkPackageOption pkgs "sudo" { };
    wheelNeedsPassword = mkOption {
      type = types.bool;
      default = true;
    };
    execWheelOnly = mkOption {
      type = types.bool;
      default = false;
    };
    keepTerminfo = mkOption {
      type = types.bool;
      default = true;
    };
    defaultOptions = mkOption {
      type = types.listOf types.str;
      default = [ "SETENV" ];
    };
    configFile = mkOption {
      type = types.lines;
      _lazy = true;
    };
    extraRules = mkOption {
      type = types.listOf (types.submodule {
        options = {
          users = mkOption { type = types.listOf (types.either types.str types.int); default = [ ]; };
          groups = mkOption { type = types.listOf (types.either types.str types.int); default = [ ]; };
          host = mkOption { type = types.str; default = "ALL"; };
          runAs = mkOption { type = types.str; default = "ALL:ALL"; };
          commands = mkOption {
            type = types.listOf (types.either types.str (types.submodule {
              options = {
                command = mkOption { type = types.str; };
                options = mkOption {
                  type = types.listOf (types.enum [
                    "NOPASSWD" "PASSWD" "NOEXEC" "EXEC" "SETENV" "NOSETENV" "LOG_INPUT" "NOLOG_INPUT" "LOG_OUTPUT" "NOLOG_OUTPUT" "MAIL" "NOMAIL" "FOLLOW" "NOFOLLOW" "INTERCEPT" "NOINTERCEPT"
                  ]);
                  default = [ ];
                };
              };
            }));
          };
        };
      });
      default = [ ];
    };
    extraConfig = mkOption {
      type = types.lines;
      default = "";
    };
  };
}
