// Package schema embeds the CUE schema of cluster.hcl and the JSON Schemas of
// the consumers hlcgen checks its output against.
package schema

import (
	"embed"
)

//go:embed cluster.cue
var ClusterCUE []byte

// JSONSchemas holds the consumers' JSON Schemas (deploy-rs, sops).
//
//go:embed *.json
var JSONSchemas embed.FS
