# sops.* — the harness's stand-in for sops-nix.nixosModules.sops.
#
# Types and defaults from Mic92/sops-nix modules/sops/default.nix (stored
# copy with defaultSopsKey, pathNotInStore, gnupg.* and age.plugins, i.e.
# 2025; no commit recorded) and modules/sops/templates/default.nix at commit
# 0df004d23ccd94ba4089b1c14a076c265064f13b. The defaults include the secret
# paths (/run/secrets/<name>, or /run/secrets-for-users/<name> with
# neededForUsers), the key, format and group defaults and the template paths
# (/run/secrets/rendered/<name>). nixosSystem does not include this module:
# hosts get it only through sops-nix.nixosModules.sops, as on a real system.
#
# The declarations and the config logic are written for hlcgen's test
# harness. Like sops-nix: a secret's sopsFile defaults to defaultSopsFile;
# age.sshKeyPaths (gnupg.sshKeyPaths) default to the ed25519 (rsa) host keys
# of an enabled services.openssh that are not under /run/secrets; once any
# template exists, every secret has a placeholder
# "<SOPS:" + sha256 of its name + ":PLACEHOLDER>"; and secrets need a key
# source, cannot have both gnupg.home and gnupg.sshKeyPaths, and (when sops
# files are validated) cannot have both a non-zero uid and an owner, or a
# non-zero gid and a group.
#
# Difference: upstream's sopsFileHash is builtins.hashFile of the sops file
# when validateSopsFiles is true, so evaluation needs the (encrypted) file to
# exist. The repository does not ship encrypted secrets, so a missing file
# gives a placeholder hash here instead of failing.
{ config, options, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.sops;
  users = config.users.users;

  pathNotInStore = lib.mkOptionType {
    name = "pathNotInStore";
    description = "path outside /nix/store";
    descriptionClass = "noun";
    check = x: lib.isStringLike x && !(lib.hasPrefix "/nix/store/" (toString x));
    merge = lib.mergeEqualOption;
  };

  secretType = types.submodule ({ config, ... }: {
    config = {
      sopsFile = lib.mkOptionDefault cfg.defaultSopsFile;
      sopsFileHash = lib.mkOptionDefault (lib.optionalString cfg.validateSopsFiles (
        if builtins.pathExists config.sopsFile then builtins.hashFile "sha256" config.sopsFile
        else "<sops file ${toString config.sopsFile} is missing>"
      ));
    };
    options = {
      name = mkOption { type = types.str; default = config._module.args.name; };
      key = mkOption {
        type = types.str;
        default = if cfg.defaultSopsKey != null then cfg.defaultSopsKey else config._module.args.name;
      };
      path = mkOption {
        type = types.str;
        default = if config.neededForUsers then "/run/secrets-for-users/${config.name}" else "/run/secrets/${config.name}";
      };
      format = mkOption {
        type = types.enum [ "yaml" "json" "binary" "dotenv" "ini" ];
        default = cfg.defaultSopsFormat;
      };
      mode = mkOption { type = types.str; default = "0400"; };
      owner = mkOption { type = types.nullOr types.str; default = null; };
      uid = mkOption { type = types.nullOr types.int; default = 0; };
      group = mkOption {
        type = types.nullOr types.str;
        default = if config.owner != null then users.${config.owner}.group else null;
      };
      gid = mkOption { type = types.nullOr types.int; default = 0; };
      sopsFile = mkOption { type = types.path; };
      sopsFileHash = mkOption { type = types.str; readOnly = true; };
      restartUnits = mkOption { type = types.listOf types.str; default = [ ]; };
      reloadUnits = mkOption { type = types.listOf types.str; default = [ ]; };
      neededForUsers = mkOption { type = types.bool; default = false; };
    };
  });

  templateType = types.submodule ({ config, ... }: {
    options = {
      name = mkOption { type = types.singleLineStr; default = config._module.args.name; };
      path = mkOption { type = types.singleLineStr; default = "/run/secrets/rendered/${config.name}"; };
      content = mkOption { type = types.lines; default = ""; };
      mode = mkOption { type = types.singleLineStr; default = "0400"; };
      owner = mkOption { type = types.nullOr types.singleLineStr; default = null; };
      uid = mkOption { type = types.nullOr types.int; default = 0; };
      group = mkOption {
        type = types.nullOr types.singleLineStr;
        default = if config.owner != null then users.${config.owner}.group else null;
      };
      gid = mkOption { type = types.nullOr types.int; default = 0; };
      file = mkOption { type = types.path; default = pkgs.writeText config.name config.content; };
      restartUnits = mkOption { type = types.listOf types.str; default = [ ]; };
      reloadUnits = mkOption { type = types.listOf types.str; default = [ ]; };
    };
  });

  # The paths of the enabled sshd's host keys of one type, leaving out keys
  # that are themselves secrets.
  sshHostKeys = type:
    let ssh = config.services.openssh; in
    lib.optionals ssh.enable (lib.concatMap
      (k: lib.optional (k.type == type && !(lib.hasPrefix "/run/secrets" k.path)) k.path)
      ssh.hostKeys);
in
{
  imports = [
    (lib.mkRenamedOptionModule [ "sops" "gnupgHome" ] [ "sops" "gnupg" "home" ])
    (lib.mkRenamedOptionModule [ "sops" "sshKeyPaths" ] [ "sops" "gnupg" "sshKeyPaths" ])
  ];

  options.sops = {
    secrets = mkOption { type = types.attrsOf secretType; default = { }; };
    defaultSopsFile = mkOption { type = types.path; _lazy = true; };
    defaultSopsFormat = mkOption { type = types.str; default = "yaml"; };
    defaultSopsKey = mkOption { type = types.nullOr types.str; default = null; };
    validateSopsFiles = mkOption { type = types.bool; default = true; };
    keepGenerations = mkOption { type = types.ints.unsigned; default = 1; };
    log = mkOption {
      type = types.listOf (types.enum [ "keyImport" "secretChanges" ]);
      default = [ "keyImport" "secretChanges" ];
    };
    environment = mkOption { type = types.attrsOf (types.either types.str types.path); default = { }; };
    package = mkOption { type = types.package; default = pkgs.sops-install-secrets; };
    validationPackage = mkOption { type = types.package; default = cfg.package; };
    useTmpfs = mkOption { type = types.bool; default = false; };
    age = {
      keyFile = mkOption { type = types.nullOr pathNotInStore; default = null; };
      plugins = mkOption { type = types.listOf types.package; default = [ ]; };
      generateKey = mkOption { type = types.bool; default = false; };
      sshKeyPaths = mkOption { type = types.listOf types.path; default = sshHostKeys "ed25519"; };
    };
    gnupg = {
      home = mkOption { type = types.nullOr types.str; default = null; };
      sshKeyPaths = mkOption { type = types.listOf types.path; default = sshHostKeys "rsa"; };
    };
    templates = mkOption { type = types.attrsOf templateType; default = { }; };
    placeholder = mkOption {
      type = types.attrsOf (lib.mkOptionType {
        name = "coercibleToString";
        description = "value toString accepts";
        check = lib.isConvertibleWithToString;
        merge = lib.mergeEqualOption;
      });
      default = { };
      visible = false;
    };
  };

  config = lib.mkMerge [
    (lib.mkIf (cfg.secrets != { }) {
      assertions =
        let
          keySources = [ (cfg.age.keyFile != null) (cfg.age.sshKeyPaths != [ ]) (cfg.gnupg.home != null) (cfg.gnupg.sshKeyPaths != [ ]) ];
          idChecks = name: s: [
            {
              assertion = s.uid == null || s.uid == 0 || s.owner == null;
              message = "sops: secret ${name} sets both uid and owner";
            }
            {
              assertion = s.gid == null || s.gid == 0 || s.group == null;
              message = "sops: secret ${name} sets both gid and group";
            }
          ];
        in
        [
          {
            assertion = lib.any lib.id keySources;
            message = "sops: no key to decrypt with (sops.age.keyFile, sops.gnupg.home, or an enabled services.openssh)";
          }
          {
            assertion = cfg.gnupg.home == null || cfg.gnupg.sshKeyPaths == [ ];
            message = "sops: set sops.gnupg.home or sops.gnupg.sshKeyPaths, not both";
          }
        ]
        ++ lib.optionals cfg.validateSopsFiles (lib.concatLists (lib.mapAttrsToList (_: s: idChecks s.name s) cfg.secrets));
    })
    (lib.mkIf (cfg.templates != { }) {
      sops.placeholder = builtins.mapAttrs
        (name: _: lib.mkDefault ("<SOPS:" + builtins.hashString "sha256" name + ":PLACEHOLDER>"))
        cfg.secrets;
    })
  ];
}
