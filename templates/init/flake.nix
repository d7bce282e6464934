# The homelab's flake. Hand-written and small on purpose: everything that
# depends on cluster.hcl lives in generated/ (`hlcgen render` writes it), so
# this file only wires the inputs to it.
{
  description = "Homelab: NixOS hosts and Kubernetes manifests compiled by hlcgen from cluster.hcl";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    sops-nix = {
      url = "github:Mic92/sops-nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    deploy-rs = {
      url = "github:serokell/deploy-rs";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    kubenix = {
      url = "github:hall/kubenix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      deploy-rs,
      kubenix,
      ...
    }@inputs:
    let
      # The systems an operator runs `nix run .#manifests` on; the nodes' own
      # systems come from cluster.hcl through generated/.
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = nixpkgs.lib.genAttrs systems;
    in
    # nixosConfigurations.<node> and deploy.nodes.<node>.
    (import ./generated inputs)
    // {
      # deploy-rs's own checks: the deploy attribute against its interface.json
      # and every node's activation script (serokell/deploy-rs README).
      checks = builtins.mapAttrs (system: deployLib: deployLib.deployChecks self.deploy) deploy-rs.lib;

      # The Kubernetes manifests, evaluated from the kubenix modules in
      # kubernetes/kubenix; resultYAML is a multi-document YAML file.
      packages = forAllSystems (system: {
        manifests =
          (kubenix.evalModules.${system} { module = import ./kubernetes/kubenix; })
          .config.kubernetes.resultYAML;
      });

      # `nix run .#manifests` writes the manifests where Flux reads them
      # (flux.path in cluster.hcl, recorded in the generated inventory).
      apps = forAllSystems (
        system:
        let
          pkgs = nixpkgs.legacyPackages.${system};
          inherit (nixpkgs.lib) escapeShellArg;
          dir = (import ./generated/config).manifestsDir;
          write = pkgs.writeShellApplication {
            name = "write-manifests";
            runtimeInputs = [ pkgs.coreutils ];
            text = ''
              if [ ! -f cluster.hcl ]; then
                echo "write-manifests: run me from the repository root (where cluster.hcl is)" >&2
                exit 1
              fi
              mkdir -p ${escapeShellArg dir}
              install -m 0644 ${self.packages.${system}.manifests} ${escapeShellArg "${dir}/all.yaml"}
              echo ${escapeShellArg "wrote ${dir}/all.yaml"}
            '';
          };
        in
        {
          manifests = {
            type = "app";
            program = "${write}/bin/write-manifests";
          };
        }
      );
    };
}
