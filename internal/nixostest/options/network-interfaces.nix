# networking.* (hostName, domain, interfaces, defaultGateway, vlans, bonds, ...)
#
# Types and defaults from NixOS/nixpkgs nixos/modules/tasks/network-interfaces.nix
# at commit 003a3fd2f05c2fe13e1bb6db3158d33004723870 (stored copy read for
# hlcgen, 2026). networking.hosts/extraHosts: nixos/modules/config/networking.nix
# (from the NixOS manual; not read).
#
# The declarations and the config logic are written for hlcgen's test
# harness. The logic reproduces what NixOS does with these options where a
# test can see it: interface names must be shorter than 16 characters, a tun
# device takes no MAC address, hostId is 8 hex digits, interfaces with
# wakeOnLan get a 40-<name> .link unit, /etc/hostname holds the host name,
# and the sysctls NixOS derives from these options are defined at NixOS's
# priorities (forwarding, disable_ipv6 and ping_group_range as defaults,
# use_tempaddr and proxy_arp plainly), so that a conflicting definition
# elsewhere fails as it would on NixOS.
{ config, options, lib, ... }:
let
  inherit (lib) mkOption mkDefault mkIf types;
  cfg = config.networking;
  interfaces = lib.attrValues cfg.interfaces;

  # tempAddress setting -> net.ipv6.conf.*.use_tempaddr
  useTempaddr = { disabled = "0"; enabled = "1"; default = "2"; };

  addrOpts = v: {
    options = {
      address = mkOption {
        type = types.str;
      };
      prefixLength = mkOption {
        type = types.addCheck types.int (n: n >= 0 && n <= (if v == 4 then 32 else 128));
      };
    };
  };

  routeOpts = v: {
    options = {
      address = mkOption {
        type = types.str;
      };
      prefixLength = mkOption {
        type = types.addCheck types.int (n: n >= 0 && n <= (if v == 4 then 32 else 128));
      };
      type = mkOption {
        type = types.nullOr (types.enum [ "unicast" "local" "broadcast" "multicast" ]);
        default = null;
      };
      via = mkOption {
        type = types.nullOr types.str;
        default = null;
      };
      options = mkOption {
        type = types.attrsOf types.str;
        default = { };
      };
    };
  };

  gatewayCoerce = address: { inherit address; };

  gatewayOpts = { ... }: {
    options = {
      address = mkOption {
        type = types.str;
      };
      interface = mkOption {
        type = types.nullOr types.str;
        default = null;
      };
      metric = mkOption {
        type = types.nullOr types.int;
        default = null;
      };
      source = mkOption {
        type = types.nullOr types.str;
        default = null;
      };
    };
  };

  interfaceOpts = { name, ... }: {
    imports = [
      (lib.mkRenamedOptionModule [ "ip4" ] [ "ipv4" "addresses" ])
      (lib.mkRenamedOptionModule [ "ip6" ] [ "ipv6" "addresses" ])
      (lib.mkRemovedOptionModule [ "subnetMask" ] "Give ipv4.addresses (or ipv6.addresses) with a prefixLength.")
    ];
    options = {
      name = mkOption {
        type = types.str;
      };
      tempAddress = mkOption {
        type = types.enum (builtins.attrNames useTempaddr);
        default = cfg.tempAddresses;
      };
      useDHCP = mkOption {
        type = types.nullOr types.bool;
        default = null;
      };
      ipv4.addresses = mkOption {
        type = types.listOf (types.submodule (addrOpts 4));
        default = [ ];
      };
      ipv6.addresses = mkOption {
        type = types.listOf (types.submodule (addrOpts 6));
        default = [ ];
      };
      ipv4.routes = mkOption {
        type = types.listOf (types.submodule (routeOpts 4));
        default = [ ];
      };
      ipv6.routes = mkOption {
        type = types.listOf (types.submodule (routeOpts 6));
        default = [ ];
      };
      macAddress = mkOption {
        type = types.nullOr types.str;
        default = null;
      };
      mtu = mkOption {
        type = types.nullOr types.int;
        default = null;
      };
      virtual = mkOption {
        type = types.bool;
        default = false;
      };
      virtualOwner = mkOption {
        type = types.str;
        default = "root";
      };
      virtualType = mkOption {
        type = types.enum [ "tun" "tap" ];
        default = if lib.hasPrefix "tun" name then "tun" else "tap";
      };
      proxyARP = mkOption {
        type = types.bool;
        default = false;
      };
      wakeOnLan = {
        enable = mkOption {
          type = types.bool;
          default = false;
        };
        policy = mkOption {
          type = types.listOf (types.enum [ "phy" "unicast" "multicast" "broadcast" "arp" "magic" "secureon" ]);
          default = [ "magic" ];
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
      name = mkOption { type = types.str; };
      vlan = mkOption { type = types.nullOr types.int; default = null; };
      type = mkOption { type = types.nullOr types.str; default = null; };
    };
  };

  isHostId = id: builtins.match "[0-9a-fA-F]{8}" id != null;
  # The sysctl path component of an interface name ("." becomes "/").
  sysctlName = iface: lib.replaceStrings [ "." ] [ "/" ] iface;
in
{
  options.networking = {
    hostName = mkOption {
      type = types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
      default = config.system.nixos.distroId;
    };
    fqdn = mkOption {
      type = types.str;
      default =
        if cfg.hostName != "" && cfg.domain != null then "${cfg.hostName}.${cfg.domain}"
        else throw "networking.fqdn was read, but it has no default without networking.hostName and networking.domain; set those or networking.fqdn.";
      _lazyDefault = true;
    };
    fqdnOrHostName = mkOption {
      type = types.str;
      readOnly = true;
      default =
        if cfg.domain != null || options.networking.fqdn.highestPrio < 1500 then cfg.fqdn else cfg.hostName;
      _lazyDefault = true;
    };
    hostId = mkOption {
      type = types.nullOr types.str;
      default = null;
    };
    enableIPv6 = mkOption {
      type = types.bool;
      default = true;
    };
    defaultGateway = mkOption {
      type = types.nullOr (types.coercedTo types.str gatewayCoerce (types.submodule gatewayOpts));
      default = null;
    };
    defaultGateway6 = mkOption {
      type = types.nullOr (types.coercedTo types.str gatewayCoerce (types.submodule gatewayOpts));
      default = null;
    };
    defaultGatewayWindowSize = mkOption {
      type = types.nullOr types.int;
      default = null;
    };
    nameservers = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    search = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    domain = mkOption {
      type = types.nullOr types.str;
      default = null;
    };
    useHostResolvConf = mkOption {
      type = types.bool;
      default = false;
    };
    localCommands = mkOption {
      type = types.lines;
      default = "";
    };
    interfaces = mkOption {
      type = types.attrsOf (types.submodule interfaceOpts);
      default = { };
    };
    vswitches = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interfaces = mkOption {
            type = types.attrsOf (types.submodule vswitchInterfaceOpts);
          };
          controllers = mkOption { type = types.listOf types.str; default = [ ]; };
          openFlowRules = mkOption { type = types.lines; default = ""; };
          supportedOpenFlowVersions = mkOption { type = types.listOf types.str; default = [ "OpenFlow13" ]; };
          openFlowVersion = mkOption { type = types.str; default = "OpenFlow13"; };
          extraOvsctlCmds = mkOption { type = types.lines; default = ""; };
        };
      });
      default = { };
    };
    bridges = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interfaces = mkOption {
            type = types.listOf types.str;
          };
          rstp = mkOption {
            type = types.bool;
            default = false;
          };
        };
      });
      default = { };
    };
    bonds = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interfaces = mkOption {
            type = types.listOf types.str;
          };
          driverOptions = mkOption {
            type = types.attrsOf types.str;
            default = { };
          };
          lacp_rate = mkOption {
            type = types.nullOr types.str;
            default = null;
          };
          miimon = mkOption {
            type = types.nullOr types.int;
            default = null;
          };
          mode = mkOption {
            type = types.nullOr types.str;
            default = null;
          };
          xmit_hash_policy = mkOption {
            type = types.nullOr types.str;
            default = null;
          };
        };
      });
      default = { };
    };
    macvlans = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          interface = mkOption {
            type = types.str;
          };
          mode = mkOption {
            type = types.nullOr types.str;
            default = null;
          };
        };
      });
      default = { };
    };
    vlans = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          id = mkOption {
            type = types.int;
          };
          interface = mkOption {
            type = types.str;
          };
        };
      });
      default = { };
    };
    useDHCP = mkOption {
      type = types.bool;
      default = true;
    };
    useNetworkd = mkOption {
      type = types.bool;
      default = false;
    };
    tempAddresses = mkOption {
      type = types.enum (builtins.attrNames useTempaddr);
      default = if cfg.enableIPv6 then "default" else "disabled";
    };
    hosts = mkOption {
      type = types.attrsOf (types.listOf types.str);
      default = { };
    };
    extraHosts = mkOption {
      type = types.lines;
      default = "";
    };
  };

  config = {
    # The interface submodules' own warnings and assertions (renamed options).
    warnings = lib.concatMap (i: i.warnings) interfaces;
    assertions =
      let
        check = ok: message: { assertion = ok; inherit message; };
        perInterface = i: [
          (check (lib.stringLength i.name <= 15) "networking.interfaces.${i.name}: the name has more than 15 characters")
          (check (!(i.virtual && i.virtualType == "tun") || i.macAddress == null) "networking.interfaces.${i.name}: a tun device cannot have macAddress")
        ];
      in
      lib.concatMap (i: i.assertions) interfaces
      ++ lib.concatMap perInterface interfaces
      ++ [ (check (cfg.hostId == null || isHostId cfg.hostId) "networking.hostId must be 8 hexadecimal digits") ];

    boot.kernel.sysctl =
      {
        "net.ipv4.conf.all.forwarding" = mkDefault (lib.any (i: i.proxyARP) interfaces);
        "net.ipv6.conf.all.disable_ipv6" = mkDefault (!cfg.enableIPv6);
        "net.ipv6.conf.default.disable_ipv6" = mkDefault (!cfg.enableIPv6);
        "net.ipv4.ping_group_range" = mkDefault "0 2147483647";
        "net.ipv6.conf.default.use_tempaddr" = useTempaddr.${cfg.tempAddresses};
      }
      // lib.concatMapAttrs
        (_: i: {
          "net.ipv4.conf.${sysctlName i.name}.proxy_arp" = i.proxyARP;
          "net.ipv6.conf.${sysctlName i.name}.use_tempaddr" = useTempaddr.${i.tempAddress};
        })
        cfg.interfaces;

    environment.etc.hostname = mkIf (cfg.hostName != "") { text = "${cfg.hostName}\n"; };

    systemd.network.links = lib.listToAttrs (lib.concatMap
      (i: lib.optional i.wakeOnLan.enable (lib.nameValuePair "40-${i.name}" {
        matchConfig.OriginalName = i.name;
        linkConfig.WakeOnLan = toString i.wakeOnLan.policy;
      }))
      interfaces);
  };
}
