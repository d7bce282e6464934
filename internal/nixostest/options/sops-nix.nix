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
      name = mkOption { type = types.str; default = config._module.args.name; description = "Name of the file used in /run/secrets"; };
      key = mkOption {
        type = types.str;
        default = if cfg.defaultSopsKey != null then cfg.defaultSopsKey else config._module.args.name;
        description = "Key used to lookup in the sops file.";
      };
      path = mkOption {
        type = types.str;
        default = if config.neededForUsers then "/run/secrets-for-users/${config.name}" else "/run/secrets/${config.name}";
        description = "Path where secrets are symlinked to.";
      };
      format = mkOption {
        type = types.enum [ "yaml" "json" "binary" "dotenv" "ini" ];
        default = cfg.defaultSopsFormat;
        description = "File format used to decrypt the sops secret.";
      };
      mode = mkOption { type = types.str; default = "0400"; description = "Permissions mode of the in octal."; };
      owner = mkOption { type = types.nullOr types.str; default = null; description = "User of the file."; };
      uid = mkOption { type = types.nullOr types.int; default = 0; description = "UID of the file, only applied when owner is null."; };
      group = mkOption {
        type = types.nullOr types.str;
        default = if config.owner != null then users.${config.owner}.group else null;
        description = "Group of the file.";
      };
      gid = mkOption { type = types.nullOr types.int; default = 0; description = "GID of the file, only applied when group is null."; };
      sopsFile = mkOption { type = types.path; description = "Sops file the secret is loaded from."; };
      sopsFileHash = mkOption { type = types.str; readOnly = true; description = "Hash of the sops file."; };
      restartUnits = mkOption { type = types.listOf types.str; default = [ ]; description = "Units restarted when this secret changes."; };
      reloadUnits = mkOption { type = types.listOf types.str; default = [ ]; description = "Units reloaded when this secret changes."; };
      neededForUsers = mkOption { type = types.bool; default = false; description = "Decrypt the secret before users and groups are created."; };
    };
  });

  templateType = types.submodule ({ config, ... }: {
    options = {
      name = mkOption { type = types.singleLineStr; default = config._module.args.name; description = "Name of the file used in /run/secrets/rendered"; };
      path = mkOption { type = types.singleLineStr; default = "/run/secrets/rendered/${config.name}"; description = "Path where the rendered file will be placed"; };
      content = mkOption { type = types.lines; default = ""; description = "Content of the file"; };
      mode = mkOption { type = types.singleLineStr; default = "0400"; description = "Permissions mode of the rendered secret file in octal."; };
      owner = mkOption { type = types.nullOr types.singleLineStr; default = null; description = "User of the file."; };
      uid = mkOption { type = types.nullOr types.int; default = 0; description = "UID of the template."; };
      group = mkOption {
        type = types.nullOr types.singleLineStr;
        default = if config.owner != null then users.${config.owner}.group else null;
        description = "Group of the file.";
      };
      gid = mkOption { type = types.nullOr types.int; default = 0; description = "GID of the template."; };
      file = mkOption { type = types.path; default = pkgs.writeText config.name config.content; description = "File used as the template."; };
      restartUnits = mkOption { type = types.listOf types.str; default = [ ]; description = "Units restarted when the rendered template changes."; };
      reloadUnits = mkOption { type = types.listOf types.str; default = [ ]; description = "Units reloaded when the rendered template changes."; };
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
    secrets = mkOption { type = types.attrsOf secretType; default = { }; description = "Path where the latest secrets are mounted to."; };
    defaultSopsFile = mkOption { type = types.path; _lazy = true; description = "Default sops file used for all secrets."; };
    defaultSopsFormat = mkOption { type = types.str; default = "yaml"; description = "Default sops format used for all secrets."; };
    defaultSopsKey = mkOption { type = types.nullOr types.str; default = null; description = "Default key used to lookup in all secrets."; };
    validateSopsFiles = mkOption { type = types.bool; default = true; description = "Check all sops files at evaluation time."; };
    keepGenerations = mkOption { type = types.ints.unsigned; default = 1; description = "Number of secrets generations to keep."; };
    log = mkOption {
      type = types.listOf (types.enum [ "keyImport" "secretChanges" ]);
      default = [ "keyImport" "secretChanges" ];
      description = "What to log";
    };
    environment = mkOption { type = types.attrsOf (types.either types.str types.path); default = { }; description = "Environment of sops-install-secrets."; };
    package = mkOption { type = types.package; default = pkgs.sops-install-secrets; description = "sops-install-secrets package to use."; };
    validationPackage = mkOption { type = types.package; default = cfg.package; description = "sops-install-secrets package used for validation."; };
    useTmpfs = mkOption { type = types.bool; default = false; description = "Use tmpfs in place of ramfs for secrets storage."; };
    age = {
      keyFile = mkOption { type = types.nullOr pathNotInStore; default = null; description = "Path to age key file used for sops decryption."; };
      plugins = mkOption { type = types.listOf types.package; default = [ ]; description = "List of plugins to use for sops decryption."; };
      generateKey = mkOption { type = types.bool; default = false; description = "Whether or not to generate the age key."; };
      sshKeyPaths = mkOption { type = types.listOf types.path; default = defaultImportKeys "ed25519"; description = "Paths to ssh keys added as age keys during sops description."; };
    };
    gnupg = {
      home = mkOption { type = types.nullOr types.str; default = null; description = "Path to gnupg database directory."; };
      sshKeyPaths = mkOption { type = types.listOf types.path; default = defaultImportKeys "rsa"; description = "Path to ssh keys added as GPG keys."; };
    };
    templates = mkOption { type = types.attrsOf templateType; default = { }; description = "Templates for secret files"; };
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
