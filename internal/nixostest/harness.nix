# Entry point of the nixostest harness (see nixostest.go):
#
#   nix-instantiate --eval --strict --json harness.nix \
#     --argstr root /abs/rendered/tree --arg probe 'config: ...'
#
# imports <root>/generated the way flake.nix does, with stub flake inputs,
# checks every host and returns { <host> = probe config; }.
{ root, probe }:
let
  lib = import ./lib.nix;
  nixosSystem = import ./nixos.nix { inherit lib; };
  systems = [ "x86_64-linux" "aarch64-linux" "i686-linux" "x86_64-darwin" "aarch64-darwin" ];
  nixpkgs = {
    lib = lib // { inherit nixosSystem; };
    legacyPackages = lib.genAttrs systems (system: import ./pkgs.nix { inherit lib system; });
    outPath = "/nix/store/stub-nixpkgs";
  };
  sops-nix = {
    nixosModules = rec {
      sops = ./options/sops-nix.nix;
      default = sops;
    };
    outPath = "/nix/store/stub-sops-nix";
  };
  deploy-rs = {
    lib = lib.genAttrs systems (system: {
      activate = {
        nixos = configuration: "/nix/store/stub-deploy-rs-activate-nixos";
        custom = base: activate: "/nix/store/stub-deploy-rs-activate-custom";
      };
      deployChecks = deploy: { };
    });
    outPath = "/nix/store/stub-deploy-rs";
  };
  rootPath = /. + root;
  self = outputs // {
    outPath = root;
    inputs = { inherit nixpkgs sops-nix deploy-rs; };
  };
  outputs = import (rootPath + "/generated") { inherit self nixpkgs sops-nix deploy-rs; };
in
builtins.mapAttrs (name: host: builtins.seq host._check (probe host.config)) outputs.nixosConfigurations
