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
      enable = mkOption { type = types.bool; default = true; description = "Whether to create the user account."; };
      name = mkOption {
        type = types.passwdEntry types.str;
        apply = x: assert (builtins.stringLength x < 32 || abort "Username '${x}' is longer than 31 characters which is not allowed!"); x;
        description = "The name of the user account.";
      };
      description = mkOption { type = types.passwdEntry types.str; default = ""; description = "GECOS field."; };
      uid = mkOption { type = types.nullOr types.int; default = null; description = "The account UID."; };
      isSystemUser = mkOption { type = types.bool; default = false; description = "Whether this is a system user."; };
      isNormalUser = mkOption { type = types.bool; default = false; description = "Whether this is an account for a real user."; };
      group = mkOption {
        type = types.str;
        apply = x: assert (builtins.stringLength x < 32 || abort "Group name '${x}' is longer than 31 characters which is not allowed!"); x;
        default = "";
        description = "The user's primary group.";
      };
      extraGroups = mkOption { type = types.listOf types.str; default = [ ]; description = "The user's auxiliary groups."; };
      home = mkOption { type = types.passwdEntry types.path; default = "/var/empty"; description = "The user's home directory."; };
      homeMode = mkOption { type = types.strMatching "[0-7]{1,5}"; default = "700"; description = "The user's home directory mode."; };
      cryptHomeLuks = mkOption { type = types.nullOr types.str; default = null; description = "Encrypted luks device of the home directory."; };
      pamMount = mkOption { type = types.attrsOf types.str; default = { }; description = "pam_mount attributes."; };
      shell = mkOption {
        type = types.nullOr (types.either types.shellPackage (types.passwdEntry types.path));
        default = pkgs.shadow;
        description = "The path to the user's shell.";
      };
      ignoreShellProgramCheck = mkOption { type = types.bool; default = false; description = "Skip the programs.<shell>.enable check."; };
      subUidRanges = mkOption {
        type = types.listOf (types.submodule {
          options = {
            startUid = mkOption { type = types.int; description = "Start of the range."; };
            count = mkOption { type = types.int; default = 1; description = "Count of subordinate user ids"; };
          };
        });
        default = [ ];
        description = "Subordinate user ids.";
      };
      subGidRanges = mkOption {
        type = types.listOf (types.submodule {
          options = {
            startGid = mkOption { type = types.int; description = "Start of the range."; };
            count = mkOption { type = types.int; default = 1; description = "Count of subordinate group ids"; };
          };
        });
        default = [ ];
        description = "Subordinate group ids.";
      };
      autoSubUidGidRange = mkOption { type = types.bool; default = false; description = "Allocate subordinate ids automatically."; };
      createHome = mkOption { type = types.bool; default = false; description = "Whether to create the home directory."; };
      useDefaultShell = mkOption { type = types.bool; default = false; description = "Use users.defaultUserShell."; };
      hashedPassword = mkOption { type = types.nullOr (types.passwdEntry types.str); default = null; description = "The hashed password."; };
      password = mkOption { type = types.nullOr types.str; default = null; description = "The clear text password."; };
      hashedPasswordFile = mkOption { type = types.nullOr types.str; default = config.passwordFile; description = "File with the password hash."; };
      passwordFile = mkOption { type = types.nullOr types.str; default = null; visible = false; description = "Deprecated alias of hashedPasswordFile"; };
      initialHashedPassword = mkOption { type = types.nullOr (types.passwdEntry types.str); default = null; description = "Initial hashed password."; };
      initialPassword = mkOption { type = types.nullOr types.str; default = null; description = "Initial clear text password."; };
      packages = mkOption { type = types.listOf types.package; default = [ ]; description = "Packages for this user."; };
      expires = mkOption {
        type = types.nullOr (types.strMatching "[[:digit:]]{4}-[[:digit:]]{2}-[[:digit:]]{2}");
        default = null;
        description = "Account expiry date (YYYY-MM-DD).";
      };
      linger = mkOption { type = types.nullOr types.bool; default = null; description = "Whether the user lingers."; };
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
      name = mkOption { type = types.passwdEntry types.str; description = "The name of the group."; };
      gid = mkOption { type = types.nullOr types.int; default = null; description = "The group GID."; };
      members = mkOption { type = types.listOf (types.passwdEntry types.str); default = [ ]; description = "The user names of the group members."; };
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
    mutableUsers = mkOption { type = types.bool; default = true; description = "Whether users and groups may be changed imperatively."; };
    enforceIdUniqueness = mkOption { type = types.bool; default = true; description = "Whether to require unique uids/gids."; };
    manageLingering = mkOption { type = types.bool; default = true; description = "Whether to manage whether users linger or not."; };
    users = mkOption {
      type = types.attrsOf (types.submodule userOpts);
      default = { };
      description = "Additional user accounts to be created automatically by the system.";
    };
    groups = mkOption {
      type = types.attrsOf (types.submodule groupOpts);
      default = { };
      description = "Additional groups to be created automatically by the system.";
    };
    allowNoPasswordLogin = mkOption { type = types.bool; default = false; description = "Disable the lock-out check."; };
    defaultUserHome = mkOption { type = types.str; default = "/home"; description = "The default home directory for normal users."; };
    defaultUserShell = mkOption {
      type = types.either types.path types.shellPackage;
      default = pkgs.bashInteractive;
      description = "The default shell of normal users.";
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
