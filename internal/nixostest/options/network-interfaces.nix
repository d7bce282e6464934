# networking.* (hostName, domain, interfaces, defaultGateway, vlans, bonds, ...)
#
# Types from NixOS/nixpkgs nixos/modules/tasks/network-interfaces.nix at commit
# 003a3fd2f05c2fe13e1bb6db3158d33004723870 (stored copy read for hlcgen, 2026).
# networking.hosts/extraHosts: nixos/modules/config/networking.nix (from the
# NixOS manual; not read). Declarations written for hlcgen's test harness.
#
# Config logic kept from upstream: interface name length and hostId
# assertions, the Wake-on-LAN .link units, the per-interface sysctls and the
# sysctl defaults (all as upstream defines them, so definitions elsewhere
# conflict as they would on NixOS), and /etc/hostname.
{ config, options, lib, ... }:
let
  inherit (lib) mkOption mkDefault mkIf types;
  cfg = config.networking;
  interfaces = lib.attrValues cfg.interfaces;

  tempaddrValues = {
    disabled.sysctl = "0";
    enabled.sysctl = "1";
    default.sysctl = "2";
  };

  addrOpts = v: {
    options = {
      address = mkOption {
        type = types.str;
        description = "IPv${toString v} address of the interface.";
      };
      prefixLength = mkOption {
        type = types.addCheck types.int (n: n >= 0 && n <= (if v == 4 then 32 else 128));
        description = "Subnet mask of the interface, as a prefix length.";
      };
    };
  };

  routeOpts = v: {
    options = {
      address = mkOption {
        type = types.str;
        description = "IPv${toString v} address of the network.";
      };
      prefixLength = mkOption {
        type = types.addCheck types.int (n: n >= 0 && n <= (if v == 4 then 32 else 128));
        description = "Subnet mask of the network, as a prefix length.";
      };
      type = mkOption {
        type = types.nullOr (types.enum [ "unicast" "local" "broadcast" "multicast" ]);
        default = null;
        description = "Type of the route.";
      };
      via = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "IPv${toString v} address of the next hop.";
      };
      options = mkOption {
        type = types.attrsOf types.str;
        default = { };
        description = "Other route options (ip-route(8) OPTIONS).";
      };
    };
  };

  gatewayCoerce = address: { inherit address; };

  gatewayOpts = { ... }: {
    options = {
      address = mkOption {
        type = types.str;
        description = "The default gateway address.";
      };
      interface = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "The default gateway interface.";
      };
      metric = mkOption {
        type = types.nullOr types.int;
        default = null;
        description = "The default gateway metric/preference.";
      };
      source = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "The default source address.";
      };
    };
  };

  interfaceOpts = { name, ... }: {
    imports = [
      (lib.mkRenamedOptionModule [ "ip4" ] [ "ipv4" "addresses" ])
      (lib.mkRenamedOptionModule [ "ip6" ] [ "ipv6" "addresses" ])
      (lib.mkRemovedOptionModule [ "subnetMask" ] ''
        Supply a prefix length instead; use option
        networking.interfaces.<name>.ipv{4,6}.addresses'')
    ];
    options = {
      name = mkOption {
        type = types.str;
        description = "Name of the interface.";
      };
      tempAddress = mkOption {
        type = types.enum (lib.attrNames tempaddrValues);
        default = cfg.tempAddresses;
        description = "IPv6 privacy extensions on this interface.";
      };
      useDHCP = mkOption {
        type = types.nullOr types.bool;
        default = null;
        description = "Whether this interface should be configured with DHCP.";
      };
      ipv4.addresses = mkOption {
        type = types.listOf (types.submodule (addrOpts 4));
        default = [ ];
        description = "IPv4 addresses statically assigned to the interface.";
      };
      ipv6.addresses = mkOption {
        type = types.listOf (types.submodule (addrOpts 6));
        default = [ ];
        description = "IPv6 addresses statically assigned to the interface.";
      };
      ipv4.routes = mkOption {
        type = types.listOf (types.submodule (routeOpts 4));
        default = [ ];
        description = "Extra IPv4 static routes of the interface.";
      };
      ipv6.routes = mkOption {
        type = types.listOf (types.submodule (routeOpts 6));
        default = [ ];
        description = "Extra IPv6 static routes of the interface.";
      };
      macAddress = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "MAC address of the interface.";
      };
      mtu = mkOption {
        type = types.nullOr types.int;
        default = null;
        description = "MTU of the interface.";
      };
      virtual = mkOption {
        type = types.bool;
        default = false;
        description = "Whether this interface is virtual (created by tunctl).";
      };
      virtualOwner = mkOption {
        type = types.str;
        default = "root";
        description = "Owner of a virtual device.";
      };
      virtualType = mkOption {
        type = types.enum [ "tun" "tap" ];
        default = if lib.hasPrefix "tun" name then "tun" else "tap";
        description = "Type of a virtual interface.";
      };
      proxyARP = mkOption {
        type = types.bool;
        default = false;
        description = "Turn on proxy_arp for this device.";
      };
      wakeOnLan = {
        enable = mkOption {
          type = types.bool;
          default = false;
          description = "Whether to enable wol on this interface.";
        };
        policy = mkOption {
          type = types.listOf (types.enum [ "phy" "unicast" "multicast" "broadcast" "arp" "magic" "secureon" ]);
          default = [ "magic" ];
          description = "The Wake-on-LAN policy.";
        };
      };
      # Upstream shares the top-level warnings/assertions options with the
      # submodule (for its renamed options); this re-declares them.
      warnings = mkOption {
        type = types.listOf types.str;
        default = [ ];
        internal = true;
      };
      assertions = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
        internal = true;
      };
    };
    config.name = mkDefault name;
  };

  vswitchInterfaceOpts = { name, ... }: {
    options = {
      name = mkOption { type = types.str; description = "Name of the interface"; };
      vlan = mkOption { type = types.nullOr types.int; default = null; description = "Vlan tag"; };
      type = mkOption { type = types.nullOr types.str; default = null; description = "Openvswitch type"; };
    };
  };

  hexChars = lib.stringToCharacters "0123456789abcdef";
  isHexString = s: lib.all (c: lib.elem c hexChars) (lib.stringToCharacters (lib.toLower s));
