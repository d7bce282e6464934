package nix_test

import (
	"strings"
	"testing"

	"github.com/hlcgen/hlcgen/nix"
)

func mustPath(t testing.TB, rel string) nix.Expr {
	t.Helper()
	p, err := nix.Path(rel)
	if err != nil {
		t.Fatalf("Path(%q): %v", rel, err)
	}
	return p
}

type golden struct {
	name string
	expr nix.Expr
	want string
}

// goldens returns formatting cases. TestGoldenParse feeds every expected
// output to nix-instantiate --parse.
func goldens(t testing.TB) []golden {
	longList := make([]nix.Expr, 0, 12)
	for _, s := range strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima") {
		longList = append(longList, nix.String(s))
	}
	return []golden{
		{"string", nix.String(`a "b" \c ${d} $${e} $f` + "\n\t\r"), `"a \"b\" \\c \${d} $\${e} $f\n\t\r"`},
		{"string dollar end", nix.String("$"), `"$"`},
		{"blank lines", nix.NewAttrs().Blank().Set("a", nix.Int(1)).Blank().Blank().Comment("b").Set("b", nix.Int(2)).Blank(), "{\n  a = 1;\n\n  # b\n  b = 2;\n}"},
		{"interpolation", nix.Interpolate("${x} $", nix.Select(nix.Var("pkgs"), "procps"), "/bin/pgrep"), `"\${x} \$${pkgs.procps}/bin/pgrep"`},
		{"string unicode", nix.String("é😀\u2028"), "\"é😀\u2028\""},
		{"int", nix.Int(42), "42"},
		{"negative int", nix.Int(-7), "-7"},
		{"min int", nix.Int(-9223372036854775808), "(-9223372036854775807 - 1)"},
		{"float", nix.Float(1.5), "1.5"},
		{"integral float", nix.Float(2), "2.0"},
		{"negative float", nix.Float(-0.25), "-0.25"},
		{"small float", nix.Float(1e-7), "1.0e-07"},
		{"large float", nix.Float(1e21), "1.0e+21"},
		{"medium float", nix.Float(123456789.125), "123456789.125"},
		{"subnormal float", nix.Float(5e-324), "(2.0501330894674953e-143 * 2.409919865102884e-181)"},
		{"bools and null", nix.List(nix.Bool(true), nix.Bool(false), nix.Null()), "[ true false null ]"},
		{"empty list", nix.List(), "[ ]"},
		{"empty attrs", nix.NewAttrs(), "{ }"},
		{"short list", nix.List(nix.Int(1), nix.Int(-2), nix.String("x"), mustPath(t, "a.nix")), `[ 1 (-2) "x" ./a.nix ]`},
		{"long list", nix.List(longList...), `[
  "alpha"
  "bravo"
  "charlie"
  "delta"
  "echo"
  "foxtrot"
  "golf"
  "hotel"
  "india"
  "juliett"
  "kilo"
  "lima"
]`},
		{"list of sets", nix.List(nix.NewAttrs().Set("a", nix.Int(1)), nix.NewAttrs()), `[
  {
    a = 1;
  }
  { }
]`},
		{"nested list", nix.List(nix.List(nix.Int(1))), `[
  [ 1 ]
]`},
		{"attrs", nix.NewAttrs().
			Set("b", nix.Int(1)).
			Set("a", nix.NewAttrs().Set("c", nix.String("x"))).
			Set("let", nix.Bool(true)).
			Set("with space", nix.Null()).
			Set("", nix.Int(0)).
			Set("b", nix.Int(2)), `{
  b = 2;
  a = {
    c = "x";
  };
  "let" = true;
  "with space" = null;
  "" = 0;
}`},
		{"set path", nix.NewAttrs().
			SetPath([]string{"services", "nginx", "virtualHosts", "a.example.com", "root"}, mustPath(t, "../www")).
			SetPath([]string{"x"}, nix.Int(1)), `{
  services.nginx.virtualHosts."a.example.com".root = ../www;
  x = 1;
}`},
		{"comments", nix.NewAttrs().
			Comment("first\nsecond\r\nthird\x00").
			Set("a", nix.Int(1)).
			Comment("").
			Set("b", nix.Int(2)).
			Comment("trailing"), `{
  # first
  # second
  # third` + "\uFFFD" + `
  a = 1;
  #
  b = 2;
  # trailing
}`},
		{"only comment", nix.NewAttrs().Comment("nothing here"), `{
  # nothing here
}`},
		{"inherit", nix.NewAttrs().
			Inherit("lib", "pkgs").
			InheritFrom(nix.Var("lib"), "mkIf", "mkDefault"), `{
  inherit lib pkgs;
  inherit (lib) mkIf mkDefault;
}`},
		{"long inherit", nix.NewAttrs().InheritFrom(nix.Select(nix.Var("lib"), "strings"),
			"concatStringsSep", "concatMapStringsSep", "optionalString", "escapeShellArg"), `{
  inherit (lib.strings)
    concatStringsSep
    concatMapStringsSep
    optionalString
    escapeShellArg
    ;
}`},
		{"select", nix.Select(nix.Var("config"), "services", "a/b", "or", "x-y"), `config.services."a/b"."or".x-y`},
		{"select on apply", nix.Select(nix.Apply(nix.Var("f"), nix.Var("x")), "y"), `(f x).y`},
		{"apply", nix.Apply(nix.Var("f"), nix.Int(-1), nix.Apply(nix.Var("g"), nix.Var("x")), nix.String("s")), `f (-1) (g x) "s"`},
		{"apply absorbs set", nix.NewAttrs().Set("config", nix.Apply(nix.Select(nix.Var("lib"), "mkIf"),
			nix.Select(nix.Var("cfg"), "enable"), nix.NewAttrs().Set("a", nix.Int(1)))), `{
  config = lib.mkIf cfg.enable {
    a = 1;
  };
}`},
		{"apply expanded", nix.Apply(nix.Var("f"), nix.NewAttrs().Set("a", nix.Int(1)), nix.Var("x")), `f
  {
    a = 1;
  }
  x`},
		{"apply parenthesised lambda", nix.Apply(nix.Select(nix.Var("stdenv"), "mkDerivation"),
			nix.LambdaIdent("finalAttrs", nix.NewAttrs().Set("name", nix.String("x")))), `stdenv.mkDerivation (finalAttrs: {
  name = "x";
})`},
		{"apply long", nix.NewAttrs().Set("value", nix.Apply(nix.Var("someFunction"),
			nix.String("a rather long argument"), nix.String("another even longer argument, really"), nix.Var("xyz"))), `{
  value =
    someFunction
      "a rather long argument"
      "another even longer argument, really"
      xyz;
}`},
		{"apply style 2", nix.NewAttrs().Set("value", nix.Apply(nix.Var("someFunction"),
			nix.String("a rather long argument"), nix.String("another rather long argument"), nix.Var("x"))), `{
  value =
    someFunction "a rather long argument" "another rather long argument" x;
}`},
		{"lambda module", nix.Lambda([]string{"config", "lib", "pkgs"}, true,
			nix.NewAttrs().Set("a", nix.Int(1))), `{
  config,
  lib,
  pkgs,
  ...
}:
{
  a = 1;
}`},
		{"lambda short", nix.Lambda([]string{"pkgs"}, false, nix.Select(nix.Var("pkgs"), "hello")), `{ pkgs }: pkgs.hello`},
		{"lambda short set body", nix.Lambda([]string{"lib"}, true, nix.NewAttrs().Set("a", nix.Int(1))), `{ lib, ... }:
{
  a = 1;
}`},
		{"lambda ellipsis only", nix.Lambda(nil, true, nix.NewAttrs()), `{ ... }: { }`},
		{"lambda in binding", nix.NewAttrs().Set("f", nix.Lambda([]string{"a"}, false, nix.NewAttrs().Set("b", nix.Var("a")))), `{
  f =
    { a }:
    {
      b = a;
    };
}`},
		{"lambda ident", nix.NewAttrs().
			Set("id", nix.LambdaIdent("x", nix.Var("x"))).
			Set("mk", nix.LambdaIdent("name", nix.NewAttrs().Set("n", nix.Var("name")))), `{
  id = x: x;
  mk = name: {
    n = name;
  };
}`},
		{"let", nix.Let(nix.NewAttrs().Set("a", nix.Int(1)).Inherit("b"), nix.List(nix.Var("a"), nix.Var("b"))), `let
  a = 1;
  inherit b;
in
[ a b ]`},
		{"let in binding", nix.NewAttrs().Set("x", nix.Let(nix.NewAttrs().Set("a", nix.Int(1)), nix.Var("a"))), `{
  x =
    let
      a = 1;
    in
    a;
}`},
		{"concat", nix.Concat(nix.List(nix.String("a")), nix.Apply(nix.Var("optionals"), nix.Var("c"), nix.List(nix.String("b")))),
			`[ "a" ] ++ optionals c [ "b" ]`},
		{"concat chain flattens", nix.Concat(nix.Concat(nix.Var("a"), nix.Var("b")), nix.Var("c")), `a ++ b ++ c`},
		{"concat absorbs", nix.NewAttrs().Set("l", nix.Concat(nix.Var("base"), nix.List(longList...))), `{
  l = base ++ [
    "alpha"
    "bravo"
    "charlie"
    "delta"
    "echo"
    "foxtrot"
    "golf"
    "hotel"
    "india"
    "juliett"
    "kilo"
    "lima"
  ];
}`},
		{"concat expanded", nix.NewAttrs().Set("l", nix.Concat(nix.List(longList...), nix.Var("more"))), `{
  l =
    [
      "alpha"
      "bravo"
      "charlie"
      "delta"
      "echo"
      "foxtrot"
      "golf"
      "hotel"
      "india"
      "juliett"
      "kilo"
      "lima"
    ]
    ++ more;
}`},
		{"concat in list", nix.List(nix.Concat(nix.Var("a"), nix.Var("b"))), `[
  (a ++ b)
]`},
		{"raw", nix.NewAttrs().
			Set("simple", nix.Raw("lib.mkDefault")).
			Set("call", nix.Apply(nix.Raw("lib.mkForce"), nix.Raw("1 + 1"))).
			Set("multi", nix.Raw("if a then\n  b\nelse\n  c")), `{
  simple = lib.mkDefault;
  call = lib.mkForce (1 + 1);
  multi =
    if a then
      b
    else
      c;
}`},
		{"multiline string", nix.NewAttrs().Set("cfg", nix.MultilineString("global\n    maxconn 100\n\n\tx ${y} '' '\n")), `{
  cfg = ''
    global
        maxconn 100

    	x ''${y} ''' '
  '';
}`},
		{"multiline no trailing newline", nix.NewAttrs().Set("s", nix.MultilineString("a\nb'")), `{
  s = ''
    a
    b''\''';
}`},
		{"multiline fallback indented", nix.MultilineString("  a\n  b\n"), `"  a\n  b\n"`},
		{"multiline fallback single line", nix.MultilineString("abc"), `"abc"`},
		{"multiline fallback CR", nix.MultilineString("a\r\nb\r\n"), `"a\r\nb\r\n"`},
		{"multiline fallback spaces last line", nix.MultilineString("a\n  "), `"a\n  "`},
		{"multiline in list", nix.List(nix.MultilineString("a\nb\n")), `[
  ''
    a
    b
  ''
]`},
		{"sorted attrs", nix.SortedAttrs(map[string]nix.Expr{"b": nix.Int(2), "a": nix.Int(1), "B": nix.Int(0)}), `{
  B = 0;
  a = 1;
  b = 2;
}`},
		{"paths", nix.List(mustPath(t, "."), mustPath(t, ".."), mustPath(t, "./x/y.nix"), mustPath(t, "../../hardware/cp1.nix")),
			`[ ./. ../. ./x/y.nix ../../hardware/cp1.nix ]`},
	}
}

