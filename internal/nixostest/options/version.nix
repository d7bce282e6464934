# system.stateVersion and system.nixos.*
#
# Types and defaults from NixOS/nixpkgs nixos/modules/misc/version.nix as
# documented for nixos-26.05 (not read; no commit recorded): stateVersion = str
# defaulting to the release, nixos.release read-only, nixos.distroId "nixos"
# (the default of networking.hostName).
#
# The declarations and the config logic are written for hlcgen's test
# harness; as on NixOS, a host that leaves stateVersion unset gets a warning.
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
    "system.stateVersion is not set; it defaults to ${cfg.release}";
}
