# systemd.network.enable and systemd.network.links.<name>
#
# Types from NixOS/nixpkgs nixos/modules/system/boot/networkd.nix (stored copy
# in nixfmt style, 2025: linkOptions = commonNetworkOptions // { enable;
# linkConfig = addCheck (attrsOf unitOption) check.link.sectionLink }) and
# nixos/lib/systemd-unit-options.nix / systemd-lib.nix (unitOption: lists
# concatenate, other values must be equal; commonNetworkOptions: enable,
# matchConfig = attrsOf unitOption, extraConfig = lines). The [Link] check
# keeps upstream's list of allowed fields and its checks of MACAddressPolicy,
# MACAddress, MTUBytes, BitsPerSecond, Duplex, AutoNegotiation, WakeOnLan and
# Port; like upstream, a failed check names the option and its type, and
# traces the reason. Declarations written for hlcgen's test harness.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;

  unitOption = lib.mkOptionType {
    name = "systemd option";
    merge = loc: defs:
      let defs' = lib.filterOverrides defs; in
      if lib.any (def: lib.isList def.value) defs' then lib.concatMap (def: lib.toList def.value) defs'
      else lib.mergeEqualOption loc defs';
  };

  boolValues = [ true false "yes" "no" ];

  assertOnlyFields = fields: group: attr:
    let badFields = lib.filter (name: !lib.elem name fields) (lib.attrNames attr); in
    lib.optional (badFields != [ ]) "Systemd ${group} has extra fields [${lib.concatStringsSep " " badFields}].";
  assertValueOneOf = name: values: group: attr:
    lib.optional (attr ? ${name} && !lib.elem attr.${name} values)
      "Systemd ${group} field `${name}' cannot have value `${toString attr.${name}}'.";
  assertValuesSomeOfOr = name: values: default: group: attr:
    lib.optional (attr ? ${name}
      && !((lib.all (x: lib.elem x values) (lib.splitString " " (toString attr.${name}))) || attr.${name} == default))
      "Systemd ${group} field `${name}' cannot have value `${toString attr.${name}}'.";
  hexChars = lib.stringToCharacters "0123456789abcdefABCDEF";
  isMacAddress = s: lib.stringLength s == 17
    && lib.all (bytes: lib.all (c: lib.elem c hexChars) (lib.stringToCharacters bytes)) (lib.splitString ":" s);
  assertMacAddress = name: group: attr:
    lib.optional (attr ? ${name} && !isMacAddress attr.${name})
      "Systemd ${group} field `${name}' must be a valid MAC address.";
  isByteFormat = s: builtins.match "[0-9]+[KMGT]?" (toString s) != null;
  assertByteFormat = name: group: attr:
    lib.optional (attr ? ${name} && !isByteFormat attr.${name})
      "Systemd ${group} field `${name}' must be in byte format [0-9]+[KMGT].";
  checkUnitConfig = group: checks: attrs:
    let errors = lib.concatMap (c: c group attrs) checks; in
    if errors == [ ] then true else builtins.trace (lib.concatStringsSep "\n" errors) false;

  sectionLink = checkUnitConfig "Link" [
    (assertOnlyFields [
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
    ])
    (assertValueOneOf "MACAddressPolicy" [ "persistent" "random" "none" ])
    (assertMacAddress "MACAddress")
    (assertByteFormat "MTUBytes")
    (assertByteFormat "BitsPerSecond")
    (assertValueOneOf "Duplex" [ "half" "full" ])
    (assertValueOneOf "AutoNegotiation" boolValues)
    (assertValuesSomeOfOr "WakeOnLan" [ "phy" "unicast" "multicast" "broadcast" "arp" "magic" "secureon" ] "off")
    (assertValueOneOf "Port" [ "tp" "aui" "bnc" "mii" "fibre" ])
  ];

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
      type = types.addCheck (types.attrsOf unitOption) sectionLink;
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