func TestGolden(t *testing.T) {
	for _, g := range goldens(t) {
		t.Run(g.name, func(t *testing.T) {
			got := nix.Print(g.expr)
			if got != g.want {
				t.Errorf("Print mismatch\n--- got:\n%s\n--- want:\n%s", got, g.want)
			}
			if again := nix.Print(g.expr); again != got {
				t.Errorf("Print is not deterministic")
			}
		})
	}
}

func TestFile(t *testing.T) {
	got := string(nix.File("generated by hlcgen; do not edit\nsecond", nix.NewAttrs().Set("a", nix.Int(1))))
	want := "# generated by hlcgen; do not edit\n# second\n{\n  a = 1;\n}\n"
	if got != want {
		t.Errorf("File = %q, want %q", got, want)
	}
	if got := string(nix.File("", nix.Int(1))); got != "1\n" {
		t.Errorf("File without header = %q", got)
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"foo": "foo", "foo-bar": "foo-bar", "foo'": "foo'", "_x1": "_x1",
		"": `""`, "1abc": `"1abc"`, "-x": `"-x"`, "'x": `"'x"`,
		"a.b": `"a.b"`, "a b": `"a b"`, "a/b": `"a/b"`, "${x}": `"\${x}"`,
		"if": `"if"`, "then": `"then"`, "else": `"else"`, "assert": `"assert"`,
		"with": `"with"`, "let": `"let"`, "in": `"in"`, "rec": `"rec"`,
		"inherit": `"inherit"`, "or": `"or"`, "__curPos": `"__curPos"`,
		"true": "true", "null": "null", "é": `"é"`,
	} {
		if got := nix.Key(in); got != want {
			t.Errorf("Key(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"a": "./a", "a/b.nix": "./a/b.nix", "./a": "./a", "../a": "../a",
		"../../hardware/cp1.nix": "../../hardware/cp1.nix", ".": "./.", "..": "../.",
		"a+b_c-d.e": "./a+b_c-d.e", "./.hidden": "./.hidden",
	} {
		p, err := nix.Path(in)
		if err != nil {
			t.Errorf("Path(%q): %v", in, err)
			continue
		}
		if got := nix.Print(p); got != want {
			t.Errorf("Path(%q) = %s, want %s", in, got, want)
		}
	}
	for _, in := range []string{"", "/abs", "a/", "a//b", "a b", "${x}", "a$b", "~/x", "<nixpkgs>",
		"a\nb", "é", "a:b", "a\"b", "a\\b", "a'b", "./", "a/./", "a@b", "a#b", "a,b"} {
		if p, err := nix.Path(in); err == nil {
			t.Errorf("Path(%q) = %s, want error", in, nix.Print(p))
		}
	}
}

func TestNULPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"String":          func() { nix.String("a\x00b") },
		"MultilineString": func() { nix.MultilineString("a\n\x00b\n") },
		"Key":             func() { nix.Key("a\x00") },
		"Set":             func() { nix.NewAttrs().Set("\x00", nix.Null()) },
		"Select":          func() { nix.Select(nix.Var("x"), "\x00") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f()
		})
	}
	if err := nix.CheckString("a\x00"); err == nil {
		t.Error("CheckString accepted NUL")
	}
	if err := nix.CheckString("a\x01\n"); err != nil {
		t.Errorf("CheckString: %v", err)
	}
}

func TestInvalidNamesPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"Var keyword":     func() { nix.Var("let") },
		"Var empty":       func() { nix.Var("") },
		"Var dash":        func() { nix.Var("-a") },
		"Lambda param":    func() { nix.Lambda([]string{"a b"}, false, nix.Null()) },
		"LambdaIdent":     func() { nix.LambdaIdent("or", nix.Null()) },
		"Float NaN":       func() { nix.Float(nan()) },
		"nil list item":   func() { nix.List(nil) },
		"empty SetPath":   func() { nix.NewAttrs().SetPath(nil, nix.Null()) },
		"nil Apply arg":   func() { nix.Apply(nix.Var("f"), nil) },
		"nil binding val": func() { nix.NewAttrs().Set("a", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f()
		})
	}
}

func TestLen(t *testing.T) {
	a := nix.NewAttrs().Set("a", nix.Int(1)).Set("a", nix.Int(2)).SetPath([]string{"b", "c"}, nix.Int(3)).
		Inherit("x", "y").Comment("c")
	if a.Len() != 4 {
		t.Errorf("Len = %d, want 4", a.Len())
	}
}

func TestRawReindent(t *testing.T) {
	got := nix.Print(nix.NewAttrs().Set("a", nix.NewAttrs().Set("b", nix.Apply(nix.Var("f"), nix.Raw("x:\n  y\n\nz")))))
	want := "{\n  a = {\n    b = f (\n      x:\n        y\n\n      z\n    );\n  };\n}"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
