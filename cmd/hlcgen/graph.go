package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/diag"
	"github.com/hlcgen/hlcgen/diagram"
)

func graphCommand() *cli.Command {
	return &cli.Command{
		Name:  "graph",
		Usage: "print a picture of the cluster: the API VIP, the nodes by role, in boxes by group",
		Description: "Prints the cluster in cluster.hcl as a Mermaid flowchart (put it in a ```mermaid block of a\n" +
			"README, which GitHub renders) or as Graphviz DOT (`dot -Tsvg`). It is the picture that\n" +
			"`hlcgen diff --base REV --format markdown` shows with a change marked. Past 60 nodes, each box\n" +
			"shows counts per role instead of the nodes. Exit status: 0 printed, 1 invalid spec, 2 usage\n" +
			"error or unreadable file.",
		ArgsUsage: specArgs,
		Flags: []cli.Flag{
			fileFlag,
			&cli.StringFlag{Name: "format", Value: "mermaid", Usage: "mermaid or dot"},
		},
		Action: runGraph,
	}
}

func runGraph(c *cli.Context) error {
	format := c.String("format")
	if format != "mermaid" && format != "dot" {
		return usageError("--format must be mermaid or dot, not %q", format)
	}
	l, err := loadSpec(c)
	if err != nil {
		return err
	}
	printDiagnostics(c, l)
	if l.diags.HasErrors() {
		return cli.Exit(fmt.Sprintf("\n%s has %s, so there is no cluster to draw. Fix them (`hlcgen validate` lists them).",
			l.path, countNoun(countSeverity(l.diags, diag.Error), "error")), exitInvalid)
	}
	p := diagram.Of(l.cluster)
	out := p.Mermaid()
	if format == "dot" {
		out = p.DOT()
	}
	_, err = io.WriteString(c.App.Writer, out)
	return err
}
