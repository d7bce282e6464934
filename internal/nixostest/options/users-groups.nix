# users.users.*, users.groups.* and users.*
#
# Types and defaults from NixOS/nixpkgs nixos/modules/config/users-groups.nix
# at commit 005ab72f9cf5a75cdcd9ff672fb4a3b03391619f; users.defaultUserShell
# from nixos/modules/config/shells-environment.nix (not read); the gids of
# root, wheel, users and nogroup from nixos/modules/misc/ids.nix.
#
# The declarations and the config logic are written for hlcgen's test
# harness. Like NixOS it gives normal users their defaults (group "users",
# a home under defaultUserHome, the default shell, ...), makes users members
# of their extraGroups, declares the root and nobody accounts and the
# standard groups, and fails on: duplicate uids or gids, a primary group that
# is not declared, an invalid user name, a ":" in a password hash, a normal
# user below uid 1000, a user that is not exactly one of system or normal
# user, an unset group, and linger without manageLingering. Names of 32
# characters or more abort evaluation, as upstream's apply does.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkDefault mkIf types;
  cfg = config.users;

  # Account and group names are limited to 31 characters.
  shortName = what: n:
    if builtins.stringLength n <= 31 then n else abort "users: ${what} name ${n} is longer than 31 characters";

  userOpts = { name, config, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; };
      name = mkOption {
        type = types.passwdEntry types.str;
        apply = shortName "user";
      };
      description = mkOption { type = types.passwdEntry types.str; default = ""; };
      uid = mkOption { type = types.nullOr types.int; default = null; };
      isSystemUser = mkOption { type = types.bool; default = false; };
      isNormalUser = mkOption { type = types.bool; default = false; };
      group = mkOption {
        type = types.str;
        apply = shortName "group";
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
      { name = mkDefault name; }
      (mkIf config.useDefaultShell { shell = mkDefault cfg.defaultUserShell; })
      (mkIf config.isNormalUser (lib.mapAttrs (_: mkDefault) {
        group = "users";
        createHome = true;
        home = "${cfg.defaultUserHome}/${config.name}";
        homeMode = "700";
        useDefaultShell = true;
        isSystemUser = false;
      }))
      # With immutable users the initial password is the password.
      (mkIf (!cfg.mutableUsers) {
        password = mkIf (config.initialPassword != null) (mkDefault config.initialPassword);
        hashedPassword = mkIf (config.initialHashedPassword != null) (mkDefault config.initialHashedPassword);
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
      members = lib.concatLists (lib.mapAttrsToList
        (_: u: lib.optional (u.enable && builtins.elem config.name u.extraGroups) u.name)
        cfg.users);
    };
  };

  # The names of entries of `set` that share an id (lists of two or more).
  sharedIds = set: idOf:
    let withId = lib.filter (n: idOf set.${n} != null) (builtins.attrNames set); in
    lib.filter (names: builtins.length names > 1)
      (builtins.attrValues (builtins.groupBy (n: toString (idOf set.${n})) withId));
  declaredGroups = lib.mapAttrsToList (_: g: g.name) cfg.groups;
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
        home = "/root";
        shell = mkDefault cfg.defaultUserShell;
        group = "root";
      };
      nobody = {
        uid = 65534;
        isSystemUser = true;
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

    assertions =
      let
        check = ok: message: { assertion = ok; inherit message; };
        shared = what: lists: map (names: "${what} ${toString names}") lists;
        idClashes = shared "users" (sharedIds cfg.users (u: u.uid)) ++ shared "groups" (sharedIds cfg.groups (g: g.gid));
        perUser = _: u:
          let
            at = "users.users.${u.name}";
            systemLike = u.isSystemUser || (u.uid != null && u.uid < 1000 && !u.isNormalUser);
          in
          [
            (check (u.group == "" || builtins.elem u.group declaredGroups) "${at}: primary group ${u.group} is not declared in users.groups")
            (check (builtins.match "[a-zA-Z0-9_.][a-zA-Z0-9_.-]*" u.name != null) "${at}: invalid user name")
            (check (u.hashedPassword == null || !lib.hasInfix ":" u.hashedPassword) "${at}: hashedPassword contains a colon")
            (check (!u.isNormalUser || u.uid == null || u.uid >= 1000) "${at}: a normal user needs a uid of 1000 or more")
            (check (systemLike != u.isNormalUser) "${at}: set exactly one of isSystemUser and isNormalUser")
            (check (u.group != "") "${at}: group is not set")
            (check (u.linger == null || cfg.manageLingering) "${at}: linger is set but users.manageLingering is false")
          ];
      in
      [ (check (!cfg.enforceIdUniqueness || idClashes == [ ]) "users: ids are not unique: ${lib.concatStringsSep "; " idClashes}") ]
      ++ lib.concatLists (lib.mapAttrsToList perUser cfg.users);
  };
}
