package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hlcgen/hlcgen/load"
)

// usageLine is the one line of usage a mistake in how hlcgen was called
// ends with, and what `hlcgen` alone prints before the commands.
func usageLine(app *cli.App) string {
	var names []string
	for _, c := range app.Commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	return "Usage: hlcgen <command> [flags] [SPEC]; commands: " + strings.Join(names, ", ") + ". `hlcgen help <command>` describes one."
}

// runRoot is what hlcgen does without a command: help. An argument that is
// no command is a usage error (exit 2), with a "did you mean"; urfave/cli
// would print "No help topic" and exit 3.
func runRoot(c *cli.Context) error {
	if c.NArg() == 0 {
		return cli.ShowAppHelp(c)
	}
	return unknownCommand(c.App, c.Args().First())
}

func unknownCommand(app *cli.App, name string) error {
	msg := fmt.Sprintf("hlcgen: %q is not an hlcgen command.", name)
	if s := load.Suggest(name, commandNames(app)); s != "" {
		msg += fmt.Sprintf(" Did you mean `hlcgen %s`?", s)
	}
	return cli.Exit(msg+"\n"+usageLine(app), exitUsage)
}

func commandNames(app *cli.App) []string {
	var names []string
	for _, c := range app.Commands {
		names = append(names, c.Names()...)
	}
	return names
}

// helpCommand is `hlcgen help [command]`. urfave/cli's own answers an
// unknown command with "No help topic" and status 3.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "describe hlcgen, or one of its commands",
		ArgsUsage: "[command]",
		Action: func(c *cli.Context) error {
			switch {
			case c.NArg() == 0:
				return cli.ShowAppHelp(c)
			case c.NArg() > 1:
				return usageError("help describes one command, not %d", c.NArg())
			}
			name := c.Args().First()
			if c.App.Command(name) == nil {
				return unknownCommand(c.App, name)
			}
			// From the app's context: the help command's own has
			// no commands to find name in.
			return cli.ShowCommandHelp(c.Lineage()[1], name)
		},
	}
}

var undefinedFlag = regexp.MustCompile(`flag provided but not defined: -+(\S+)`)

// onUsageError reports a bad flag in a few lines instead of the whole
// help: what is wrong, with a "did you mean" among the command's flags, the
// command's usage line, and where its help is.
func onUsageError(c *cli.Context, err error, _ bool) error {
	msg := "hlcgen: " + err.Error()
	flags := c.App.Flags
	name, usage := "hlcgen", usageLine(c.App)
	if c.Command != nil && c.Command.Name != c.App.Name && c.Command.Name != "" {
		flags = c.Command.Flags
		name = "hlcgen " + c.Command.Name
		usage = commandUsage(c.Command)
	}
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	names = append(names, "help")
	if name == "hlcgen" {
		names = append(names, "version")
	}
	if m := undefinedFlag.FindStringSubmatch(err.Error()); m != nil {
		msg = fmt.Sprintf("hlcgen: %s has no flag --%s.", name, m[1])
		if name == "hlcgen" {
			msg = fmt.Sprintf("hlcgen: there is no flag --%s.", m[1])
		}
		if s := load.Suggest(m[1], names); s != "" {
			msg += fmt.Sprintf(" Did you mean --%s?", s)
		}
	}
	return cli.Exit(fmt.Sprintf("%s\n%s\nRun `%s --help` for more.", msg, usage, name), exitUsage)
}

// commandUsage is a command's usage line: its flags and arguments.
func commandUsage(cmd *cli.Command) string {
	var parts []string
	for _, f := range cmd.Flags {
		n := f.Names()[0]
		if n == "help" {
			continue
		}
		if df, ok := f.(cli.DocGenerationFlag); ok && df.TakesValue() {
			parts = append(parts, fmt.Sprintf("[--%s %s]", n, strings.ToUpper(n)))
		} else {
			parts = append(parts, fmt.Sprintf("[--%s]", n))
		}
	}
	if cmd.ArgsUsage != "" {
		parts = append(parts, cmd.ArgsUsage)
	}
	return "Usage: hlcgen " + strings.TrimSpace(cmd.Name+" "+strings.Join(parts, " "))
}
