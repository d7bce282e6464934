// Package templates holds the file skeletons hlcgen fills in. A skeleton
// gives a generated file its shape: the fixed NixOS code, its comments and
// its layout. Every value that comes from cluster.hcl enters through an
// action that calls one of the Nix printer's functions (package nix), never
// as raw text; generator/nixos tests walk every action of every template to
// prove it.
package templates

import "embed"

// FS holds the skeletons, one file per generated file, by generator:
// nixos/<module>.nix.tmpl is the skeleton of generated/modules/<module>.nix.
//
//go:embed nixos/*.nix.tmpl
var FS embed.FS
