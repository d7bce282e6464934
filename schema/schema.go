// Package schema embeds the CUE schema of cluster.hcl and the JSON Schemas of
// the consumers hlcgen checks its output against before writing it.
package schema

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ClusterCUE is the schema of cluster.hcl; `hlcgen schema` prints it.
//
//go:embed cluster.cue
var ClusterCUE []byte

// k3sFlags is the list of k3s's flags (k3s-flags.txt).
//
//go:embed k3s-flags.txt
var k3sFlags string

// K3sCommand says which k3s subcommands define a flag.
type K3sCommand struct{ Server, Agent bool }

// K3sFlags maps each k3s flag, without its dashes ("kubelet-arg", "v"), to
// the subcommands that define it.
var K3sFlags = sync.OnceValue(func() map[string]K3sCommand {
	out := map[string]K3sCommand{}
	for _, line := range strings.Split(k3sFlags, "\n") {
		cmd, flag, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || strings.HasPrefix(cmd, "#") {
			continue
		}
		name := strings.TrimLeft(flag, "-")
		c := out[name]
		switch cmd {
		case "server":
			c.Server = true
		case "agent":
			c.Agent = true
		}
		out[name] = c
	}
	return out
})

// consumers holds the consumers' JSON Schemas, one file per consumer:
// deploy-rs.schema.json, sops.schema.json.
//
//go:embed *.schema.json
var consumers embed.FS

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	compileErr  error
)

func compileAll() {
	compiled = map[string]*jsonschema.Schema{}
	entries, err := consumers.ReadDir(".")
	if err != nil {
		compileErr = err
		return
	}
	c := jsonschema.NewCompiler()
	for _, e := range entries {
		b, _ := consumers.ReadFile(e.Name())
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			compileErr = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
		if err := c.AddResource(e.Name(), doc); err != nil {
			compileErr = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
	}
	for _, e := range entries {
		s, err := c.Compile(e.Name())
		if err != nil {
			compileErr = fmt.Errorf("schema %s: %w", e.Name(), err)
			return
		}
		compiled[e.Name()] = s
	}
}

// Check validates a JSON-shaped Go value (decoded with encoding/json or
// jsonschema.UnmarshalJSON, so numbers are json.Number or float64) against
// the named embedded consumer schema, e.g. "deploy-rs.schema.json".
func Check(name string, doc any) error {
	compileOnce.Do(compileAll)
	if compileErr != nil {
		return compileErr
	}
	s, ok := compiled[name]
	if !ok {
		return fmt.Errorf("no embedded schema %q", name)
	}
	return s.Validate(doc)
}

// CheckJSON validates JSON bytes against the named schema.
func CheckJSON(name string, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return Check(name, doc)
}

// Warm compiles the consumers' schemas now, so that a caller can overlap it
// with loading and validating the spec.
func Warm() { compileOnce.Do(compileAll) }