in
{
  options.networking = {
    hostName = mkOption {
      type = types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
      default = config.system.nixos.distroId;
      description = "The name of the machine (a DNS label, not an FQDN).";
    };
    fqdn = mkOption {
      type = types.str;
      default =
        if cfg.hostName != "" && cfg.domain != null then "${cfg.hostName}.${cfg.domain}"
        else throw ''
          The FQDN is required but cannot be determined from `networking.hostName`
          and `networking.domain`. Please ensure these options are set properly or
          set `networking.fqdn` directly.
        '';
      _lazyDefault = true;
      description = "The fully qualified domain name of this host.";
    };
    fqdnOrHostName = mkOption {
      type = types.str;
      readOnly = true;
      default =
        if cfg.domain != null || options.networking.fqdn.highestPrio < 1500 then cfg.fqdn else cfg.hostName;
      _lazyDefault = true;
      description = "The FQDN, or just the host name if there is none.";
    };
    hostId = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "The 32-bit host ID of the machine, as 8 hexadecimal characters.";
    };
    enableIPv6 = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to enable support for IPv6.";
    };
    defaultGateway = mkOption {
      type = types.nullOr (types.coercedTo types.str gatewayCoerce (types.submodule gatewayOpts));
      default = null;
      description = "The default gateway.";
    };
    defaultGateway6 = mkOption {
      type = types.nullOr (types.coercedTo types.str gatewayCoerce (types.submodule gatewayOpts));
      default = null;
      description = "The default IPv6 gateway.";
    };
    defaultGatewayWindowSize = mkOption {
      type = types.nullOr types.int;
      default = null;
      description = "The window size of the default gateway.";
    };
    nameservers = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "The list of nameservers.";
    };
    search = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "The list of search paths used when resolving domain names.";
    };
    domain = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "The domain.";
    };
    useHostResolvConf = mkOption {
      type = types.bool;
      default = false;
      description = "In containers, whether to use the host's resolv.conf.";
    };
    localCommands = mkOption {
      type = types.lines;
      default = "";
      description = "Shell commands run at the end of network-setup.";
    };
    interfaces = mkOption {
      type = types.attrsOf (types.submodule interfaceOpts);
      default = { };
      description = "The configuration for each network interface.";
    };
    vswitches = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interfaces = mkOption {
            type = types.attrsOf (types.submodule vswitchInterfaceOpts);
            description = "The physical network interfaces connected by the vSwitch.";
          };
          controllers = mkOption { type = types.listOf types.str; default = [ ]; };
          openFlowRules = mkOption { type = types.lines; default = ""; };
          supportedOpenFlowVersions = mkOption { type = types.listOf types.str; default = [ "OpenFlow13" ]; };
          openFlowVersion = mkOption { type = types.str; default = "OpenFlow13"; };
          extraOvsctlCmds = mkOption { type = types.lines; default = ""; };
        };
      });
      default = { };
      description = "Open vSwitches.";
    };
    bridges = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interfaces = mkOption {
            type = types.listOf types.str;
            description = "The physical network interfaces connected by the bridge.";
          };
          rstp = mkOption {
            type = types.bool;
            default = false;
            description = "Whether the bridge interface should enable rstp.";
          };
        };
      });
      default = { };
      description = "Ethernet bridge devices.";
    };
    bonds = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interfaces = mkOption {
            type = types.listOf types.str;
            description = "The interfaces to bond together";
          };
          driverOptions = mkOption {
            type = types.attrsOf types.str;
            default = { };
            description = "Options for the bonding driver.";
          };
          lacp_rate = mkOption {
            type = types.nullOr types.str;
            default = null;
            description = "DEPRECATED, use `driverOptions`.";
          };
          miimon = mkOption {
            type = types.nullOr types.int;
            default = null;
            description = "DEPRECATED, use `driverOptions`.";
          };
          mode = mkOption {
            type = types.nullOr types.str;
            default = null;
            description = "DEPRECATED, use `driverOptions`.";
          };
          xmit_hash_policy = mkOption {
            type = types.nullOr types.str;
            default = null;
            description = "DEPRECATED, use `driverOptions`.";
          };
        };
      });
      default = { };
      description = "Bond devices.";
    };
    macvlans = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interface = mkOption {
            type = types.str;
            description = "The interface the macvlan will transmit packets through.";
          };
          mode = mkOption {
            type = types.nullOr types.str;
            default = null;
            description = "The mode of the macvlan device.";
          };
        };
      });
      default = { };
      description = "macvlan interfaces.";
    };
    vlans = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          id = mkOption {
            type = types.int;
            description = "The vlan identifier";
          };
          interface = mkOption {
            type = types.str;
            description = "The interface the vlan will transmit packets through.";
          };
        };
      });
      default = { };
      description = "VLAN devices.";
    };
    useDHCP = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to use DHCP on interfaces without static IPv4 addresses.";
    };
    useNetworkd = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to use systemd-networkd as the network configuration backend.";
    };
    tempAddresses = mkOption {
      type = types.enum (lib.attrNames tempaddrValues);
      default = if cfg.enableIPv6 then "default" else "disabled";
      description = "IPv6 privacy extensions for interfaces not configured explicitly.";
    };
    hosts = mkOption {
      type = types.attrsOf (types.listOf types.str);
      default = { };
      description = "Locally defined maps of hostnames to IP addresses.";
    };
    extraHosts = mkOption {
      type = types.lines;
      default = "";
      description = "Additional verbatim entries to be appended to /etc/hosts.";
    };
  };

  config = {
    warnings = lib.concatMap (i: i.warnings) interfaces;
    assertions =
      lib.concatMap (i: i.assertions) interfaces
      ++ map (i: {
        assertion = lib.stringLength i.name < 16;
        message = ''
          The name of networking.interfaces."${i.name}" is too long, it needs to be less than 16 characters.
        '';
      }) interfaces
      ++ map (i: {
        assertion = (i.virtual && i.virtualType == "tun") -> i.macAddress == null;
        message = "Setting a MAC Address for tun device ${i.name} isn't supported.";
      }) interfaces
      ++ [{
        assertion = cfg.hostId == null || (lib.stringLength cfg.hostId == 8 && isHexString cfg.hostId);
        message = "Invalid value given to the networking.hostId option.";
      }];

    boot.kernel.sysctl =
      {
        "net.ipv4.conf.all.forwarding" = mkDefault (lib.any (i: i.proxyARP) interfaces);
        "net.ipv6.conf.all.disable_ipv6" = mkDefault (!cfg.enableIPv6);
        "net.ipv6.conf.default.disable_ipv6" = mkDefault (!cfg.enableIPv6);
        "net.ipv4.ping_group_range" = mkDefault "0 2147483647";
        "net.ipv6.conf.default.use_tempaddr" = tempaddrValues.${cfg.tempAddresses}.sysctl;
      }
      // lib.listToAttrs (map
        (i: lib.nameValuePair "net.ipv4.conf.${lib.replaceStrings [ "." ] [ "/" ] i.name}.proxy_arp" i.proxyARP)
        interfaces)
      // lib.listToAttrs (map
        (i: lib.nameValuePair "net.ipv6.conf.${lib.replaceStrings [ "." ] [ "/" ] i.name}.use_tempaddr"
          tempaddrValues.${i.tempAddress}.sysctl)
        interfaces);

    environment.etc.hostname = mkIf (cfg.hostName != "") { text = cfg.hostName + "\n"; };

    systemd.network.links = lib.listToAttrs (map
      (i: lib.nameValuePair "40-${i.name}" {
        matchConfig.OriginalName = i.name;
        linkConfig.WakeOnLan = lib.concatStringsSep " " i.wakeOnLan.policy;
      })
      (lib.filter (i: i.wakeOnLan.enable) interfaces));
  };
}
