# services.openssh.* and users.users.<name>.openssh.*
#
# Types and defaults from NixOS/nixpkgs nixos/modules/services/networking/ssh/sshd.nix
# (stored copy in nixfmt style, no commit recorded, whose settings submodule
# has typed PasswordAuthentication/KbdInteractiveAuthentication = nullOr bool
# and PermitRootLogin = nullOr (enum ...), freeformType = the keyValue
# format's type, and whose KexAlgorithms default includes
# mlkem768x25519-sha256). The freeform value type follows pkgs.formats.keyValue
# (nixpkgs pkgs/pkgs-lib/formats.nix, not read). services.openssh.package
# defaults to programs.ssh.package upstream; here to pkgs.openssh.
#
# The declarations and the config logic are written for hlcgen's test
# harness. Like the real module it keeps the old option names working
# (renamed into settings, or removed), fails on settings whose names differ
# only in case and on listenAddresses without addr, opens `ports` in the
# firewall when openFirewall is set, writes every user's authorized keys to
# /etc/ssh/authorized_keys.d/<user> (reading keyFiles, so they must exist),
# and derives authorizedKeysFiles, moduliFile and sftpServerExecutable.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.openssh;

  settingsAtom = types.nullOr (types.oneOf [ types.bool types.int types.float types.str types.path ]) // {
    description = "sshd_config value (null, Boolean, number or string)";
  };
  settingsType = types.attrsOf settingsAtom;

  userOptions = {
    options.openssh.authorizedKeys = {
      keyFiles = mkOption {
        type = types.listOf types.path;
        default = [ ];
      };
      keys = mkOption {
        type = types.listOf types.singleLineStr;
        default = [ ];
      };
    };
    options.openssh.authorizedPrincipals = mkOption {
      type = types.listOf types.singleLineStr;
      default = [ ];
    };
  };

  # /etc/ssh/authorized_keys.d/<user>: the user's keys, then the keys read
  # from each of their keyFiles.
  authorizedKeysFile = u:
    let k = u.openssh.authorizedKeys; in
    {
      mode = "0444";
      source = pkgs.writeText "authorized-keys-${u.name}"
        (lib.concatMapStrings (key: key + "\n") (k.keys ++ map lib.readFile k.keyFiles));
    };
  authorizedKeysFiles = lib.concatMapAttrs
    (_: u:
      let k = u.openssh.authorizedKeys; in
      lib.optionalAttrs (k.keys != [ ] || k.keyFiles != [ ]) { "ssh/authorized_keys.d/${u.name}" = authorizedKeysFile u; })
    config.users.users;

  rename = from: to: lib.mkRenamedOptionModule [ "services" "openssh" from ] ([ "services" "openssh" ] ++ to);
