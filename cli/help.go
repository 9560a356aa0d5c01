package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// commandColumn is where the descriptions start in a list of commands.
const commandColumn = 36

// writeUsage is the usage part of every command's help (cobra prints the
// long description above it). It is cobra's layout, except that commands
// are listed by their whole use line, e.g.
// "tokentray token ENV [--min-valid DUR] [--format raw|json|header]", so
// that `tokentray --help` shows how to call each one.
func writeUsage(cmd *cobra.Command) error {
	var b strings.Builder
	b.WriteString("Usage:\n")
	if cmd.Runnable() && !isGroup(cmd) {
		fmt.Fprintf(&b, "  %s\n", cmd.UseLine())
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "  %s COMMAND\n", cmd.CommandPath())
	}
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(&b, "\nAliases:\n  %s\n", cmd.NameAndAliases())
	}
	if cmd.HasExample() {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", strings.TrimRight(cmd.Example, "\n"))
	}
	if cmds := listedCommands(cmd); len(cmds) > 0 {
		b.WriteString("\nCommands:\n")
		for _, sub := range cmds {
			writeCommandLine(&b, sub)
		}
	}
	if cmd.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\nFlags:\n%s", cmd.LocalFlags().FlagUsages())
	}
	if cmd.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\nGlobal flags (before or after the command):\n%s", cmd.InheritedFlags().FlagUsages())
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n`%s COMMAND --help` (or `%s help COMMAND`) says more about a command.\n",
			cmd.CommandPath(), cmd.Root().Name())
	}
	_, err := io.WriteString(cmd.OutOrStderr(), b.String())
	return err
}

// isGroup says whether cmd only holds other commands (env, secret): it
// runs only to say that one is missing, so it has no use line of its own.
func isGroup(cmd *cobra.Command) bool {
	return cmd.HasParent() && cmd.HasAvailableSubCommands()
}

// listedCommands are the commands under cmd that a person runs: a group
// is listed as its subcommands (env set, env remove).
func listedCommands(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range cmd.Commands() {
		switch {
		case !sub.IsAvailableCommand():
		case sub.HasAvailableSubCommands():
			out = append(out, listedCommands(sub)...)
		default:
			out = append(out, sub)
		}
	}
	return out
}

// writeCommandLine lists one command: its use line and what it does,
// on the next line when the use line is too long to share one.
func writeCommandLine(b *strings.Builder, cmd *cobra.Command) {
	line := cmd.UseLine()
	if len(line) < commandColumn-3 {
		fmt.Fprintf(b, "  %-*s%s\n", commandColumn-2, line, cmd.Short)
		return
	}
	fmt.Fprintf(b, "  %s\n%s%s\n", line, strings.Repeat(" ", commandColumn), cmd.Short)
}
