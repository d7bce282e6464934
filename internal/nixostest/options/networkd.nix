# systemd.network.enable and systemd.network.links.<name>
#
# Types and defaults from NixOS/nixpkgs nixos/modules/system/boot/networkd.nix
# (stored copy in nixfmt style, 2025: a link unit has the common network
# options plus enable, and linkConfig is an attrsOf unitOption checked as a
# [Link] section) and nixos/lib/systemd-unit-options.nix / systemd-lib.nix
# (unitOption: lists concatenate, other values must be equal; common network
# options: enable, matchConfig = attrsOf unitOption, extraConfig = lines).
#
# The declarations and the check are written for hlcgen's test harness. The
# [Link] check accepts the fields nixpkgs allows there (the list below) and
# tests the values nixpkgs tests: MACAddressPolicy, Duplex, AutoNegotiation
# and Port against their allowed values, MACAddress as 17 characters of hex
# digits and colons, MTUBytes and BitsPerSecond as digits with an optional
# K/M/G/T, WakeOnLan as "off" or space-separated policies. As with nixpkgs, a
# failed check fails the option's type and the problems are traced.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;

  unitOption = lib.mkOptionType {
    name = "systemd option";
    merge = loc: defs:
      if lib.any (d: builtins.isList d.value) defs then lib.concatMap (d: lib.toList d.value) defs
      else lib.mergeEqualOption loc defs;
  };

  linkFields = [
    "Description" "Property" "ImportProperty" "UnsetProperty" "Alias" "MACAddressPolicy" "MACAddress"
    "NamePolicy" "Name" "AlternativeNamesPolicy" "AlternativeName" "TransmitQueues" "ReceiveQueues"
    "TransmitQueueLength" "MTUBytes" "BitsPerSecond" "Duplex" "AutoNegotiation" "WakeOnLan"
    "WakeOnLanPassword" "Port" "Advertise" "ReceiveChecksumOffload" "TransmitChecksumOffload"
    "TCPSegmentationOffload" "TCP6SegmentationOffload" "GenericSegmentationOffload"
    "PartialGenericSegmentationOffload" "GenericReceiveOffload" "GenericReceiveOffloadHardware"
    "LargeReceiveOffload" "ReceivePacketSteeringCPUMask" "ReceiveVLANCTAGHardwareAcceleration"
    "TransmitVLANCTAGHardwareAcceleration" "ReceiveVLANCTAGFilter" "TransmitVLANSTAGHardwareAcceleration"
    "NTupleFilter" "ReceiveFCS" "ReceiveAll" "RxChannels" "TxChannels" "OtherChannels" "CombinedChannels"
    "RxBufferSize" "RxMiniBufferSize" "RxJumboBufferSize" "TxBufferSize" "RxFlowControl"
    "TxFlowControl" "AutoNegotiationFlowControl" "GenericSegmentOffloadMaxBytes"
    "GenericSegmentOffloadMaxSegments" "UseAdaptiveRxCoalesce" "UseAdaptiveTxCoalesce" "RxCoalesceSec"
    "RxCoalesceIrqSec" "RxCoalesceLowSec" "RxCoalesceHighSec" "TxCoalesceSec" "TxCoalesceIrqSec"
    "TxCoalesceLowSec" "TxCoalesceHighSec" "RxMaxCoalescedFrames" "RxMaxCoalescedIrqFrames"
    "RxMaxCoalescedLowFrames" "RxMaxCoalescedHighFrames" "TxMaxCoalescedFrames"
    "TxMaxCoalescedIrqFrames" "TxMaxCoalescedLowFrames" "TxMaxCoalescedHighFrames"
    "CoalescePacketRateLow" "CoalescePacketRateHigh" "CoalescePacketRateSampleIntervalSec"
    "StatisticsBlockCoalesceSec" "MDI" "SR-IOVVirtualFunctions" "ScatterGather"
    "ScatterGatherFragmentList" "TCPECNSegmentationOffload" "TCPMangleIdSegmentationOffload"
    "GenericReceiveOffloadList" "GenericReceiveOffloadUDPForwarding"
  ];
  wakeOnLanPolicies = [ "phy" "unicast" "multicast" "broadcast" "arp" "magic" "secureon" ];

  # Per checked field: a predicate on its value and what the value should be.
  linkValueChecks =
    let
      among = values: { ok = v: builtins.elem v values; want = "one of ${toString (map builtins.toJSON values)}"; };
      bytes = { ok = v: builtins.match "[0-9]+[KMGT]?" (toString v) != null; want = "digits with an optional K, M, G or T"; };
    in
    {
      MACAddressPolicy = among [ "persistent" "random" "none" ];
      MACAddress = {
        ok = v: builtins.isString v && builtins.stringLength v == 17 && builtins.match "[0-9a-fA-F:]*" v != null;
        want = "a MAC address";
      };
      MTUBytes = bytes;
      BitsPerSecond = bytes;
      Duplex = among [ "half" "full" ];
      AutoNegotiation = among [ true false "yes" "no" ];
      WakeOnLan = {
        ok = v: v == "off" || lib.all (p: builtins.elem p wakeOnLanPolicies) (lib.splitString " " (toString v));
        want = "off, or some of ${toString wakeOnLanPolicies}";
      };
      Port = among [ "tp" "aui" "bnc" "mii" "fibre" ];
    };

  linkProblems = section:
    let
      unknown = lib.filter (f: !(builtins.elem f linkFields)) (builtins.attrNames section);
      badValue = f: c: lib.optional (section ? ${f} && !(c.ok section.${f}))
        "networkd [Link]: ${f} = ${lib.generators.toPretty { } section.${f}} should be ${c.want}";
    in
    lib.optional (unknown != [ ]) "networkd [Link]: unknown fields ${toString unknown}"
    ++ lib.concatLists (lib.mapAttrsToList badValue linkValueChecks);

  isLinkSection = section:
    let problems = linkProblems section; in
    problems == [ ] || builtins.trace (lib.concatStringsSep "\n" problems) false;

  linkOptions = {
    enable = mkOption {
      type = types.bool;
      default = true;
    };
    matchConfig = mkOption {
      type = types.attrsOf unitOption;
      default = { };
    };
    extraConfig = mkOption {
      type = types.lines;
      default = "";
    };
    linkConfig = mkOption {
      type = types.addCheck (types.attrsOf unitOption) isLinkSection;
      default = { };
    };
  };
in
{
  options.systemd.network = {
    enable = mkOption {
      type = types.bool;
      default = false;
    };
    links = mkOption {
      type = types.attrsOf (types.submodule [{ options = linkOptions; }]);
      default = { };
    };
  };
}
