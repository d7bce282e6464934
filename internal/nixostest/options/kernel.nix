# boot.kernelModules, boot.initrd.*KernelModules, boot.extraModulePackages, ...
#
# Types and defaults from NixOS/nixpkgs nixos/modules/system/boot/kernel.nix
# (stored copy; kernelModules, initrd.availableKernelModules and
# initrd.kernelModules are listOf str with apply = lib.unique,
# extraModulePackages listOf package, kernelPackages raw, kernelParams listOf
# strings matching a pattern that allows spaces only inside double quotes);
# blacklistedKernelModules/extraModprobeConfig from
# nixos/modules/system/boot/modprobe.nix as documented (not read). The
# declarations are written for hlcgen's test harness.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.boot = {
    kernel.enable = mkOption { type = types.bool; default = true; };
    kernelPackages = mkOption { type = types.raw; default = pkgs.linuxPackages; };
    kernelPatches = mkOption { type = types.listOf types.attrs; default = [ ]; };
    kernelParams = mkOption {
      type = types.listOf (types.strMatching ''([^"[:space:]]|"[^"]*")+'' // {
        name = "kernelParam";
        description = "kernel parameter (spaces only inside double quotes)";
      });
      default = [ ];
    };
    extraModulePackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
    kernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      apply = lib.unique;
    };
    initrd.availableKernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      apply = lib.unique;
    };
    initrd.kernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      apply = lib.unique;
    };
    blacklistedKernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    extraModprobeConfig = mkOption {
      type = types.lines;
      default = "";
    };
  };
}
