# The options that nixos-generate-config's hardware files set.
#
# Written from the NixOS manual / option search for nixos-26.05 (not read in
# stored copies):
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
# Declarations written for hlcgen's test harness.
#
# Config logic kept from upstream: the assertions that a root file system is
# declared and that GRUB, when enabled, has a device to install to.
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
          mountPoint = mkOption { type = types.str; default = name; description = "Location of the mounted file system."; };
          device = mkOption { type = types.nullOr types.nonEmptyStr; default = null; description = "Location of the device."; };
          fsType = mkOption { type = types.nonEmptyStr; default = "auto"; description = "Type of the file system."; };
          options = mkOption { type = types.nonEmptyListOf types.nonEmptyStr; default = [ "defaults" ]; description = "Options used to mount the file system."; };
          label = mkOption { type = types.nullOr types.str; default = null; description = "Label of the device."; };
          depends = mkOption { type = types.listOf types.nonEmptyStr; default = [ ]; description = "Paths to mount first."; };
          neededForBoot = mkOption { type = types.bool; default = false; description = "Mount in the initrd."; };
          noCheck = mkOption { type = types.bool; default = false; description = "Disable running fsck."; };
          autoFormat = mkOption { type = types.bool; default = false; description = "Format the device if empty."; };
          autoResize = mkOption { type = types.bool; default = false; description = "Grow the file system to the device."; };
          formatOptions = mkOption { type = types.nullOr types.str; default = null; description = "Options for mkfs."; };
        };
      }));
      default = { };
      description = "The file systems to be mounted.";
    };
    swapDevices = mkOption {
      type = types.listOf (types.submodule {
        options = {
          device = mkOption { type = types.str; description = "Path of the device or swap file."; };
          label = mkOption { type = types.nullOr types.str; default = null; description = "Label of the device."; };
          size = mkOption { type = types.nullOr types.int; default = null; description = "Swap file size in MiB."; };
          priority = mkOption { type = types.nullOr types.int; default = null; description = "Swap priority."; };
          options = mkOption { type = types.nonEmptyListOf types.nonEmptyStr; default = [ "defaults" ]; description = "Options used to mount the swap."; };
          discardPolicy = mkOption { type = types.nullOr (types.enum [ "once" "pages" "both" ]); default = null; description = "Discard policy."; };
          randomEncryption.enable = mkOption { type = types.bool; default = false; description = "Encrypt swap with a random key."; };
        };
      });
      default = [ ];
      description = "The swap devices and swap files.";
    };
    boot.loader = {
      timeout = mkOption { type = types.nullOr types.int; default = 5; description = "Timeout (in seconds) until the loader boots the default entry."; };
      grub = {
        enable = mkOption { type = types.bool; default = true; description = "Whether to enable the GNU GRUB boot loader."; };
        device = mkOption { type = types.str; default = ""; description = "The device on which GRUB is installed."; };
        devices = mkOption { type = types.listOf types.str; default = [ ]; description = "The devices on which GRUB is installed."; };
        efiSupport = mkOption { type = types.bool; default = false; description = "Whether GRUB should be built with EFI support."; };
        mirroredBoots = mkOption { type = types.listOf types.attrs; default = [ ]; description = "Mirrored boot partitions."; };
      };
      systemd-boot = {
        enable = mkOption { type = types.bool; default = false; description = "Whether to enable the systemd-boot (formerly gummiboot) EFI boot manager."; };
        configurationLimit = mkOption { type = types.nullOr types.int; default = null; description = "Maximum number of latest generations in the boot menu."; };
      };
      efi = {
        canTouchEfiVariables = mkOption { type = types.bool; default = false; description = "Whether the installation process is allowed to modify EFI boot variables."; };
        efiSysMountPoint = mkOption { type = types.str; default = "/boot"; description = "Where the EFI System Partition is mounted."; };
      };
      generic-extlinux-compatible.enable = mkOption {
        type = types.bool;
        default = false;
        description = "Whether to generate an extlinux-compatible configuration file under /boot/extlinux.conf.";
      };
    };
    hardware = {
      enableRedistributableFirmware = mkOption { type = types.bool; default = false; description = "Whether to enable firmware with a license allowing redistribution."; };
      enableAllFirmware = mkOption { type = types.bool; default = false; description = "Whether to enable all firmware regardless of license."; };
      cpu.intel.updateMicrocode = mkOption { type = types.bool; default = false; description = "Update the CPU microcode for Intel processors."; };
      cpu.amd.updateMicrocode = mkOption { type = types.bool; default = false; description = "Update the CPU microcode for AMD processors."; };
    };
    powerManagement = {
      enable = mkOption { type = types.bool; default = true; description = "Whether to enable power management."; };
      cpuFreqGovernor = mkOption { type = types.nullOr types.str; default = null; description = "Configure the governor used to regulate the frequency of the available CPUs."; };
    };
    services.apcupsd = {
      enable = mkOption { type = types.bool; default = false; description = "Whether to enable the APC UPS daemon."; };
      configText = mkOption { type = types.str; default = ""; description = "Contents of apcupsd.conf."; };
      hooks = mkOption { type = types.attrsOf types.lines; default = { }; description = "Shell commands run on apcupsd events."; };
    };
  };

  config = {
    boot.loader.grub.enable = lib.mkIf loader.systemd-boot.enable (lib.mkDefault false);
    assertions = [
      {
        assertion = lib.any (fs: fs.mountPoint == "/") (lib.attrValues config.fileSystems);
        message = "The ‘fileSystems’ option does not specify your root file system.";
      }
      {
        assertion = loader.grub.enable -> (loader.grub.devices != [ ] || loader.grub.device != "" || loader.grub.mirroredBoots != [ ]);
        message = "You must set the option ‘boot.loader.grub.devices’ or 'boot.loader.grub.mirroredBoots' to make the system bootable.";
      }
    ];
  };
}
