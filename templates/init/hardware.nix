# PLACEHOLDER hardware module of node "@NODE@" (cluster.hcl points at this
# file). Replace all of it with the output of
#
#   nixos-generate-config --show-hardware-config
#
# run on @NODE@, then add the machine's boot loader, such as
# `boot.loader.systemd-boot.enable = true;`. Until then, building @NODE@ stops
# at the assertion below instead of installing a system that cannot boot.
{ ... }:
{
  assertions = [
    {
      assertion = false;
      message = "hardware/@NODE@.nix is the placeholder from `hlcgen init`: replace it with the output of `nixos-generate-config --show-hardware-config` run on @NODE@.";
    }
  ];
}
