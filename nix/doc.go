// Package nix is the single place where hlcgen turns data into Nix source
// code. Every generated Nix value must be built from the constructors in this
// package and rendered with [Print] or [File]; generators must never splice
// strings into Nix code by hand.
//
// The package has two jobs:
//
//  1. Escaping. User-controlled text (host names, Helm values, HAProxy
//     configs, attribute names, …) is only ever emitted through [String],
//     [MultilineString], [Key] or [FromGo], which escape according to the
//     lexical rules of the Nix language so that the text evaluates to exactly
//     the input and can never start an interpolation (`${`) or terminate the
//     literal early. The rules were checked against the real Nix lexer
//     (nix-instantiate 2.8) by the tests in this package.
//
//  2. Formatting. The printer produces deterministic output that follows the
//     standard Nix format (RFC 166 / nixfmt) closely: two-space indentation,
//     non-empty attribute sets always expanded one binding per line, short
//     lists of scalars on one line, absorption of a trailing attribute
//     set/list argument (`lib.mkIf cond {`), `let … in` and function headers
//     laid out like nixfmt. The output is byte-for-byte deterministic: the
//     same Expr always prints the same bytes.
//
// # Trust boundary
//
// Everything is escaped except [Raw], which emits verbatim code. Raw exists
// for constant snippets written by hlcgen developers and must never receive
// data derived from user input.
//
// # What cannot be represented
//
// Nix strings are NUL-terminated C strings internally: a NUL byte in a string
// literal silently truncates the string (verified with Nix 2.8, `"x\0y"`
// evaluates to "x"). Because silent truncation is a correctness and security
// hazard, [String], [MultilineString] and [Key] panic on NUL bytes and
// [FromGo] returns an error; validate input with [CheckString] first.
//
// Some attribute names are syntactically fine but semantically special in Nix
// (`outPath`, `__toString`, `__functor`, `type = "derivation"`): they change
// how the set is coerced to a string or JSON. The printer quotes them
// correctly but cannot neutralise their meaning.
package nix
