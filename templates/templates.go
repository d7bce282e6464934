// Package templates holds the starter files `hlcgen init` writes into a new
// homelab repository (templates/init): a commented cluster.hcl, the flake
// and Makefile that consume hlcgen's outputs, a placeholder hardware module
// and a pre-commit config. They are real templates: static text with a few
// markers (@NODE@, @VERSION@) that package scaffold fills in, and they
// become the user's own files.
//
// Generated files have no templates: every one of them is built with the
// Nix printer (package nix) or a YAML library.
package templates

import "embed"

// Init holds the starter files, under init/.
//
//go:embed init
var Init embed.FS
