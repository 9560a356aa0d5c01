package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// usageFailure prints the one line for a command called the wrong way
// (unknown command or flag, missing or extra arguments), naming the
// command and where its help is, and exits 2.
func (c *cli) usageFailure(cmd *cobra.Command, err error) int {
	path := cmd.CommandPath()
	if !cmd.HasParent() {
		return c.fail(exitUsage, fmt.Sprintf("%v; see `%s --help`", err, path))
	}
	name := strings.TrimPrefix(path, cmd.Root().Name()+" ")
	return c.fail(exitUsage, fmt.Sprintf("%s: %v; see `%s --help`", name, err, path))
}

// wantArgs checks that a command got exactly the positional arguments it
// names (e.g. "ENV"), in the words the command line has always used.
func wantArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < len(names) {
			return fmt.Errorf("missing %s; usage: %s", names[len(args)], cmd.UseLine())
		}
		if len(args) > len(names) {
			return fmt.Errorf("unexpected argument %q; usage: %s", args[len(names)], cmd.UseLine())
		}
		return nil
	}
}

// unknownCommand is the root's argument check: the root takes none, so a
// word there is a command that does not exist.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", near[0])
	}
	return errors.New(msg)
}

// flagError words a flag the command does not take. Go's flag package,
// which the command line used before cobra, also took long flags with one
// dash; pflag reads -json as -j -s -o -n, so such a flag gets a hint.
func (c *cli) flagError(cmd *cobra.Command, err error) error {
	var notExist *pflag.NotExistError
	if !errors.As(err, &notExist) {
		return err
	}
	left := notExist.GetSpecifiedShortnames() // what pflag had left of the word: "elp" of -help
	for _, arg := range c.args {
		name, _, _ := strings.Cut(strings.TrimPrefix(arg, "-"), "=")
		if !strings.HasPrefix(arg, "--") && strings.HasPrefix(arg, "-") && strings.HasSuffix(arg, left) &&
			len(name) > 1 && cmd.Flags().Lookup(name) != nil {
			return fmt.Errorf("unknown flag %s: long flags take two dashes, -%s", arg, arg)
		}
	}
	return err
}

// groupRun is what a command that only holds others (env, secret) does
// when run alone or with a word that is none of them.
func (c *cli) groupRun(cmd *cobra.Command, args []string) int {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	choices := strings.Join(names, " or ")
	switch {
	case len(args) == 0:
		return c.usageFailure(cmd, fmt.Errorf("missing %s", choices))
	case args[0] == "help": // `tokentray env help`, as before cobra
		_ = cmd.Help()
		return exitOK
	default:
		return c.usageFailure(cmd, fmt.Errorf("unknown subcommand %q: use %s", args[0], choices))
	}
}
