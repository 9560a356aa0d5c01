package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() {
	// Commands are listed in the order rootCommand adds them, the order a
	// newcomer meets them, not the alphabet's.
	cobra.EnableCommandSorting = false
	// On Windows cobra refuses to run a program started from Explorer;
	// tokentray started that way is the desktop app.
	cobra.MousetrapHelpText = ""
}

const rootLong = `tokentray keeps OAuth2 access tokens fresh and hands them to scripts.

Alone, tokentray is the desktop app: engine, socket, tray and background
refresh, with the window on demand; without a display it runs as daemon.
--hidden starts it in the tray with the window closed (autostart).

Exit codes of the other commands: 0 ok, 1 failure, 2 usage or config error,
3 needs login, 4 no running tokentray, 5 read denied (a guarded environment:
guard = "confirm").`

// rootCommand builds the command tree: the root carries the flags every
// command takes (--config, --socket) and the desktop app's own.
func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "tokentray [--hidden]",
		Short: "keeps OAuth2 access tokens fresh and hands them to scripts",
		Long:  rootLong,
		Args:  unknownCommand,
		Run: c.exitWith(func(*cobra.Command, []string) int {
			if c.showVersion {
				fmt.Fprintln(c.stdout, versionLine())
				return exitOK
			}
			return c.runApp() // daemon.go
		}),
		// Failures are one line on stderr, written by Run and the commands.
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true}, // completion.go
	}
	global := root.PersistentFlags()
	global.StringVar(&c.configFlag, "config", "", "config file `PATH` (env TOKENTRAY_CONFIG; default $XDG_CONFIG_HOME/tokentray/config.toml)")
	global.StringVar(&c.socketFlag, "socket", "", "socket `PATH` (env TOKENTRAY_SOCKET; default $XDG_RUNTIME_DIR/tokentray/tokentray.sock)")
	root.Flags().BoolVar(&c.hidden, "hidden", false, "start in the tray with the window closed (autostart)")
	root.Flags().BoolVar(&c.showVersion, "version", false, "print the version and commit")
	root.SetUsageFunc(writeUsage)       // help.go
	root.SetFlagErrorFunc(c.flagError)  // usage_errors.go
	root.SuggestionsMinimumDistance = 2 // `tokentray stauts`: did you mean status?

	root.AddCommand(
		c.daemonCommand(),
		c.windowCommand(),
		c.statusCommand(),
		c.tokenCommand(),
		c.loginCommand(),
		c.readsCommand(),
		c.refreshCommand(),
		c.logoutCommand(),
		c.execCommand(),
		c.proxyCommand(),
		c.secretCommand(),
		c.unlockCommand(),
		c.envCommand(),
		c.presetsCommand(),
		c.versionCommand(),
		c.completionCommand(),
	)
	disableFlagsInUseLines(root)
	return root
}

// exitWith adapts a command body that returns its exit code to cobra.
func (c *cli) exitWith(run func(cmd *cobra.Command, args []string) int) func(*cobra.Command, []string) {
	return func(cmd *cobra.Command, args []string) { c.exitCode = run(cmd, args) }
}

// disableFlagsInUseLines keeps cobra from adding "[flags]" to use lines:
// each command's Use names its flags the way the contract writes them.
func disableFlagsInUseLines(cmd *cobra.Command) {
	cmd.DisableFlagsInUseLine = true
	for _, sub := range cmd.Commands() {
		disableFlagsInUseLines(sub)
	}
}
