# Hardware of node "w1": the stand-in for what `nixos-generate-config
# --show-hardware-config` prints on the machine. Replace it with the real
# output when installing; cluster.hcl points at this file.
#
# Root is the NVMe disk; the 4 TB hard disk (ata-WDC_WD40EFRX_WD-WCC7K0000001)
# is left blank for the Ceph OSD Rook creates on it: never mount it here.
{
  config,
  lib,
  modulesPath,
  ...
}:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];

  boot.initrd.availableKernelModules = [ "nvme" "xhci_pci" "ahci" "usbhid" "usb_storage" "sd_mod" ];
  boot.initrd.kernelModules = [ ];
  boot.kernelModules = [ "kvm-amd" ];
  boot.extraModulePackages = [ ];

  # The boot loader is machine-specific, so it lives here rather than in the
  # generated modules. These machines boot UEFI.
  boot.loader.systemd-boot.enable = true;
  boot.loader.efi.canTouchEfiVariables = true;

  fileSystems."/" = {
    device = "/dev/disk/by-uuid/0b6f7c1e-3d52-4c6a-9a51-1f0e2a4b7c11";
    fsType = "ext4";
  };

  fileSystems."/boot" = {
    device = "/dev/disk/by-uuid/3A1C-5E11";
    fsType = "vfat";
    options = [
      "fmask=0077"
      "dmask=0077"
    ];
  };

  swapDevices = [ ];

  # nixos-generate-config enables DHCP by default; the generated host module
  # sets a static address and overrides this.
  networking.useDHCP = lib.mkDefault true;

  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
  hardware.cpu.amd.updateMicrocode = lib.mkDefault config.hardware.enableRedistributableFirmware;
}