in
{
  imports = [
    (lib.mkAliasOptionModule [ "services" "sshd" "enable" ] [ "services" "openssh" "enable" ])
    (rename "challengeResponseAuthentication" [ "kbdInteractiveAuthentication" ])
    (rename "kbdInteractiveAuthentication" [ "settings" "KbdInteractiveAuthentication" ])
    (rename "passwordAuthentication" [ "settings" "PasswordAuthentication" ])
    (rename "useDns" [ "settings" "UseDns" ])
    (rename "permitRootLogin" [ "settings" "PermitRootLogin" ])
    (rename "logLevel" [ "settings" "LogLevel" ])
    (rename "macs" [ "settings" "Macs" ])
    (rename "ciphers" [ "settings" "Ciphers" ])
    (rename "kexAlgorithms" [ "settings" "KexAlgorithms" ])
    (rename "gatewayPorts" [ "settings" "GatewayPorts" ])
    (rename "forwardX11" [ "settings" "X11Forwarding" ])
    (lib.mkRemovedOptionModule [ "services" "openssh" "banner" ] "Set services.openssh.settings.Banner.")
  ];

  options.services.openssh = {
    enable = mkOption { type = types.bool; default = false; };
    package = mkOption { type = types.package; default = pkgs.openssh; };
    allowSFTP = mkOption { type = types.bool; default = true; };
    authorizedKeysCommand = mkOption { type = types.str; default = "none"; };
    authorizedKeysCommandUser = mkOption { type = types.str; default = "nobody"; };
    authorizedKeysFiles = mkOption { type = types.listOf types.str; default = [ ]; };
    authorizedKeysInHomedir = mkOption { type = types.bool; default = true; };
    enableRecommendedAlgorithms = mkOption { type = types.bool; default = true; };
    extraConfig = mkOption { type = types.lines; default = ""; };
    generateHostKeys = mkOption { type = types.bool; default = cfg.enable; };
    hostKeys = mkOption {
      type = types.listOf types.attrs;
      default = [
        { bits = 4096; path = "/etc/ssh/ssh_host_rsa_key"; type = "rsa"; }
        { path = "/etc/ssh/ssh_host_ed25519_key"; type = "ed25519"; }
      ];
    };
    listenAddresses = mkOption {
      type = types.listOf (types.submodule {
        options = {
          addr = mkOption { type = types.nullOr types.str; default = null; };
          port = mkOption { type = types.nullOr types.port; default = null; };
        };
      });
      default = [ ];
    };
    moduliFile = mkOption { type = types.path; _lazy = true; };
    openFirewall = mkOption { type = types.bool; default = true; };
    ports = mkOption { type = types.listOf types.port; default = [ 22 ]; };
    settings = mkOption {
      type = types.submodule ({ name, ... }: {
        freeformType = settingsType;
        options = {
          AcceptEnv = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
          AllowGroups = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
          AllowUsers = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
          AuthorizedPrincipalsFile = mkOption { type = types.nullOr types.str; default = "none"; };
          Banner = mkOption { type = types.nullOr types.path; default = null; };
          Ciphers = mkOption {
            type = types.nullOr (types.listOf types.str);
            default = if cfg.enableRecommendedAlgorithms then [
              "chacha20-poly1305@openssh.com" "aes256-gcm@openssh.com" "aes128-gcm@openssh.com"
              "aes256-ctr" "aes192-ctr" "aes128-ctr"
            ] else null;
          };
          DenyGroups = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
          DenyUsers = mkOption { type = types.nullOr (types.listOf types.str); default = null; };
          GatewayPorts = mkOption { type = types.nullOr types.str; default = "no"; };
          KbdInteractiveAuthentication = mkOption { type = types.nullOr types.bool; default = true; };
          KexAlgorithms = mkOption {
            type = types.nullOr (types.listOf types.str);
            default = if cfg.enableRecommendedAlgorithms then [
              "mlkem768x25519-sha256" "sntrup761x25519-sha512" "sntrup761x25519-sha512@openssh.com"
              "curve25519-sha256" "curve25519-sha256@libssh.org" "diffie-hellman-group-exchange-sha256"
            ] else null;
          };
          LogLevel = mkOption {
            type = types.nullOr (types.enum [ "QUIET" "FATAL" "ERROR" "INFO" "VERBOSE" "DEBUG" "DEBUG1" "DEBUG2" "DEBUG3" ]);
            default = "INFO";
          };
          Macs = mkOption {
            type = types.nullOr (types.listOf types.str);
            default = if cfg.enableRecommendedAlgorithms then [
              "hmac-sha2-512-etm@openssh.com" "hmac-sha2-256-etm@openssh.com" "umac-128-etm@openssh.com"
            ] else null;
          };
          PasswordAuthentication = mkOption { type = types.nullOr types.bool; default = true; };
          PermitRootLogin = mkOption {
            type = types.nullOr (types.enum [ "yes" "without-password" "prohibit-password" "forced-commands-only" "no" ]);
            default = "prohibit-password";
          };
          PrintMotd = mkOption { type = types.nullOr types.bool; default = false; };
          StrictModes = mkOption { type = types.nullOr types.bool; default = true; };
          UseDns = mkOption { type = types.nullOr types.bool; default = false; };
          UsePAM = mkOption { type = types.nullOr types.bool; default = true; };
          X11Forwarding = mkOption { type = types.nullOr types.bool; default = false; };
        };
      });
      default = { };
    };
    sftpFlags = mkOption { type = types.listOf types.str; default = [ ]; };
    sftpServerExecutable = mkOption { type = types.str; _lazy = true; };
    startWhenNeeded = mkOption { type = types.bool; default = false; };
  };

  options.users.users = mkOption {
    type = types.attrsOf (types.submodule userOptions);
  };

  config = lib.mkIf cfg.enable {
    assertions =
      let
        byLowerName = builtins.groupBy lib.toLower (builtins.attrNames cfg.settings);
        clashes = lib.filter (names: builtins.length names > 1) (builtins.attrValues byLowerName);
      in
      [{
        assertion = clashes == [ ];
        message = "sshd: settings differ only in case: ${lib.concatMapStringsSep "; " toString clashes}";
      }]
      ++ lib.imap1 (n: l: {
        assertion = l.addr != null;
        message = "sshd: listenAddresses entry ${toString n} has no addr";
      }) cfg.listenAddresses;

    environment.etc = authorizedKeysFiles // { "ssh/moduli".source = cfg.moduliFile; };

    networking.firewall.allowedTCPPorts = lib.mkIf cfg.openFirewall cfg.ports;

    services.openssh = {
      authorizedKeysFiles =
        lib.optional cfg.authorizedKeysInHomedir "%h/.ssh/authorized_keys" ++ [ "/etc/ssh/authorized_keys.d/%u" ];
      moduliFile = lib.mkDefault "${cfg.package}/etc/ssh/moduli";
      sftpServerExecutable = lib.mkDefault "${cfg.package}/libexec/sftp-server";
    };
  };
}
