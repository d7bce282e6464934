# A miniature re-implementation of the parts of nixpkgs' `lib` that the NixOS
# module system needs, written for hlcgen's tests (internal/nixostest). It
# follows the documented behaviour of nixpkgs' lib/modules.nix, lib/types.nix
# and lib/options.nix (merge rules, priorities, ordering, and which mistakes
# are errors), but it is its own code, its error messages are its own words,
# and it only covers what the tests exercise.
#
# Deliberate differences from nixpkgs:
#   - Every evaluation result carries `_validate`, a Boolean that forces every
#     defined option (and, inside submodules, every option without a default)
#     through its type check and merge. The harness forces it for each host, so
#     a wrong value fails even when no stub module reads the option (the real
#     modules read nearly all of their options when building the system).
#   - Options declared with `_lazy = true` (a harness-only attribute) are not
#     forced by `_validate` when they have no value; options declared with
#     `_lazyDefault = true` are not forced when only their default defines
#     them (for defaults that throw unless read, like networking.fqdn's).
#   - Properties are discharged as nixpkgs does: mkIf/mkMerge at any level,
#     mkOverride/mkOrder wrappers stripped once; a definition of an option
#     that is not declared fails even under `mkIf false`.
#   - The `package` type accepts attribute sets and "/nix/store/..." strings,
#     because the stub pkgs are strings.
let
  b = builtins;

  lib = rec {
    # ---------------------------------------------------------------- trivial
    id = x: x;
    const = x: _: x;
    flip = f: x: y: f y x;
    pipe = val: fns: b.foldl' (x: f: f x) val fns;
    fix = f: let x = f x; in x;
    min = x: y: if x < y then x else y;
    max = x: y: if x > y then x else y;
    mod = x: y: x - (y * (b.div x y));
    xor = x: y: (!x) != (!y);
    and = x: y: x && y;
    boolToString = v: if v then "true" else "false";
    mdDoc = x: x;
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    literalExample = literalExpression;
    literalMD = text: { _type = "literalMD"; inherit text; };
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fakeSha256 = "0000000000000000000000000000000000000000000000000000";

    inherit (b)
      typeOf isAttrs isList isString isInt isBool isFloat isFunction isPath
      attrNames attrValues hasAttr getAttr listToAttrs mapAttrs removeAttrs intersectAttrs
      catAttrs elem elemAt head tail length filter foldl' genList concatLists concatMap
      any all sort partition concatStringsSep replaceStrings substring stringLength match
      split toJSON fromJSON readFile seq deepSeq trace tryEval hashString groupBy
      zipAttrsWith functionArgs baseNameOf dirOf pathExists readDir compareVersions
      splitVersion addErrorContext genericClosure;

    isStringLike = x: isString x || isPath x || x ? outPath || x ? __toString;
    isDerivation = x: isAttrs x && (x.type or null) == "derivation";
    isStorePath = x: isStringLike x && hasPrefix "/nix/store/" (toString x);
    isConvertibleWithToString =
      x: isStringLike x || elem (typeOf x) [ "null" "int" "float" "bool" ]
        || (isList x && all isConvertibleWithToString x);

    assertMsg = pred: msg: pred || throw msg;
    assertOneOf = name: val: xs:
      assertMsg (elem val xs) "${name} is ${toJSON val}; allowed: ${toJSON xs}";
    warn = msg: v: trace "evaluation warning: ${msg}" v;
    warnIf = cond: msg: if cond then warn msg else id;
    warnIfNot = cond: warnIf (!cond);
    throwIf = cond: msg: if cond then throw msg else id;
    throwIfNot = cond: throwIf (!cond);

    # ------------------------------------------------------------------ lists
    last = l: elemAt l (length l - 1);
    init = l: genList (elemAt l) (length l - 1);
    range = first: final: if first > final then [ ] else genList (n: first + n) (final - first + 1);
    imap0 = f: l: genList (n: f n (elemAt l n)) (length l);
    imap1 = f: l: genList (n: f (n + 1) (elemAt l n)) (length l);
    sublist = start: count: list:
      let
        len = length list;
        s = if start >= len then len else start;
        c = if s + count > len then len - s else count;
      in
      genList (n: elemAt list (s + n)) c;
    take = count: sublist 0 count;
    drop = count: list: sublist count (length list) list;
    foldl = op: nul: list: foldl' op nul list;
    foldr = op: nul: list:
      let
        len = length list;
        go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
      in
      go 0;
    flatten = x: if isList x then concatMap flatten x else [ x ];
    unique = list: foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ] list;
    toList = x: if isList x then x else [ x ];
    count = pred: list: length (filter pred list);
    optional = cond: e: if cond then [ e ] else [ ];
    optionals = cond: es: if cond then es else [ ];
    intersectLists = e: filter (x: elem x e);
    subtractLists = e: filter (x: !(elem x e));
    forEach = xs: f: map f xs;
    findFirst = pred: default: list:
      let found = filter pred list; in if found == [ ] then default else head found;
    reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;
    remove = e: filter (x: x != e);
    singleton = x: [ x ];
    naturalSort = sort (a: b': a < b');
    zipListsWith = f: fst: snd:
      genList (n: f (elemAt fst n) (elemAt snd n)) (min (length fst) (length snd));
    listToAttrs' = listToAttrs;

    # ------------------------------------------------------------------ attrs
    nameValuePair = name: value: { inherit name value; };
    filterAttrs = pred: set:
      listToAttrs (concatMap
        (name: let v = set.${name}; in if pred name v then [ (nameValuePair name v) ] else [ ])
        (attrNames set));
    mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
    mapAttrs' = f: set: listToAttrs (mapAttrsToList f set);
    concatMapAttrs = f: v: foldl' (x: y: x // y) { } (mapAttrsToList f v);
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    attrByPath = attrPath: default: set:
      if attrPath == [ ] then set
      else
        let n = head attrPath; in
        if isAttrs set && set ? ${n} then attrByPath (tail attrPath) default set.${n} else default;
    hasAttrByPath = attrPath: e:
      if attrPath == [ ] then true
      else let n = head attrPath; in isAttrs e && e ? ${n} && hasAttrByPath (tail attrPath) e.${n};
    getAttrFromPath = attrPath: set:
      attrByPath attrPath (throw "getAttrFromPath: no attribute ${concatStringsSep "." attrPath}") set;
    setAttrByPath = attrPath: value:
      if attrPath == [ ] then value else { ${head attrPath} = setAttrByPath (tail attrPath) value; };
    optionalAttrs = cond: as: if cond then as else { };
    recursiveUpdate = lhs: rhs:
      lhs // mapAttrs
        (n: v: if lhs ? ${n} && isAttrs v && isAttrs lhs.${n} then recursiveUpdate lhs.${n} v else v)
        rhs;
    zipAttrs = zipAttrsWith (n: v: v);
    attrsToList = mapAttrsToList nameValuePair;
    getValues = map (x: x.value);
    getFiles = map (x: x.file);
    mapAttrsRecursiveCond = cond: f: set:
      let
        recurse = path: s:
          mapAttrs (n: v: if isAttrs v && cond v then recurse (path ++ [ n ]) v else f (path ++ [ n ]) v) s;
      in
      recurse [ ] set;
    mapAttrsRecursive = mapAttrsRecursiveCond (_: true);
    foldAttrs = op: nul: list_of_attrs:
      foldr (n: a: foldl' (a': name: a' // { ${name} = op n.${name} (a'.${name} or nul); }) a (attrNames n))
        { } list_of_attrs;
    getName = x: if isString x then removePrefix "stub-" (baseNameOf x) else x.pname or x.name or "unknown";

    # ---------------------------------------------------------------- strings
    concatStrings = concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    concatImapStringsSep = sep: f: list: concatStringsSep sep (imap1 f list);
    concatLines = concatMapStrings (s: s + "\n");
    optionalString = cond: s: if cond then s else "";
    hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
    hasSuffix = suffix: content:
      let
        lc = stringLength content;
        ls = stringLength suffix;
      in
      lc >= ls && substring (lc - ls) lc content == suffix;
    removePrefix = prefix: str:
      if hasPrefix prefix str then substring (stringLength prefix) (stringLength str) str else str;
    removeSuffix = suffix: str:
      if hasSuffix suffix str then substring 0 (stringLength str - stringLength suffix) str else str;
    stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
    regexSpecials = stringToCharacters "\\[]{}()^$?*+|.";
    escapeRegex = replaceStrings regexSpecials (map (c: "\\${c}") regexSpecials);
    hasInfix = infix: content: length (split (escapeRegex infix) content) > 1;
    splitString = sep: s: filter isString (split (escapeRegex (toString sep)) (toString s));
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    toLower = replaceStrings upperChars lowerChars;
    toUpper = replaceStrings lowerChars upperChars;
    escape = list: replaceStrings list (map (c: "\\${c}") list);
    escapeShellArg = arg:
      let s = toString arg; in
      if match "[[:alnum:],._+:@%/-]+" s != null then s else "'${replaceStrings [ "'" ] [ "'\\''" ] s}'";
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    escapeNixString = s: replaceStrings [ "$" ] [ "\\$" ] (toJSON s);
    escapeNixIdentifier = s: if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else escapeNixString s;
    fileContents = file: removeSuffix "\n" (readFile file);
    trim = s:
      let m = match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in if m == null then "" else head m;
    versionOlder = v1: v2: compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !(versionOlder v1 v2);
    toInt = s:
      let r = fromJSON s; in if isInt r then r else throw "toInt: ${toJSON s} is not an integer";
    floatToString = toString;
    makeBinPath = paths: concatMapStringsSep ":" (p: "${toString p}/bin") paths;
    makeSearchPath = sub: paths: concatMapStringsSep ":" (p: "${toString p}/${sub}") paths;
    # Stub packages are strings "/nix/store/stub-<name>"; real ones are attrsets.
    getExe = x:
      if isString x then "${x}/bin/${removePrefix "stub-" (baseNameOf x)}"
      else "${toString x}/bin/${x.meta.mainProgram or x.pname or x.name or "unknown"}";
    getExe' = x: y: "${toString x}/bin/${y}";
    getBin = x: x;
    getLib = x: x;
    getOutput = _: x: x;
    strings = lib;
    lists = lib;
    attrsets = lib;
    trivial = lib;
    options = lib;
    modules = lib;

    # ------------------------------------------------------ pretty printing
    toPretty' = depth: indent: v:
      let ind = indent + "  "; in
      if depth > 8 then "<...>"
      else if isString v then
        (if hasInfix "\n" v then
          "''\n" + concatMapStrings (l: ind + l + "\n") (splitString "\n" v) + indent + "''"
        else escapeNixString v)
      else if isInt v || isFloat v then toString v
      else if isBool v then boolToString v
      else if v == null then "null"
      else if isPath v then toString v
      else if isFunction v then "<function>"
      else if isList v then
        (if v == [ ] then "[ ]"
        else "[\n" + concatMapStrings (x: ind + toPretty' (depth + 1) ind x + "\n") v + indent + "]")
      else if isAttrs v then
        (if isDerivation v then "<derivation ${v.name or "?"}>"
        else if v == { } then "{ }"
        else "{\n" + concatStrings (mapAttrsToList
          (n: x: "${ind}${escapeNixIdentifier n} = ${toPretty' (depth + 1) ind x};\n") v) + indent + "}")
      else "<${typeOf v}>";
    generators = {
      toPretty = _: toPretty' 0 "";
      toJSON = _: toJSON;
      toYAML = _: toJSON;
    };

    # ------------------------------------------------- option presentation
    showOption = parts: concatMapStringsSep "."
      (p: if p == "*" || match "<.+>" p != null || match "[a-zA-Z_][a-zA-Z0-9_'-]*" p != null
        then p else escapeNixString p)
      parts;
    showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);
    showDefs = defs: concatMapStrings
      (def:
        let
          pretty = tryEval (toPretty' 0 "" def.value);
          lines = splitString "\n" pretty.value;
          shown = concatStringsSep "\n    " (take 5 lines ++ optional (length lines > 5) "...");
          result =
            if !pretty.success then ""
            else if length lines > 1 then ":\n    " + shown
            else ": " + shown;
        in
        "\n  ${def.file}${result}")
      defs;
    # Appended to merge conflicts.
    prioritySuggestion = "(A different priority on one of them, with lib.mkForce or lib.mkDefault, picks one.)";

    # ------------------------------------------------------- merge functions
    mergeEqualOption = loc: defs:
      if defs == [ ] then abort "mergeEqualOption: `${showOption loc}' has no definitions"
      else if length defs == 1 then (head defs).value
      else
        (foldl'
          (first: def:
            if def.value != first.value then
              throw "option `${showOption loc}': two definitions differ:${showDefs [ first def ]}\n${prioritySuggestion}"
            else first)
          (head defs)
          (tail defs)).value;
    mergeUniqueOption = { message }: loc: defs:
      if length defs == 1 then (head defs).value
      else
        throw "option `${showOption loc}': takes one definition, but has ${toString (length defs)}:${showDefs defs}${optionalString (message != "") "\n${message}"}\n${prioritySuggestion}";
    mergeOneOption = mergeUniqueOption { message = ""; };
    # The error for reading an option that has neither a definition nor a default.
    noValue = loc: "option `${showOption loc}': read, but nothing defines it and it has no default";
    mergeDefaultOption = loc: defs:
      let list = getValues defs; in
      if length list == 1 then head list
      else if all isFunction list then x: mergeDefaultOption loc (map (d: d // { value = d.value x; }) defs)
      else if all isList list then concatLists list
      else if all isAttrs list then foldl' (x: y: x // y) { } list
      else if all isBool list then any id list
      else if all isString list then concatStrings list
      else if all isInt list && all (x: x == head list) list then head list
      else throw "option `${showOption loc}': these definitions do not merge:${showDefs defs}";

    # A merge function that also reports validity: `v` returns
    # { value; valid; }, where forcing `valid` checks everything nested.
    mkMergeV = v: { __functor = self: loc: defs: (self.v loc defs).value; inherit v; };
    runMerge = type: loc: defs:
      let m = type.merge; in
      if isAttrs m && m ? v then m.v loc defs
      else let value = m loc defs; in { inherit value; valid = deepSeq value true; };

    # ------------------------------------------------------------ properties
    defaultOverridePriority = 100;
    defaultPriority = defaultOverridePriority;
    defaultOrderPriority = 1000;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkOptionDefault = mkOverride 1500;
    mkDefault = mkOverride 1000;
    mkImageMediaOverride = mkOverride 60;
    mkForce = mkOverride 50;
    mkVMOverride = mkOverride 10;
    mkOrder = priority: content: { _type = "order"; inherit priority content; };
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
    mkDerivedConfig = opt: f: mkOverride (opt.highestPrio or defaultOverridePriority) (f opt.value);
    mkAliasDefinitions = opt: mkIf opt.isDefined (mkMerge opt.definitions);

    propType = v: if isAttrs v then v._type or null else null;
    dischargeProperties = v:
      let t = propType v; in
      if t == "merge" then concatMap dischargeProperties v.contents
      else if t == "if" then
        (if isBool v.condition then (if v.condition then dischargeProperties v.content else [ ])
        else throw "lib.mkIf: the condition is a ${typeOf v.condition}, not a Boolean")
      else [ v ];
    prioOf = v: if propType v == "override" then v.priority else defaultOverridePriority;
    orderOf = v: if propType v == "order" then v.priority else defaultOrderPriority;
    filterOverrides' = defs:
      let highestPrio = foldl' (p: d: min p (prioOf d.value)) 9999 defs; in
      {
        inherit highestPrio;
        values = concatMap
          (d: if prioOf d.value == highestPrio
            then [ (d // { value = if propType d.value == "override" then d.value.content else d.value; }) ]
            else [ ])
          defs;
      };
    filterOverrides = defs: (filterOverrides' defs).values;
    sortProperties = defs:
      map (d: d // { value = if propType d.value == "order" then d.value.content else d.value; })
        (sort (x: y: orderOf x.value < orderOf y.value) defs);

    # Merge the definitions of one option (or one element of a list/attrset
    # option): properties, priorities, ordering, type check, type merge.
    mergeDefinitions = loc: type: defs:
      let
        discharged = concatMap (d: map (v: d // { value = v; }) (dischargeProperties d.value)) defs;
        fo = filterOverrides' discharged;
        defsFinal = if any (d: propType d.value == "order") fo.values then sortProperties fo.values else fo.values;
        # Computed before sorting, so that it does not force the values.
        isDefined = fo.values != [ ];
        invalid = filter (d: !(type.check d.value)) defsFinal;
        res =
          if invalid == [ ] then runMerge type loc defsFinal
          else throw "option `${showOption loc}': wants ${type.description}, which these definitions are not:${showDefs invalid}";
      in
      {
        inherit defsFinal isDefined;
        defsPrioritised = fo.values;
        inherit (fo) highestPrio;
        mergedValue = res.value;
        inherit (res) valid;
        optionalValue = if isDefined then { value = res.value; } else { };
      };

    # ---------------------------------------------------------------- options
    isOption = v: isAttrs v && (v._type or null) == "option";
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption = name: mkOption {
      default = false;
      example = true;
      type = types.bool;
    };
    mkPackageOption = pkgs: name:
      { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
      let
        namePath = if isList name then name else [ name ];
        defaultPath = if default == null then null else if isList default then default else [ default ];
        defaultValue =
          if defaultPath == null then null
          else attrByPath defaultPath (throw "mkPackageOption: ${pkgsText} has no ${concatStringsSep "." defaultPath}") pkgs;
      in
      mkOption ({
        type = if nullable then types.nullOr types.package else types.package;
      } // optionalAttrs (default != null || nullable) { default = defaultValue; });

    # Options that only exist to forward or reject old names.
    aliasType = mkOptionType {
      name = "alias";
      description = "alias";
      merge = mkMergeV (loc: defs: { value = getValues defs; valid = true; });
    };
    mkAliasWith = from: to: warnRename: { options, ... }:
      let fromOpt = getAttrFromPath from options; in
      {
        options = setAttrByPath from (mkOption {
          type = aliasType;
          visible = false;
          _lazy = true;
        });
        config = mkMerge [
          (mkIf fromOpt.isDefined (setAttrByPath to (mkMerge (map (mkOverride fromOpt.highestPrio) fromOpt.definitions))))
          {
            warnings = optional (warnRename && fromOpt.isDefined)
              "option `${showOption from}' (set in ${showFiles fromOpt.files}) is now called `${showOption to}'";
          }
        ];
      };
    mkRenamedOptionModule = from: to: mkAliasWith from to true;
    mkAliasOptionModule = from: to: mkAliasWith from to false;
    mkRemovedOptionModule = optionName: replacementInstructions: { options, ... }: {
      options = setAttrByPath optionName (mkOption {
        type = aliasType;
        visible = false;
        _lazy = true;
        apply = _: throw "option `${showOption optionName}' was removed and cannot be read. ${replacementInstructions}";
      });
      config.assertions =
        let opt = getAttrFromPath optionName options; in
        [{
          assertion = !opt.isDefined;
          message = "option `${showOption optionName}' (set in ${showFiles opt.files}) was removed. ${replacementInstructions}";
        }];
    };

    # ------------------------------------------------------------ evaluation
    knownModuleAttrs = [ "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" "_class" ];
    shorthandIgnored = [ "_file" "key" "disabledModules" "imports" "meta" "freeformType" "_class" ];

    unifyModule = file: key: configOnly: v:
      if !(isAttrs v) then
        throw "module `${file}': a module is an attribute set or a function returning one; this is a ${typeOf v}"
      else if configOnly then
        { inherit file key; imports = [ ]; options = { }; config = removeAttrs v [ "_file" ]; freeformType = null; disabled = [ ]; }
      else if v ? config || v ? options then
        let extra = removeAttrs v knownModuleAttrs; in
        if extra != { } then
          throw "module `${file}': with `config' or `options' at the top, definitions (${concatStringsSep " " (attrNames extra)}) belong under `config'"
        else {
          inherit file key;
          imports = v.imports or [ ];
          options = v.options or { };
          config = v.config or { };
          freeformType = v.freeformType or null;
          disabled = v.disabledModules or [ ];
        }
      else {
        inherit file key;
        imports = v.imports or [ ];
        options = { };
        config = removeAttrs v shorthandIgnored;
        freeformType = v.freeformType or null;
        disabled = v.disabledModules or [ ];
      };

    # Merge the option declarations of all modules into one tree whose leaves
    # are option records and whose inner nodes are { _type = "optionTree"; }.
    mergeOptionDecls = loc: opts:
      foldl'
        (res: o:
          let od = o.value; in
          if res == null then od // { declarations = [ o.file ]; type = od.type or types.unspecified; }
          else
            let
              clash = (od ? default && res ? default) || (od ? apply && res ? apply) || (od ? example && res ? example);
              t = if od ? type then res.type.typeMerge od.type else res.type;
            in
            if clash || t == null then
              throw "option `${showOption loc}': declared in `${o.file}' and again in ${showFiles res.declarations}"
            else res // od // { type = t; declarations = res.declarations ++ [ o.file ]; })
        null
        opts;
    mergeDeclTree = prefix: decls:
      zipAttrsWith
        (n: ds:
          let
            loc = prefix ++ [ n ];
            opts = filter (d: isOption d.value) ds;
            trees = filter (d: !(isOption d.value)) ds;
          in
          if opts == [ ] then {
            _type = "optionTree";
            children = mergeDeclTree loc (map
              (d: if isAttrs d.value then d
                else throw "`${showOption loc}' in `${d.file}': expected an attribute set of option declarations")
              ds);
          }
          else if trees != [ ] then
            throw "option `${showOption loc}' (declared in `${(head opts).file}') is also the prefix of options declared in `${(head trees).file}'"
          else mergeOptionDecls loc opts)
        (map (d: mapAttrs (_: v: { inherit (d) file; value = v; }) d.value) decls);

    pushDown = loc: file: v:
      let t = propType v; in
      if t == "merge" then concatMap (pushDown loc file) v.contents
      else if t == "if" then map (mapAttrs (_: mkIf v.condition)) (pushDown loc file v.content)
      else if t == "override" then map (mapAttrs (_: mkOverride v.priority)) (pushDown loc file v.content)
      else if isAttrs v && t == null then [ v ]
      else throw "`${showOption loc}' holds options, so `${file}' must define it with an attribute set, not a ${if t != null then "lib.mk* ${t} property" else typeOf v}";

    evalOptionValue = requireAll: loc: opt: defs:
      let
        withDefault = defs ++ optional (opt ? default)
          { file = head (opt.declarations or [ "<unknown-file>" ]); value = mkOptionDefault opt.default; _isDefault = true; };
        m = mergeDefinitions loc opt.type withDefault;
        readOnlyOk =
          if (opt.readOnly or false) && length defs > 1 then
            throw "option `${showOption loc}': read-only, but defined ${toString (length defs)} times:${showDefs defs}"
          else true;
        value0 =
          if m.isDefined then seq readOnlyOk m.mergedValue
          else throw (noValue loc);
        value = if opt ? apply then opt.apply value0 else value0;
        # `_lazyDefault`: a default that may throw (like networking.fqdn's) is
        # only checked when something reads it.
        onlyDefault = all (d: d._isDefault or false) m.defsPrioritised;
        valid =
          if m.isDefined && (opt._lazyDefault or false) && onlyDefault then true
          else if m.isDefined then m.valid && seq readOnlyOk (seq value true)
          else if (opt._lazy or false) || !requireAll then true
          else value0;
      in
      opt // {
        inherit loc value valid;
        inherit (m) isDefined highestPrio;
        definitions = map (d: d.value) m.defsFinal;
        definitionsWithLocations = m.defsFinal;
        files = unique (map (d: d.file) m.defsFinal);
      };

    evalTree = requireAll: prefix: decls: defs:
      let
        byName = zipAttrsWith (n: ds: ds) (map (d: mapAttrs (_: v: { inherit (d) file; value = v; }) d.value) defs);
        sub = mapAttrs
          (n: decl:
            let
              loc = prefix ++ [ n ];
              ds = byName.${n} or [ ];
            in
            if isOption decl then { isOpt = true; opt = evalOptionValue requireAll loc decl ds; }
            else {
              isOpt = false;
              r = evalTree requireAll loc decl.children
                (concatMap (d: map (v: { inherit (d) file; value = v; }) (pushDown loc d.file d.value)) ds);
            })
          decls;
        unmatchedHere = concatMap
          (n: if decls ? ${n} then [ ] else map (d: { inherit (d) file value; prefix = [ n ]; }) byName.${n})
          (attrNames byName);
      in
      {
        config = mapAttrs (n: s: if s.isOpt then s.opt.value else s.r.config) sub;
        options = mapAttrs (n: s: if s.isOpt then s.opt else s.r.options) sub;
        unmatched = unmatchedHere ++ concatLists (mapAttrsToList
          (n: s: if s.isOpt then [ ] else map (u: u // { prefix = [ n ] ++ u.prefix; }) s.r.unmatched)
          sub);
        valid = all (n: n == "_module" || (let s = sub.${n}; in if s.isOpt then s.opt.valid else s.r.valid)) (attrNames sub);
      };

    evalModules =
      { modules
      , specialArgs ? { }
      , prefix ? [ ]
      , requireAll ? false
      , ...
      }:
      let
        internalModule = {
          _file = "<lib.evalModules>";
          options._module.args = mkOption {
            type = types.lazyAttrsOf types.raw;
            default = { };
            _lazy = true;
          };
        };
        context = { inherit lib config options specialArgs; } // specialArgs;
        callModule = file: f:
          let fa = functionArgs f; in
          if fa == { } then f context
          else f (mapAttrs
            (n: _: if context ? ${n} then context.${n}
              else config._module.args.${n} or (throw "The module `${file}' takes the argument `${n}', which no module or specialArgs provides."))
            fa);
        loadModule = parentFile: key: configOnly: m:
          let
            isFile = isPath m || isString m;
            file = if isFile then toString m else parentFile;
            raw = if isFile then import m else m;
            v = if isFunction raw then callModule file raw else raw;
          in
          unifyModule (if isAttrs v && v ? _file then toString v._file else file) key configOnly v;
        keyOf = parentKey: i: m:
          if isPath m then toString m
          else if isString m then m
          else if isAttrs m && m ? key then toString m.key
          else "${parentKey}:${toString i}";
        mkItem = parentFile: parentKey: i: m0:
          let
            configOnly = propType m0 == "configOnlyModule";
            m = if configOnly then m0.module else m0;
            key = keyOf parentKey i m;
          in
          { inherit key; module = loadModule parentFile key configOnly m; };
        closure = genericClosure {
          startSet = imap0 (mkItem "<unknown-file>" "<root>") ([ internalModule ] ++ modules);
          operator = it: imap0 (mkItem it.module.file it.key) it.module.imports;
        };
        allModules = map (it: it.module) closure;
        disabledKeys = map toString (concatMap (m: m.disabled) allModules);
        mods = filter (m: !(elem m.key disabledKeys)) allModules;

        declTree = mergeDeclTree prefix (map (m: { inherit (m) file; value = m.options; }) mods);
        topDefs = concatMap (m: map (v: { inherit (m) file; value = v; }) (pushDown prefix m.file m.config)) mods;
        merged = evalTree requireAll prefix declTree topDefs;

        freeformTypes = filter (t: t != null) (map (m: m.freeformType) mods);
        freeformType = if freeformTypes == [ ] then null else last freeformTypes;
        unmatched = merged.unmatched;
        freeform = mergeDefinitions prefix freeformType
          (map (u: { inherit (u) file; value = setAttrByPath u.prefix u.value; }) unmatched);
        hasFreeform = freeformType != null && unmatched != [ ];
        config = if hasFreeform then recursiveUpdate freeform.mergedValue merged.config else merged.config;
        options = merged.options;
        checkUnmatched =
          if freeformType == null && unmatched != [ ] then
            let u = head unmatched; in
            throw "option `${showOption (prefix ++ u.prefix)}' is not declared; it is defined in:${showDefs [ u ]}"
          else true;
      in
      {
        config = seq checkUnmatched (removeAttrs config [ "_module" ]);
        inherit options;
        _module = config._module;
        _validate = checkUnmatched && merged.valid && (if hasFreeform then freeform.valid else true);
      };

    # ------------------------------------------------------------------ types
    mkOptionType =
      { name
      , description ? null
      , descriptionClass ? null
      , check ? (x: true)
      , merge ? mergeDefaultOption
      , emptyValue ? { }
      , getSubOptions ? (prefix: { })
      , typeMerge ? null
      , nestedTypes ? { }
      , payload ? null
      , ...
      }:
      let
        self = {
          _type = "option-type";
          inherit name check merge emptyValue nestedTypes payload descriptionClass getSubOptions;
          description = if description == null then name else description;
          typeMerge =
            if typeMerge != null then typeMerge
            else other: if (other.name or null) == name && (other.payload or null) == payload && nestedTypes == { } then self else null;
        };
      in
      self;
    isType = name: t: isAttrs t && (t._type or null) == "option-type" && t.name == name;

    types = import ./types.nix lib;
  };
in
lib
