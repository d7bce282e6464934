# Hardware of node "backup": the stand-in for what `nixos-generate-config
# --show-hardware-config` prints on the machine. Replace it with the real
# output when installing; cluster.hcl points at this file.
#
# A Raspberry Pi 4 booting the NixOS aarch64 SD image: U-Boot reads the
# extlinux menu from the SD card, and the backup disk hangs off USB.
{
  lib,
  modulesPath,
  ...
}:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];

  boot.initrd.availableKernelModules = [
    "xhci_pci"
    "usbhid"
    "usb_storage"
    "uas"
  ];
  boot.initrd.kernelModules = [ ];
  boot.kernelModules = [ ];
  boot.extraModulePackages = [ ];

  # The boot loader is machine-specific, so it lives here rather than in the
  # generated modules.
  boot.loader.grub.enable = false;
  boot.loader.generic-extlinux-compatible.enable = true;

  fileSystems."/" = {
    device = "/dev/disk/by-label/NIXOS_SD";
    fsType = "ext4";
  };

  fileSystems."/srv/backup" = {
    device = "/dev/disk/by-uuid/5d2a9c84-7e31-4f0b-b6a2-2c9e4f1d3a30";
    fsType = "ext4";
    options = [ "nofail" ];
  };

  swapDevices = [ ];

  # nixos-generate-config enables DHCP by default; the generated host module
  # sets a static address and overrides this.
  networking.useDHCP = lib.mkDefault true;

  nixpkgs.hostPlatform = lib.mkDefault "aarch64-linux";
}
