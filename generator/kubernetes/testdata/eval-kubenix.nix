# Evaluates the generated kubenix modules the way kubenix (hall/kubenix
# modules/k8s.nix) does, as far as plain nix-instantiate allows without
# nixpkgs: imports are followed from default.nix, every module is called
# with the arguments kubenix passes, their definitions are merged (two
# modules defining the same value is an error), and every resource attribute
# must be a kubenix built-in or a declared customType, as kubenix fails with
# "option does not exist" otherwise. apiVersion, kind and metadata.name are
# filled in like kubenix fills them.
{ dir }:
let
  root = /. + dir;
  k8sModule = {
    _hlcgenTestK8sModule = true;
  };
  args = {
    kubenix.modules.k8s = k8sModule;
    lib = throw "a generated kubenix module used lib";
    config = throw "a generated kubenix module used config";
    pkgs = throw "a generated kubenix module used pkgs";
  };
  call = m: if builtins.isFunction m then m args else m;
  load = m: call (if builtins.isPath m then import m else m);
  collect = m: let v = load m; in [ v ] ++ builtins.concatMap collect (v.imports or [ ]);

  top = load (root + "/default.nix");
  modules = collect (root + "/default.nix");

  merge =
    a: b:
    builtins.foldl' (
      acc: name:
      acc
      // {
        ${name} =
          if !(acc ? ${name}) then
            b.${name}
          else if builtins.isAttrs acc.${name} && builtins.isAttrs b.${name} then
            merge acc.${name} b.${name}
          else
            throw "two modules define ${name}";
      }
    ) a (builtins.attrNames b);
  merged = builtins.foldl' merge { } (map (m: builtins.removeAttrs m [ "imports" ]) modules);
  k = merged.kubernetes;
  resources = k.resources or { };

  # kubenix's built-in types used by hlcgen (from the Kubernetes API
  # definitions kubenix generates).
  builtinTypes = {
    namespaces = {
      apiVersion = "v1";
      kind = "Namespace";
    };
    storageClasses = {
      apiVersion = "storage.k8s.io/v1";
      kind = "StorageClass";
    };
  };
  customTypes = builtins.listToAttrs (
    map (t: {
      name = t.attrName;
      value = {
        apiVersion = "${t.group}/${t.version}";
        inherit (t) kind;
      };
    }) (k.customTypes or [ ])
  );
  gvk =
    attr:
    builtinTypes.${attr} or customTypes.${attr}
      or (throw "The option `kubernetes.resources.${attr}' does not exist: no customTypes entry");

  objects = builtins.concatMap (
    attr:
    map (
      name:
      let
        o = resources.${attr}.${name};
      in
      gvk attr
      // o
      // {
        _attr = attr;
        _name = name;
        metadata = {
          inherit name;
        }
        // (o.metadata or { });
      }
    ) (builtins.attrNames resources.${attr})
  ) (builtins.attrNames resources);

  # Helm values with the Nix type of every leaf, so that a number that turned
  # into a string (or an int into a float) is caught.
  typed =
    v:
    if builtins.isAttrs v then
      {
        type = "set";
        value = builtins.mapAttrs (_: typed) v;
      }
    else if builtins.isList v then
      {
        type = "list";
        value = map typed v;
      }
    else
      {
        type = builtins.typeOf v;
        value = v;
      };
in
{
  version = k.version;
  customTypes = k.customTypes or [ ];
  importsK8s = builtins.elem k8sModule (top.imports or [ ]);
  moduleCount = builtins.length modules;
  inherit objects;
  helmValues = builtins.mapAttrs (_: r: typed (r.spec.values or { })) (resources.helmReleases or { });
}
