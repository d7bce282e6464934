# sops.* — the harness's stand-in for sops-nix.nixosModules.sops.
#
# Types from Mic92/sops-nix modules/sops/default.nix (stored copy with
# defaultSopsKey, pathNotInStore, gnupg.* and age.plugins, i.e. 2025) and
# modules/sops/templates/default.nix at commit
# 0df004d23ccd94ba4089b1c14a076c265064f13b. Declarations written for hlcgen's
# test harness. nixosSystem does not include this module: hosts get it only
# through sops-nix.nixosModules.sops, as on a real system.
#
# Config logic kept from upstream: secret paths (/run/secrets/<name>, or
# /run/secrets-for-users/<name> with neededForUsers), key/format/group
# defaults, sopsFile defaulting to defaultSopsFile, template paths
# (/run/secrets/rendered/<name>) and files, placeholders
# "<SOPS:<sha256 of the name>:PLACEHOLDER>" for every secret once a template
# exists, age.sshKeyPaths from the ed25519 host keys of services.openssh, and
# the assertions on key sources and owner/uid, group/gid.
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
    description = "path not in the Nix store";
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

  defaultImportKeys = algo:
    if config.services.openssh.enable then
      map (e: e.path) (lib.filter (e: e.type == algo && !(lib.hasPrefix "/run/secrets" e.path)) config.services.openssh.hostKeys)
    else [ ];
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
      sshKeyPaths = mkOption { type = types.listOf types.path; default = defaultImportKeys "ed25519"; };
    };
    gnupg = {
      home = mkOption { type = types.nullOr types.str; default = null; };
      sshKeyPaths = mkOption { type = types.listOf types.path; default = defaultImportKeys "rsa"; };
    };
    templates = mkOption { type = types.attrsOf templateType; default = { }; };
    placeholder = mkOption {
      type = types.attrsOf (lib.mkOptionType {
        name = "coercibleToString";
        description = "value that can be coerced to string";
        check = lib.isConvertibleWithToString;
        merge = lib.mergeEqualOption;
      });
      default = { };
      visible = false;
    };
  };

  config = lib.mkMerge [
    (lib.mkIf (cfg.secrets != { }) {
      assertions = [
        {
          assertion = cfg.gnupg.home != null || cfg.gnupg.sshKeyPaths != [ ] || cfg.age.keyFile != null || cfg.age.sshKeyPaths != [ ];
          message = "No key source configured for sops. Either set services.openssh.enable or set sops.age.keyFile or sops.gnupg.home";
        }
        {
          assertion = !(cfg.gnupg.home != null && cfg.gnupg.sshKeyPaths != [ ]);
          message = "Exactly one of sops.gnupg.home and sops.gnupg.sshKeyPaths must be set";
        }
      ] ++ lib.optionals cfg.validateSopsFiles (lib.concatLists (lib.mapAttrsToList (name: secret: [
        {
          assertion = secret.uid != null && secret.uid != 0 -> secret.owner == null;
          message = "In ${secret.name} exactly one of sops.owner and sops.uid must be set";
        }
        {
          assertion = secret.gid != null && secret.gid != 0 -> secret.group == null;
          message = "In ${secret.name} exactly one of sops.group and sops.gid must be set";
        }
      ]) cfg.secrets));
    })
    (lib.mkIf (cfg.templates != { }) {
      sops.placeholder = lib.mapAttrs (name: _: lib.mkDefault "<SOPS:${builtins.hashString "sha256" name}:PLACEHOLDER>") cfg.secrets;
    })
  ];
}
