# security.sudo.*
#
# Types from NixOS/nixpkgs nixos/modules/security/sudo.nix as the NixOS manual
# documents them for 25.05/25.11 (not read in a stored copy): enable
# (default true), wheelNeedsPassword (default true), execWheelOnly,
# keepTerminfo, defaultOptions, extraRules, extraConfig, configFile, package.
# Declarations written for hlcgen's test harness.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.security.sudo = {
    enable = lib.mkEnableOption "the {command}`sudo` command" // { default = true; };
    package = lib.mkPackageOption pkgs "sudo" { };
    wheelNeedsPassword = mkOption {
      type = types.bool;
      default = true;
      description = "Whether users of the wheel group must provide a password to run commands as super user via sudo.";
    };
    execWheelOnly = mkOption {
      type = types.bool;
      default = false;
      description = "Only allow members of the wheel group to execute sudo.";
    };
    keepTerminfo = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to keep the TERMINFO and TERMINFO_DIRS environment variables.";
    };
    defaultOptions = mkOption {
      type = types.listOf types.str;
      default = [ "SETENV" ];
      description = "Options used for the default rules.";
    };
    configFile = mkOption {
      type = types.lines;
      _lazy = true;
      description = "Contents of the sudoers file.";
    };
    extraRules = mkOption {
      type = types.listOf (types.submodule {
        options = {
          users = mkOption { type = types.listOf (types.either types.str types.int); default = [ ]; description = "Users the rule applies to."; };
          groups = mkOption { type = types.listOf (types.either types.str types.int); default = [ ]; description = "Groups the rule applies to."; };
          host = mkOption { type = types.str; default = "ALL"; description = "Host the rule applies to."; };
          runAs = mkOption { type = types.str; default = "ALL:ALL"; description = "Under which user/group the commands may run."; };
          commands = mkOption {
            type = types.listOf (types.either types.str (types.submodule {
              options = {
                command = mkOption { type = types.str; description = "A command."; };
                options = mkOption {
                  type = types.listOf (types.enum [
                    "NOPASSWD" "PASSWD" "NOEXEC" "EXEC" "SETENV" "NOSETENV" "LOG_INPUT" "NOLOG_INPUT" "LOG_OUTPUT" "NOLOG_OUTPUT" "MAIL" "NOMAIL" "FOLLOW" "NOFOLLOW" "INTERCEPT" "NOINTERCEPT"
                  ]);
                  default = [ ];
                  description = "Options for the command.";
                };
              };
            }));
            description = "The commands the rule allows.";
          };
        };
      });
      default = [ ];
      description = "Additional sudoers rules.";
    };
    extraConfig = mkOption {
      type = types.lines;
      default = "";
      description = "Extra configuration text appended to sudoers.";
    };
  };
}
