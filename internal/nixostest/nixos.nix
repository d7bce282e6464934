# The harness's nixpkgs.lib.nixosSystem: it runs the miniature module system
# over the option declarations in ./options (all but sops-nix.nix, which hosts
# get from sops-nix.nixosModules.sops) and the given modules, with the stub
# pkgs as the `pkgs` module argument and ./modules as modulesPath.
#
# The result has `config` and `options` like the real one, and `_check`: a
# Boolean that forces every definition through its type (see lib.nix), fails
# on failed assertions the way system.build.toplevel does, and traces the
# warnings.
{ lib }:
{ system ? "x86_64-linux", modules ? [ ], specialArgs ? { }, ... }:
let
  pkgs = import ./pkgs.nix { inherit lib system; };
  optionModules = map (f: ./options + "/${f}") [
    "misc.nix"
    "version.nix"
    "locale.nix"
    "hardware.nix"
    "kernel.nix"
    "sysctl.nix"
    "etc.nix"
    "tmpfiles.nix"
    "systemd.nix"
    "networkd.nix"
    "network-interfaces.nix"
    "firewall.nix"
    "users-groups.nix"
    "sudo.nix"
    "nix.nix"
    "sshd.nix"
    "keepalived.nix"
    "haproxy.nix"
    "tailscale.nix"
    "k3s.nix"
  ];
  baseModule = {
    _file = "<nixostest nixosSystem>";
    _module.args = { inherit pkgs; utils = { }; };
    nixpkgs.system = lib.mkDefault system;
  };
  eval = lib.evalModules {
    modules = optionModules ++ [ baseModule ] ++ modules;
    specialArgs = { modulesPath = ./modules; } // specialArgs;
  };
  inherit (eval) config;
  failedAssertions = map (x: x.message) (lib.filter (x: !x.assertion) config.assertions);
  checked =
    if failedAssertions != [ ] then
      throw "\nassertions failed:\n${lib.concatMapStrings (m: "- ${m}\n") failedAssertions}"
    else lib.foldr (w: acc: builtins.trace "evaluation warning: ${w}" acc) true config.warnings;
in
{
  _type = "configuration";
  inherit config pkgs;
  inherit (eval) options;
  _check = builtins.seq eval._validate checked;
}
