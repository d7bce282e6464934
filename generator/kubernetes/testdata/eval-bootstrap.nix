# Calls the generated bootstrap NixOS module with stub arguments and returns
# the option values it defines, as far as plain nix-instantiate can go
# without nixpkgs: pkgs.writeText returns its name and text as JSON instead
# of a store path, so every tmpfiles rule carries the manifest it links, and
# sops-nix's placeholder is a fixed marker.
{ file, placeholder }:
let
  m = import (/. + file) {
    config.sops.placeholder."flux/age_key" = placeholder;
    pkgs.writeText = name: text: builtins.toJSON { inherit name text; };
    lib = throw "the bootstrap module used lib";
  };
  # sopsFile is a path literal; toString gives its absolute path without
  # copying it into the store.
  secrets = builtins.mapAttrs (_: s: s // { sopsFile = toString s.sopsFile; }) (m.sops.secrets or { });
in
{
  topLevel = builtins.attrNames m;
  rules = m.systemd.tmpfiles.rules;
  inherit secrets;
  templates = m.sops.templates or { };
}
