package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func (c *cli) execCommand() *cobra.Command {
	var envVar string
	var minValid time.Duration
	cmd := &cobra.Command{
		Use:   "exec ENV [--env-var NAME] [--min-valid DUR] -- CMD [ARG...]",
		Short: "run CMD with the token in $ACCESS_TOKEN (or NAME)",
		Long: `Runs CMD with a current access token of ENV in its environment ($ACCESS_TOKEN
unless --env-var says otherwise). CMD replaces tokentray, so its exit code,
signals and standard streams are its own.

Flags go before CMD: after "--", or without it up to the first argument
after ENV that is not a flag.`,
		Example: `  tokentray exec local -- sh -c 'curl -H "Authorization: Bearer $ACCESS_TOKEN" https://api.example/me'
  tokentray exec zepto-sandbox --env-var ZEPTO_TOKEN -- ./sync.sh`,
		Args: cobra.ArbitraryArgs, // execArgs checks them
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveDefault // CMD and its arguments
			}
			return c.completeEnvironment(cmd, args, toComplete)
		},
		Run: c.exitWith(func(cmd *cobra.Command, args []string) int {
			env, command, err := c.execArgs(cmd, args)
			if errors.Is(err, pflag.ErrHelp) { // exec ENV --help
				_ = cmd.Help()
				return exitOK
			}
			if err != nil {
				return c.usageFailure(cmd, err)
			}
			return c.cmdExec(env, envVar, minValid, command)
		}),
	}
	// The flags stop at the first argument (ENV); execArgs reads those after it.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVar(&envVar, "env-var", "ACCESS_TOKEN", "the variable `NAME` that holds the token")
	cmd.Flags().DurationVar(&minValid, "min-valid", time.Minute, "refresh first if the token expires within `DUR`")
	c.completeNoFiles(cmd, "env-var", "min-valid")
	return cmd
}

// execArgs splits exec's arguments into ENV and the command, as exec has
// always read them: flags, ENV, more flags, then the command. "--" ends
// the flags, and then only flags may stand between ENV and it. Cobra has
// parsed the flags before ENV; this parses those after it.
func (c *cli) execArgs(cmd *cobra.Command, args []string) (string, []string, error) {
	if len(args) == 0 || cmd.ArgsLenAtDash() == 0 {
		return "", nil, fmt.Errorf("missing ENV; usage: %s", cmd.UseLine())
	}
	env, rest := args[0], args[1:]
	if len(rest) == 0 {
		return "", nil, fmt.Errorf("missing CMD; usage: %s", cmd.UseLine())
	}
	flags := cmd.Flags()
	if err := flags.Parse(rest); err != nil {
		return "", nil, c.flagError(cmd, err)
	}
	if help, _ := flags.GetBool("help"); help {
		return "", nil, pflag.ErrHelp
	}
	command := flags.Args()
	endedByDash := len(command) < len(rest) && rest[len(rest)-len(command)-1] == "--"
	if !endedByDash && slices.Contains(command, "--") {
		return "", nil, fmt.Errorf("unexpected argument %q; usage: %s", command[0], cmd.UseLine())
	}
	if len(command) == 0 {
		return "", nil, fmt.Errorf("missing CMD; usage: %s", cmd.UseLine())
	}
	return env, command, nil
}

func (c *cli) cmdExec(env, envVar string, minValid time.Duration, command []string) int {
	if envVar == "" || strings.ContainsAny(envVar, "=\x00") {
		return c.fail(exitUsage, fmt.Sprintf("exec: --env-var %q is not a variable name", envVar))
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		return c.fail(exitFailure, fmt.Sprintf("exec: cannot run %s: %v", command[0], err))
	}

	cl := c.commandClient(guardedReadTimeout)
	t, err := cl.Token(context.Background(), env, minValid)
	cl.Close()
	if err != nil {
		return c.clientFailure(err, env)
	}
	if strings.EqualFold(t.TokenType, "DPoP") {
		c.warnDPoPBound(env)
	}
	environ := append(environWithout(envVar), envVar+"="+t.AccessToken.Reveal())
	err = execInPlace(path, command, environ)
	return c.fail(exitFailure, fmt.Sprintf("exec: cannot run %s: %v", command[0], err))
}
