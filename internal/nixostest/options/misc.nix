# assertions, warnings, nixpkgs.*, environment.systemPackages
#
# Types and defaults from NixOS/nixpkgs nixos/modules/misc/assertions.nix
# (assertions = listOf unspecified, warnings = listOf str),
# nixos/modules/misc/nixpkgs.nix (hostPlatform/buildPlatform = either str
# attrs, config, overlays, system) and nixos/modules/config/system-path.nix
# (environment.systemPackages = listOf package), as documented (not read; no
# commit). nixpkgs.system defaults to the `system` argument of nixosSystem.
# The declarations are written for hlcgen's test harness; the harness fails
# a host with failed assertions the way system.build.toplevel does, and
# prints warnings (nixos.nix).
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
    };
    warnings = mkOption {
      type = types.listOf types.str;
      internal = true;
      default = [ ];
    };
    nixpkgs = {
      system = mkOption {
        type = types.str;
        _lazy = true;
      };
      hostPlatform = mkOption {
        type = types.either types.str types.attrs;
        default = config.nixpkgs.system;
      };
      buildPlatform = mkOption {
        type = types.either types.str types.attrs;
        default = config.nixpkgs.hostPlatform;
      };
      config = mkOption {
        type = configType;
        default = { };
      };
      overlays = mkOption {
        type = types.listOf overlayType;
        default = [ ];
      };
    };
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
  };
}
