package main

import (
	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/schema"
)

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:  "schema",
		Usage: "print the embedded CUE schema of cluster.hcl",
		Action: func(c *cli.Context) error {
			_, err := c.App.Writer.Write(schema.ClusterCUE)
			return err
		},
	}
}
