# A stand-in for a node's `nixos-generate-config --show-hardware-config`:
# a root file system and a boot loader, as every NixOS system has.
{ ... }:
{
  boot.loader.systemd-boot.enable = true;
  fileSystems."/" = {
    device = "/dev/disk/by-label/nixos";
    fsType = "ext4";
  };
}
