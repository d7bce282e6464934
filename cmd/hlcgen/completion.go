package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// Shell completion. urfave/cli v2 answers a command line ending in
// --generate-bash-completion with the words that may come next, one a
// line (EnableBashCompletion); the bash and zsh scripts below ask it, so
// they always match this binary. For fish it writes the whole script from
// the command tree (App.ToFishCompletion).

const bashCompletion = `# bash completion for hlcgen: source it, or save it as
# /etc/bash_completion.d/hlcgen (or ~/.local/share/bash-completion/completions/hlcgen).
_hlcgen() {
    local cur words
    cur="${COMP_WORDS[COMP_CWORD]}"
    if [[ "$cur" == -* ]]; then
        words=$("${COMP_WORDS[@]:0:COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
    else
        words=$("${COMP_WORDS[@]:0:COMP_CWORD}" --generate-bash-completion 2>/dev/null)
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o default -F _hlcgen hlcgen
`

const zshCompletion = `#compdef hlcgen
# zsh completion for hlcgen: save it as _hlcgen in a directory of $fpath,
# or source it after compinit.
_hlcgen() {
    local -a words_next
    local cur="${words[CURRENT]}"
    if [[ "$cur" == -* ]]; then
        words_next=("${(@f)$("${words[@]:0:CURRENT-1}" "$cur" --generate-bash-completion 2>/dev/null)}")
    else
        words_next=("${(@f)$("${words[@]:0:CURRENT-1}" --generate-bash-completion 2>/dev/null)}")
    fi
    if [[ -n "${words_next[*]}" ]]; then
        compadd -a words_next
    fi
    _files
}
if [[ "$funcstack[1]" == "_hlcgen" ]]; then
    _hlcgen "$@"
else
    compdef _hlcgen hlcgen
fi
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: "Prints the script on stdout. Install it with, for example,\n" +
			"  hlcgen completion bash > ~/.local/share/bash-completion/completions/hlcgen\n" +
			"  hlcgen completion zsh > \"${fpath[1]}/_hlcgen\"\n" +
			"  hlcgen completion fish > ~/.config/fish/completions/hlcgen.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("completion takes the shell: hlcgen completion bash|zsh|fish")
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				_, err := fmt.Fprint(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(c.App.Writer, zshCompletion)
				return err
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(c.App.Writer, script)
				return err
			default:
				return usageError("hlcgen completes bash, zsh and fish, not %q", shell)
			}
		},
	}
}
