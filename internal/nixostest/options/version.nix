# system.stateVersion and system.nixos.*
#
# From NixOS/nixpkgs nixos/modules/misc/version.nix as documented for
# nixos-26.05 (not read): stateVersion = str defaulting to the release (with a
# warning when unset), nixos.release read-only, nixos.distroId "nixos" (the
# default of networking.hostName). Declarations written for hlcgen's test
# harness.
{ config, options, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.system.nixos;
in
{
  options.system = {
    stateVersion = mkOption {
      type = types.str;
      default = cfg.release;
    };
    nixos = {
      release = mkOption { type = types.str; readOnly = true; default = "26.05"; };
      distroId = mkOption { type = types.str; default = "nixos"; };
      distroName = mkOption { type = types.str; default = "NixOS"; };
      label = mkOption { type = types.strMatching "[a-zA-Z0-9:_\\.-]*"; default = cfg.release; };
      tags = mkOption { type = types.listOf types.str; default = [ ]; };
    };
  };

  config.warnings = lib.optional (options.system.stateVersion.highestPrio == 1500)
    "system.stateVersion is not set, defaulting to ${cfg.release}. Read why this matters on https://nixos.org/manual/nixos/stable/options.html#opt-system.stateVersion.";
}
