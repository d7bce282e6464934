package main

import "github.com/urfave/cli/v2"

func diffCommand() *cli.Command { return &cli.Command{Name: "diff", Hidden: true} }
func initCommand() *cli.Command { return &cli.Command{Name: "init", Hidden: true} }
