# assertions, warnings, nixpkgs.*, environment.systemPackages
#
# From NixOS/nixpkgs nixos/modules/misc/assertions.nix (assertions = listOf
# unspecified, warnings = listOf str), nixos/modules/misc/nixpkgs.nix
# (hostPlatform/buildPlatform = either str attrs, config, overlays, system)
# and nixos/modules/config/system-path.nix (environment.systemPackages =
# listOf package), as documented (not read). nixpkgs.system defaults to the
# `system` argument of nixosSystem. Declarations written for hlcgen's test
# harness; the harness fails a host with failed assertions the way
# system.build.toplevel does, and prints warnings.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  overlayType = lib.mkOptionType {
    name = "nixpkgs-overlay";
    description = "nixpkgs overlay";
    check = lib.isFunction;
    merge = lib.mergeOneOption;
  };
  configType = lib.mkOptionType {
    name = "nixpkgs-config";
    description = "nixpkgs config";
    check = x: lib.isAttrs x || lib.isFunction x;
    merge = loc: defs: lib.foldr (def: acc: lib.recursiveUpdate acc def.value) { } defs;
  };
in
{
  options = {
    assertions = mkOption {
      type = types.listOf types.unspecified;
      internal = true;
      default = [ ];
      description = "Assertions that must hold for the system to build.";
    };
    warnings = mkOption {
      type = types.listOf types.str;
      internal = true;
      default = [ ];
      description = "Warnings printed when the system is built.";
    };
    nixpkgs = {
      system = mkOption {
        type = types.str;
        _lazy = true;
        description = "The system nixpkgs is built for (legacy).";
      };
      hostPlatform = mkOption {
        type = types.either types.str types.attrs;
        default = config.nixpkgs.system;
        description = "The platform where the NixOS configuration will run.";
      };
      buildPlatform = mkOption {
        type = types.either types.str types.attrs;
        default = config.nixpkgs.hostPlatform;
        description = "The platform on which NixOS should be built.";
      };
      config = mkOption {
        type = configType;
        default = { };
        description = "The configuration of the Nix Packages collection.";
      };
      overlays = mkOption {
        type = types.listOf overlayType;
        default = [ ];
        description = "List of overlays to apply to Nixpkgs.";
      };
    };
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      description = "The set of packages that appear in /run/current-system/sw.";
    };
  };
}
