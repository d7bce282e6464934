# users.users.*, users.groups.* and users.*
#
# Types from NixOS/nixpkgs nixos/modules/config/users-groups.nix at commit
# 005ab72f9cf5a75cdcd9ff672fb4a3b03391619f; users.defaultUserShell from
# nixos/modules/config/shells-environment.nix (not read). Declarations written
# for hlcgen's test harness.
#
# Config logic kept from upstream: the submodule defaults of normal users
# (group "users", home /home/<name>, ...), group members from extraGroups, the
# root and nobody accounts and the standard groups (gids only for root, wheel,
# users and nogroup, from nixos/modules/misc/ids.nix), and the assertions on
# unique ids, undefined primary groups, user names, password hashes, uids of
# normal users, isSystemUser xor isNormalUser and an unset group.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkDefault mkIf types;
  cfg = config.users;

  userOpts = { name, config, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; };
      name = mkOption {
        type = types.passwdEntry types.str;
        apply = x: assert (builtins.stringLength x < 32 || abort "Username '${x}' is longer than 31 characters which is not allowed!"); x;
      };
      description = mkOption { type = types.passwdEntry types.str; default = ""; };
      uid = mkOption { type = types.nullOr types.int; default = null; };
      isSystemUser = mkOption { type = types.bool; default = false; };
      isNormalUser = mkOption { type = types.bool; default = false; };
      group = mkOption {
        type = types.str;
        apply = x: assert (builtins.stringLength x < 32 || abort "Group name '${x}' is longer than 31 characters which is not allowed!"); x;
        default = "";
      };
      extraGroups = mkOption { type = types.listOf types.str; default = [ ]; };
      home = mkOption { type = types.passwdEntry types.path; default = "/var/empty"; };
      homeMode = mkOption { type = types.strMatching "[0-7]{1,5}"; default = "700"; };
      cryptHomeLuks = mkOption { type = types.nullOr types.str; default = null; };
      pamMount = mkOption { type = types.attrsOf types.str; default = { }; };
      shell = mkOption {
        type = types.nullOr (types.either types.shellPackage (types.passwdEntry types.path));
        default = pkgs.shadow;
      };
      ignoreShellProgramCheck = mkOption { type = types.bool; default = false; };
      subUidRanges = mkOption {
        type = types.listOf (types.submodule {
          options = {
            startUid = mkOption { type = types.int; };
            count = mkOption { type = types.int; default = 1; };
          };
        });
        default = [ ];
      };
      subGidRanges = mkOption {
        type = types.listOf (types.submodule {
          options = {
            startGid = mkOption { type = types.int; };
            count = mkOption { type = types.int; default = 1; };
          };
        });
        default = [ ];
      };
      autoSubUidGidRange = mkOption { type = types.bool; default = false; };
      createHome = mkOption { type = types.bool; default = false; };
      useDefaultShell = mkOption { type = types.bool; default = false; };
      hashedPassword = mkOption { type = types.nullOr (types.passwdEntry types.str); default = null; };
      password = mkOption { type = types.nullOr types.str; default = null; };
      hashedPasswordFile = mkOption { type = types.nullOr types.str; default = config.passwordFile; };
      passwordFile = mkOption { type = types.nullOr types.str; default = null; visible = false; };
      initialHashedPassword = mkOption { type = types.nullOr (types.passwdEntry types.str); default = null; };
      initialPassword = mkOption { type = types.nullOr types.str; default = null; };
      packages = mkOption { type = types.listOf types.package; default = [ ]; };
      expires = mkOption {
        type = types.nullOr (types.strMatching "[[:digit:]]{4}-[[:digit:]]{2}-[[:digit:]]{2}");
        default = null;
      };
      linger = mkOption { type = types.nullOr types.bool; default = null; };
    };
    config = lib.mkMerge [
      {
        name = mkDefault name;
        shell = mkIf config.useDefaultShell (mkDefault cfg.defaultUserShell);
      }
      (mkIf config.isNormalUser {
        group = mkDefault "users";
        createHome = mkDefault true;
        home = mkDefault "${cfg.defaultUserHome}/${config.name}";
        homeMode = mkDefault "700";
        useDefaultShell = mkDefault true;
        isSystemUser = mkDefault false;
      })
      (mkIf (!cfg.mutableUsers && config.initialPassword != null) {
        password = mkDefault config.initialPassword;
      })
      (mkIf (!cfg.mutableUsers && config.initialHashedPassword != null) {
        hashedPassword = mkDefault config.initialHashedPassword;
      })
      (mkIf (config.isNormalUser && config.subUidRanges == [ ] && config.subGidRanges == [ ]) {
        autoSubUidGidRange = mkDefault true;
      })
    ];
  };

  groupOpts = { name, config, ... }: {
    options = {
      name = mkOption { type = types.passwdEntry types.str; };
      gid = mkOption { type = types.nullOr types.int; default = null; };
      members = mkOption { type = types.listOf (types.passwdEntry types.str); default = [ ]; };
    };
    config = {
      name = mkDefault name;
      members = lib.mapAttrsToList (n: u: u.name)
        (lib.filterAttrs (n: u: u.enable && lib.elem config.name u.extraGroups) cfg.users);
    };
  };

  idsAreUnique = set: idAttr:
    let ids = map (n: toString set.${n}.${idAttr}) (builtins.attrNames set); in
    lib.length (lib.unique ids) == lib.length ids;
  uidsAreUnique = idsAreUnique (lib.filterAttrs (n: u: u.uid != null) cfg.users) "uid";
  gidsAreUnique = idsAreUnique (lib.filterAttrs (n: g: g.gid != null) cfg.groups) "gid";
  groupNames = lib.mapAttrsToList (n: g: g.name) cfg.groups;
  usersWithoutExistingGroup = lib.filterAttrs (n: u: u.group != "" && !lib.elem u.group groupNames) cfg.users;
