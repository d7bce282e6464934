# Option types for the miniature module system in lib.nix. Checks and merge
# rules follow nixpkgs' lib/types.nix as the NixOS manual documents them; the
# code and the descriptions (the names types go by in error messages) are
# our own.
lib:
let
  inherit (lib)
    mkOptionType mkMergeV runMerge mergeDefinitions mergeEqualOption mergeOneOption
    mergeUniqueOption mergeDefaultOption showOption showFiles getValues getFiles
    isAttrs isList isString isInt isBool isFloat isFunction isPath isStringLike
    elem all filter head tail last length concatLists concatMap concatStringsSep
    concatMapStringsSep imap1 mapAttrs filterAttrs attrValues zipAttrsWith foldl'
    hasPrefix hasInfix removeSuffix match substring toJSON typeOf boolToString deepSeq
    toList optional flip;

  # Parenthesise a nested type's description unless its class allows it bare.
  phrase = ok: t: if ok (t.descriptionClass or null) then t.description else "(${t.description})";
  wrapMerge = name: elemType: mk: other:
    if (other.name or null) == name then
      let m = elemType.typeMerge other.nestedTypes.elemType; in if m == null then null else mk m
    else null;
in
rec {
  inherit mkOptionType;

  raw = mkOptionType {
    name = "raw";
    description = "raw value";
    descriptionClass = "noun";
    merge = mergeOneOption;
  };

  unspecified = mkOptionType {
    name = "unspecified";
    description = "unspecified value";
    descriptionClass = "noun";
    merge = mergeDefaultOption;
  };

  anything = mkOptionType {
    name = "anything";
    description = "anything";
    descriptionClass = "noun";
    merge = mkMergeV (loc: defs:
      let
        getType = v: if isAttrs v && isStringLike v then "stringCoercibleSet" else typeOf v;
        commonType = foldl'
          (t: d: if getType d.value == t then t
            else throw "option `${showOption loc}': definitions of different kinds in ${showFiles (getFiles defs)}")
          (getType (head defs).value)
          defs;
      in
      if commonType == "set" then runMerge (attrsOf anything) loc defs
      else if commonType == "lambda" then {
        value = arg: (runMerge anything (loc ++ [ "<function body>" ])
          (map (d: { inherit (d) file; value = d.value arg; }) defs)).value;
        valid = true;
      }
      else if commonType == "stringCoercibleSet" then { value = mergeOneOption loc defs; valid = true; }
      else let v = mergeEqualOption loc defs; in { value = v; valid = deepSeq v true; });
  };

  bool = mkOptionType {
    name = "bool";
    description = "boolean";
    descriptionClass = "noun";
    check = isBool;
    merge = mergeEqualOption;
  };

  boolByOr = mkOptionType {
    name = "boolByOr";
    description = "boolean (true if any definition is)";
    descriptionClass = "noun";
    check = isBool;
    merge = loc: defs: lib.any lib.id (getValues defs);
  };

  int = mkOptionType {
    name = "int";
    description = "signed integer";
    descriptionClass = "noun";
    check = isInt;
    merge = mergeEqualOption;
  };

  ints = rec {
    between = lo: hi: addCheck int (x: x >= lo && x <= hi) // {
      name = "intBetween";
      description = "integer in ${toString lo}..${toString hi}";
    };
    unsign = bits: range: addCheck int (x: x >= 0 && x < range) // {
      name = "unsignedInt${toString bits}";
      description = "unsigned ${toString bits}-bit integer (0..${toString (range - 1)})";
    };
    sign = bits: range: addCheck int (x: x >= 0 - range / 2 && x < range / 2) // {
      name = "signedInt${toString bits}";
      description = "signed ${toString bits}-bit integer (${toString (0 - range / 2)}..${toString (range / 2 - 1)})";
    };
    unsigned = addCheck int (x: x >= 0) // {
      name = "unsignedInt";
      description = "integer >= 0";
    };
    positive = addCheck int (x: x > 0) // {
      name = "positiveInt";
      description = "integer > 0";
    };
    u8 = unsign 8 256;
    u16 = unsign 16 65536;
    u32 = unsign 32 4294967296;
    s8 = sign 8 256;
    s16 = sign 16 65536;
    s32 = sign 32 4294967296;
  };

  port = ints.u16;

  float = mkOptionType {
    name = "float";
    description = "floating point number";
    descriptionClass = "noun";
    check = isFloat;
    merge = mergeEqualOption;
  };

  number = either int float;

  numbers = {
    between = lo: hi: addCheck number (x: x >= lo && x <= hi) // {
      name = "numberBetween";
      description = "number in ${toString lo}..${toString hi}";
    };
    nonnegative = addCheck number (x: x >= 0) // {
      name = "numberNonnegative";
      description = "number >= 0";
    };
    positive = addCheck number (x: x > 0) // {
      name = "numberPositive";
      description = "number > 0";
    };
  };

  str = mkOptionType {
    name = "str";
    description = "string";
    descriptionClass = "noun";
    check = isString;
    merge = mergeEqualOption;
  };

  nonEmptyStr = mkOptionType {
    name = "nonEmptyStr";
    description = "non-empty string";
    descriptionClass = "noun";
    check = x: isString x && match "[[:space:]]*" x == null;
    merge = mergeEqualOption;
  };

  singleLineStr = mkOptionType {
    name = "singleLineStr";
    description = "single-line string (a final newline is dropped)";
    descriptionClass = "noun";
    check = x: isString x && match "[^\n\r]*\n?" x != null;
    merge = loc: defs: removeSuffix "\n" (mergeEqualOption loc defs);
  };

  strMatching = pattern: mkOptionType {
    name = "strMatching ${toJSON pattern}";
    description = "string matching ${pattern}";
    descriptionClass = "noun";
    check = x: isString x && match pattern x != null;
    merge = mergeEqualOption;
  };

  separatedString = sep: mkOptionType {
    name = "separatedString";
    description = if sep == "" then "string (definitions joined)" else "string (definitions joined by ${toJSON sep})";
    descriptionClass = "noun";
    check = isString;
    merge = loc: defs: concatStringsSep sep (getValues defs);
    payload = sep;
  };

  lines = separatedString "\n";
  commas = separatedString ",";
  envVar = separatedString ":";
  string = separatedString "" // { name = "string"; };

  passwdEntry = entryType: addCheck entryType (s: !(hasInfix ":" s || hasInfix "\n" s)) // {
    name = "passwdEntry ${entryType.name}";
    description = "${phrase (c: c == "noun") entryType} without colons or newlines";
    descriptionClass = "noun";
  };

  attrs = mkOptionType {
    name = "attrs";
    description = "attribute set";
    descriptionClass = "noun";
    check = isAttrs;
    merge = loc: foldl' (res: def: res // def.value) { };
    emptyValue = { value = { }; };
  };

  # nixpkgs accepts derivations and store paths; the harness's stub packages
  # are "/nix/store/stub-<name>" strings.
  package = mkOptionType {
    name = "package";
    description = "package";
    descriptionClass = "noun";
    check = x: isAttrs x || (isString x && hasPrefix "/nix/store/" x);
    merge = mergeOneOption;
  };

  shellPackage = package // {
    check = x: isAttrs x && x ? shellPath;
  };

  path = mkOptionType {
    name = "path";
    description = "path";
    descriptionClass = "noun";
    check = x: isStringLike x && substring 0 1 (toString x) == "/";
    merge = mergeEqualOption;
  };

  pathInStore = addCheck path (x: hasPrefix "/nix/store/" (toString x)) // {
    name = "pathInStore";
    description = "path under /nix/store";
  };

  externalPath = addCheck path (x: !(hasPrefix "/nix/store/" (toString x))) // {
    name = "externalPath";
    description = "absolute path outside /nix/store";
  };

  listOf = elemType: mkOptionType {
    name = "listOf";
    description = "list of ${phrase (c: c == "noun" || c == "composite") elemType}";
    descriptionClass = "composite";
    check = isList;
    merge = mkMergeV (loc: defs:
      let
        elems = concatLists (imap1
          (n: def: imap1
            (m: v: mergeDefinitions (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType
              [{ inherit (def) file; value = v; }])
            def.value)
          defs);
        defined = filter (r: r.isDefined) elems;
      in
      { value = map (r: r.mergedValue) defined; valid = all (r: r.valid) defined; });
    emptyValue = { value = [ ]; };
    nestedTypes.elemType = elemType;
    typeMerge = wrapMerge "listOf" elemType listOf;
  };

  nonEmptyListOf = elemType:
    let list = addCheck (listOf elemType) (l: l != [ ]); in
    list // { description = "non-empty ${phrase (c: c == "noun") list}"; emptyValue = { }; };

  attrsWith = { elemType, lazy ? false, placeholder ? "name" }: mkOptionType {
    name = if lazy then "lazyAttrsOf" else "attrsOf";
    description = (if lazy then "lazy attribute set" else "attribute set")
      + " of ${phrase (c: c == "noun" || c == "composite") elemType}";
    descriptionClass = "composite";
    check = isAttrs;
    merge = mkMergeV (loc: defs:
      let
        per = zipAttrsWith (name: ds: mergeDefinitions (loc ++ [ name ]) elemType ds)
          (map (def: mapAttrs (_: v: { inherit (def) file; value = v; }) def.value) defs);
      in
      {
        value =
          if lazy then
            mapAttrs (n: r: if r.isDefined then r.mergedValue
              else elemType.emptyValue.value or (throw (lib.noValue (loc ++ [ n ]))))
              per
          else mapAttrs (n: r: r.mergedValue) (filterAttrs (n: r: r.isDefined) per);
        valid = all (r: !r.isDefined || r.valid) (attrValues per);
      });
    emptyValue = { value = { }; };
    nestedTypes.elemType = elemType;
    typeMerge = other:
      if (other.name or null) == (if lazy then "lazyAttrsOf" else "attrsOf") then
        let m = elemType.typeMerge other.nestedTypes.elemType; in
        if m == null then null else attrsWith { elemType = m; inherit lazy placeholder; }
      else null;
  };
  attrsOf = elemType: attrsWith { inherit elemType; };
  lazyAttrsOf = elemType: attrsWith { inherit elemType; lazy = true; };

  unique = { message }: type: mkOptionType {
    name = "unique";
    inherit (type) description descriptionClass check;
    merge = mergeUniqueOption { inherit message; };
    inherit (type) emptyValue;
    nestedTypes.elemType = type;
  };
  uniq = unique { message = ""; };

  nullOr = elemType: mkOptionType {
    name = "nullOr";
    description = "null or ${phrase (c: c == "noun" || c == "conjunction") elemType}";
    descriptionClass = "conjunction";
    check = x: x == null || elemType.check x;
    merge = mkMergeV (loc: defs:
      let nulls = filter (d: d.value == null) defs; in
      if nulls == defs then { value = null; valid = true; }
      else if nulls != [ ] then
        throw "option `${showOption loc}': null in some definitions and not in others (${showFiles (getFiles defs)})"
      else runMerge elemType loc defs);
    emptyValue = { value = null; };
    nestedTypes.elemType = elemType;
    typeMerge = wrapMerge "nullOr" elemType nullOr;
  };

  functionTo = elemType: mkOptionType {
    name = "functionTo";
    description = "function returning ${phrase (c: c == "noun" || c == "composite") elemType}";
    descriptionClass = "composite";
    check = isFunction;
    merge = mkMergeV (loc: defs: {
      value = fnArgs: (runMerge elemType (loc ++ [ "<function body>" ])
        (map (fn: { inherit (fn) file; value = fn.value fnArgs; }) defs)).value;
      valid = true;
    });
    nestedTypes.elemType = elemType;
  };

  enum = values:
    let
      show = v: if isString v then ''"${v}"'' else if isInt v then toString v
        else if isBool v then boolToString v else "<${typeOf v}>";
    in
    mkOptionType {
      name = "enum";
      description =
        if values == [ ] then "nothing (an empty enum)"
        else if length values == 1 then "the value ${show (head values)}"
        else "one of ${concatMapStringsSep ", " show values}";
      descriptionClass = if length values < 2 then "noun" else "conjunction";
      check = flip elem values;
      merge = mergeEqualOption;
      payload = values;
      typeMerge = other: if (other.name or null) == "enum" then enum (unique' (values ++ other.payload)) else null;
    };
  unique' = lib.unique;

  either = t1: t2: mkOptionType {
    name = "either";
    description = "${phrase (c: c == "noun" || c == "conjunction") t1} or ${phrase (c: c == "noun" || c == "conjunction" || c == "composite") t2}";
    descriptionClass = "conjunction";
    check = x: t1.check x || t2.check x;
    merge = mkMergeV (loc: defs:
      let vs = getValues defs; in
      if all t1.check vs then runMerge t1 loc defs
      else if all t2.check vs then runMerge t2 loc defs
      else { value = mergeOneOption loc defs; valid = true; });
    nestedTypes = { left = t1; right = t2; };
    typeMerge = other:
      if (other.name or null) == "either" then
        let
          l = t1.typeMerge other.nestedTypes.left;
          r = t2.typeMerge other.nestedTypes.right;
        in
        if l == null || r == null then null else either l r
      else null;
  };

  oneOf = ts:
    if ts == [ ] then throw "types.oneOf: the list of types is empty"
    else foldl' either (head ts) (tail ts);

  coercedTo = coercedType: coerceFunc: finalType: mkOptionType {
    name = "coercedTo";
    description = "${phrase (c: c == "noun") finalType} (or ${phrase (c: c == "noun") coercedType}, converted)";
    check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
    merge = mkMergeV (loc: defs:
      runMerge finalType loc
        (map (d: d // { value = if coercedType.check d.value then coerceFunc d.value else d.value; }) defs));
    emptyValue = finalType.emptyValue;
    nestedTypes = { inherit coercedType finalType; };
    typeMerge = _: null;
  };

  addCheck = elemType: check: elemType // { check = x: elemType.check x && check x; };

  submoduleWith =
    { modules
    , specialArgs ? { }
    , shorthandOnlyDefinesConfig ? false
    , description ? null
    , class ? null
    }:
    let
      defModules = defs: map
        (def: {
          _file = def.file;
          imports = [
            (if shorthandOnlyDefinesConfig && !(isPath def.value)
            then { _type = "configOnlyModule"; module = def.value; }
            else def.value)
          ];
        })
        defs;
      evalFor = loc: defs: lib.evalModules {
        modules = [{ _file = "<submodule ${showOption loc}>"; _module.args.name = lib.mkOptionDefault (last loc); }]
          ++ modules ++ defModules defs;
        inherit specialArgs;
        prefix = loc;
        requireAll = true;
      };
    in
    mkOptionType {
      name = "submodule";
      description = if description != null then description else "submodule";
      check = x: isAttrs x || isFunction x || isPath x;
      merge = mkMergeV (loc: defs: let e = evalFor loc defs; in { value = e.config; valid = e._validate; });
      emptyValue = { value = { }; };
      payload = { inherit modules specialArgs shorthandOnlyDefinesConfig; };
      typeMerge = other:
        if (other.name or null) == "submodule" then
          submoduleWith {
            modules = modules ++ other.payload.modules;
            specialArgs = specialArgs // other.payload.specialArgs;
            shorthandOnlyDefinesConfig = shorthandOnlyDefinesConfig && other.payload.shorthandOnlyDefinesConfig;
            inherit description;
          }
        else null;
    };

  submodule = modules: submoduleWith {
    shorthandOnlyDefinesConfig = true;
    modules = toList modules;
  };

  deferredModule = mkOptionType {
    name = "deferredModule";
    description = "module";
    descriptionClass = "noun";
    check = x: isAttrs x || isFunction x || isPath x;
    merge = loc: defs: { imports = map (d: { _file = d.file; imports = [ d.value ]; }) defs; };
  };
}
