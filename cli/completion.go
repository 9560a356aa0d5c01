package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// completionShells are the shells `tokentray completion` writes a script for.
var completionShells = []string{"bash", "zsh", "fish"}

func (c *cli) completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "shell completion: commands, flags and environment names",
		Long: `Prints the completion script for bash, zsh or fish. It completes commands,
flags, flag values and environment names: those of the running tokentray,
or of the config file when none runs.

bash (needs the bash-completion package for the best results):
  echo 'source <(tokentray completion bash)' >> ~/.bashrc
  or: tokentray completion bash > ~/.local/share/bash-completion/completions/tokentray

zsh (with compinit enabled):
  tokentray completion zsh > "${fpath[1]}/_tokentray"
  or, in ~/.zshrc after compinit: source <(tokentray completion zsh)

fish:
  tokentray completion fish > ~/.config/fish/completions/tokentray.fish

Open a new shell afterwards.`,
		Args:      wantArgs("SHELL"),
		ValidArgs: completionShells,
		Run: c.exitWith(func(cmd *cobra.Command, args []string) int {
			root := cmd.Root()
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(c.stdout, true)
			case "zsh":
				err = root.GenZshCompletion(c.stdout)
			case "fish":
				err = root.GenFishCompletion(c.stdout, true)
			default:
				return c.usageFailure(cmd, fmt.Errorf("unknown shell %q: use bash, zsh or fish", args[0]))
			}
			if err != nil {
				return c.fail(exitFailure, fmt.Sprintf("completion %s: %v", args[0], err))
			}
			return exitOK
		}),
	}
}
