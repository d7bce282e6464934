# Stand-in for nixpkgs' nixos/modules/installer/scan/not-detected.nix, which
# nixos-generate-config imports through modulesPath: it enables the
# redistributable firmware for hardware the installer could not detect.
{ lib, ... }:
{
  hardware.enableRedistributableFirmware = lib.mkDefault true;
}