in
{
  options.users = {
    mutableUsers = mkOption { type = types.bool; default = true; };
    enforceIdUniqueness = mkOption { type = types.bool; default = true; };
    manageLingering = mkOption { type = types.bool; default = true; };
    users = mkOption {
      type = types.attrsOf (types.submodule userOpts);
      default = { };
    };
    groups = mkOption {
      type = types.attrsOf (types.submodule groupOpts);
      default = { };
    };
    allowNoPasswordLogin = mkOption { type = types.bool; default = false; };
    defaultUserHome = mkOption { type = types.str; default = "/home"; };
    defaultUserShell = mkOption {
      type = types.either types.path types.shellPackage;
      default = pkgs.bashInteractive;
    };
  };

  config = {
    users.users = {
      root = {
        uid = 0;
        description = "System administrator";
        home = "/root";
        shell = mkDefault cfg.defaultUserShell;
        group = "root";
      };
      nobody = {
        uid = 65534;
        isSystemUser = true;
        description = "Unprivileged account (don't use!)";
        group = "nogroup";
      };
    };

    users.groups = {
      root.gid = 0;
      wheel.gid = 1;
      users.gid = 100;
      nogroup.gid = 65534;
    } // lib.genAttrs [
      "disk" "kmem" "tty" "floppy" "uucp" "lp" "cdrom" "tape" "audio" "video" "dialout"
      "nixbld" "utmp" "adm" "input" "kvm" "render" "sgx" "shadow" "clock"
    ] (_: { });

    assertions = [
      {
        assertion = !cfg.enforceIdUniqueness || (uidsAreUnique && gidsAreUnique);
        message = "UIDs and GIDs must be unique!";
      }
      {
        assertion = usersWithoutExistingGroup == { };
        message = ''
          The following users have a primary group that is undefined: ${lib.concatStringsSep " " (builtins.attrNames usersWithoutExistingGroup)}
          Hint: Add this to your NixOS configuration:
            ${lib.concatStringsSep "\n  " (map (g: "users.groups.${g} = {};") (lib.unique (lib.mapAttrsToList (n: u: u.group) usersWithoutExistingGroup)))}
        '';
      }
    ] ++ lib.concatLists (lib.mapAttrsToList (name: user: [
      {
        assertion = builtins.match "[a-zA-Z0-9_.][a-zA-Z0-9_.-]*" user.name != null;
        message = "The username \"${user.name}\" is not valid, it does not match the regex \"[a-zA-Z0-9_.][a-zA-Z0-9_.-]*\".";
      }
      {
        assertion = (user.hashedPassword != null) -> (builtins.match ".*:.*" user.hashedPassword == null);
        message = "The password hash of user \"${user.name}\" contains a \":\" character.";
      }
      {
        assertion = user.isNormalUser && user.uid != null -> user.uid >= 1000;
        message = "A user cannot have a users.users.${user.name}.uid set below 1000 and set users.users.${user.name}.isNormalUser.";
      }
      {
        assertion =
          let isEffectivelySystemUser = user.isSystemUser || (user.uid != null && user.uid < 1000 && !user.isNormalUser);
          in lib.xor isEffectivelySystemUser user.isNormalUser;
        message = ''
          Exactly one of users.users.${user.name}.isSystemUser and users.users.${user.name}.isNormalUser must be set.
        '';
      }
      {
        assertion = user.group != "";
        message = ''
          users.users.${user.name}.group is unset. This used to default to
          nogroup, but this is unsafe. For example you can create a group
          for this user with:
          users.users.${user.name}.group = "${user.name}";
          users.groups.${user.name} = {};
        '';
      }
      {
        assertion = user.linger != null -> cfg.manageLingering;
        message = "users.manageLingering is set to false, but users.users.${user.name}.linger is configured.";
      }
    ]) cfg.users);
  };
}
