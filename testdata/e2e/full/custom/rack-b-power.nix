# Hand-written module of group "rack-b" (cluster.hcl: group "rack-b"): every
# node that lists the group imports it. The second shelf is UPS-backed and
# sits in a warm closet.
{ lib, ... }:
{
  # The shelf's UPS is attached to the NAS, which serves its status with
  # apcupsd's network information server. Each node listens and shuts down
  # cleanly before the battery runs out.
  services.apcupsd = {
    enable = true;
    configText = ''
      UPSTYPE net
      UPSCABLE ether
      DEVICE 10.10.10.5:3551
      BATTERYLEVEL 30
      MINUTES 5
    '';
  };

  # The closet runs warm: prefer the scheduler-driven governor to keep the
  # CPUs from boosting hard and the fans quiet.
  powerManagement.cpuFreqGovernor = lib.mkDefault "schedutil";
}
