# boot.kernelModules, boot.initrd.*KernelModules, boot.extraModulePackages, ...
#
# Types from NixOS/nixpkgs nixos/modules/system/boot/kernel.nix (stored copy;
# kernelModules, initrd.availableKernelModules and initrd.kernelModules are
# listOf str with apply = lib.unique, extraModulePackages listOf package,
# kernelPackages raw, kernelParams listOf a quoted-spaces pattern);
# blacklistedKernelModules/extraModprobeConfig from
# nixos/modules/system/boot/modprobe.nix as documented (not read).
# Declarations written for hlcgen's test harness.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.boot = {
    kernel.enable = lib.mkEnableOption "the Linux kernel" // { default = true; };
    kernelPackages = mkOption { type = types.raw; default = pkgs.linuxPackages; description = "The kernel package set."; };
    kernelPatches = mkOption { type = types.listOf types.attrs; default = [ ]; description = "Additional kernel patches."; };
    kernelParams = mkOption {
      type = types.listOf (types.strMatching ''([^"[:space:]]|"[^"]*")+'' // {
        name = "kernelParam";
        description = "string, with spaces inside double quotes";
      });
      default = [ ];
      description = "Parameters added to the kernel command line.";
    };
    extraModulePackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      description = "Additional packages supplying kernel modules.";
    };
    kernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      apply = lib.unique;
      description = "Kernel modules loaded in the second stage of the boot process.";
    };
    initrd.availableKernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      apply = lib.unique;
      description = "Kernel modules available in the initial ramdisk.";
    };
    initrd.kernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      apply = lib.unique;
      description = "Modules that are always loaded by the initrd.";
    };
    blacklistedKernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Kernel modules that are never loaded.";
    };
    extraModprobeConfig = mkOption {
      type = types.lines;
      default = "";
      description = "Extra modprobe.conf contents.";
    };
  };
}
