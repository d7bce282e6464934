# The options that nixos-generate-config's hardware files set.
#
# Types and defaults from NixOS/nixpkgs as the NixOS manual and option search
# give them for nixos-26.05 (the files were not read in stored copies):
#   nixos/modules/tasks/filesystems.nix: fileSystems = attrsOf (submodule
#     { mountPoint, device = nullOr nonEmptyStr, fsType = nonEmptyStr "auto",
#       options = nonEmptyListOf nonEmptyStr ["defaults"], label, neededForBoot,
#       depends, noCheck, autoFormat, autoResize, formatOptions })
#   nixos/modules/config/swap.nix: swapDevices = listOf (submodule { device,
#     label, size, priority, options, discardPolicy, randomEncryption.enable })
#   nixos/modules/system/boot/loader/grub/grub.nix: boot.loader.grub.enable
#     (default true), device, devices, mirroredBoots, efiSupport
#   nixos/modules/system/boot/loader/systemd-boot/systemd-boot.nix: enable,
#     configurationLimit; it sets boot.loader.grub.enable = mkDefault false
#   nixos/modules/system/boot/loader/efi.nix: canTouchEfiVariables,
#     efiSysMountPoint
#   nixos/modules/system/boot/loader/generic-extlinux-compatible: enable
#   nixos/modules/system/boot/loader/loader.nix: boot.loader.timeout
#   nixos/modules/hardware/all-firmware.nix: hardware.enableRedistributableFirmware,
#     hardware.enableAllFirmware
#   nixos/modules/hardware/cpu/{intel,amd}-microcode.nix: updateMicrocode
#   nixos/modules/config/power-management.nix: powerManagement.enable,
#     cpuFreqGovernor = nullOr str
#   nixos/modules/services/monitoring/apcupsd.nix: services.apcupsd.enable,
#     configText (a stored 2019 copy has types.string; types.str today), hooks
#
# The declarations and the config logic are written for hlcgen's test
# harness. As on NixOS, systemd-boot turns GRUB off by default, a host must
# mount something at /, and an enabled GRUB needs device, devices or
# mirroredBoots.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  loader = config.boot.loader;
in
{
  options = {
    fileSystems = mkOption {
      type = types.attrsOf (types.submodule ({ name, config, ... }: {
        options = {
          mountPoint = mkOption { type = types.str; default = name; };
          device = mkOption { type = types.nullOr types.nonEmptyStr; default = null; };
          fsType = mkOption { type = types.nonEmptyStr; default = "auto"; };
          options = mkOption { type = types.nonEmptyListOf types.nonEmptyStr; default = [ "defaults" ]; };
          label = mkOption { type = types.nullOr types.str; default = null; };
          depends = mkOption { type = types.listOf types.nonEmptyStr; default = [ ]; };
          neededForBoot = mkOption { type = types.bool; default = false; };
          noCheck = mkOption { type = types.bool; default = false; };
          autoFormat = mkOption { type = types.bool; default = false; };
          autoResize = mkOption { type = types.bool; default = false; };
          formatOptions = mkOption { type = types.nullOr types.str; default = null; };
        };
      }));
      default = { };
    };
    swapDevices = mkOption {
      type = types.listOf (types.submodule {
        options = {
          device = mkOption { type = types.str; };
          label = mkOption { type = types.nullOr types.str; default = null; };
          size = mkOption { type = types.nullOr types.int; default = null; };
          priority = mkOption { type = types.nullOr types.int; default = null; };
          options = mkOption { type = types.nonEmptyListOf types.nonEmptyStr; default = [ "defaults" ]; };
          discardPolicy = mkOption { type = types.nullOr (types.enum [ "once" "pages" "both" ]); default = null; };
          randomEncryption.enable = mkOption { type = types.bool; default = false; };
        };
      });
      default = [ ];
    };
    boot.loader = {
      timeout = mkOption { type = types.nullOr types.int; default = 5; };
      grub = {
        enable = mkOption { type = types.bool; default = true; };
        device = mkOption { type = types.str; default = ""; };
        devices = mkOption { type = types.listOf types.str; default = [ ]; };
        efiSupport = mkOption { type = types.bool; default = false; };
        mirroredBoots = mkOption { type = types.listOf types.attrs; default = [ ]; };
      };
      systemd-boot = {
        enable = mkOption { type = types.bool; default = false; };
        configurationLimit = mkOption { type = types.nullOr types.int; default = null; };
      };
      efi = {
        canTouchEfiVariables = mkOption { type = types.bool; default = false; };
        efiSysMountPoint = mkOption { type = types.str; default = "/boot"; };
      };
      generic-extlinux-compatible.enable = mkOption {
        type = types.bool;
        default = false;
      };
    };
    hardware = {
      enableRedistributableFirmware = mkOption { type = types.bool; default = false; };
      enableAllFirmware = mkOption { type = types.bool; default = false; };
      cpu.intel.updateMicrocode = mkOption { type = types.bool; default = false; };
      cpu.amd.updateMicrocode = mkOption { type = types.bool; default = false; };
    };
    powerManagement = {
      enable = mkOption { type = types.bool; default = true; };
      cpuFreqGovernor = mkOption { type = types.nullOr types.str; default = null; };
    };
    services.apcupsd = {
      enable = mkOption { type = types.bool; default = false; };
      configText = mkOption { type = types.str; default = ""; };
      hooks = mkOption { type = types.attrsOf types.lines; default = { }; };
    };
  };

  config = {
    boot.loader.grub.enable = lib.mkIf loader.systemd-boot.enable (lib.mkDefault false);
    assertions =
      let
        grub = loader.grub;
        grubHasTarget = grub.device != "" || grub.devices != [ ] || grub.mirroredBoots != [ ];
      in
      [
        {
          assertion = builtins.elem "/" (lib.mapAttrsToList (_: fs: fs.mountPoint) config.fileSystems);
          message = "hardware: no file system is mounted at /";
        }
        {
          assertion = !grub.enable || grubHasTarget;
          message = "hardware: GRUB is enabled but boot.loader.grub.device, devices and mirroredBoots are all empty";
        }
      ];
  };
}
