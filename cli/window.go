package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

func (c *cli) windowCommand() *cobra.Command {
	var quitHost, addForm bool
	cmd := &cobra.Command{
		Use:   "window [--quit-host-on-close] [--add]",
		Short: "the window of the running tokentray (the host starts it on demand)",
		Long: `Shows the window of the running tokentray (the host on --socket). The host
starts it when you open the window; it talks to the host only through the
socket. With --quit-host-on-close (no tray to return to) the host quits when
this window closes. With --add it opens on the Add environment form. The
window is its own executable, tokentray-window, beside tokentray (or in
/usr/lib/tokentray/): this command runs it with the same flags.`,
		Args: wantArgs(),
		Run:  c.exitWith(func(*cobra.Command, []string) int { return c.cmdWindow(quitHost, addForm) }),
	}
	cmd.Flags().BoolVar(&quitHost, "quit-host-on-close", false, "the host quits when this window closes (no tray host)")
	cmd.Flags().BoolVar(&addForm, platform.WindowAddForm, false, "open on the Add environment form")
	return cmd
}

func (c *cli) cmdWindow(quitHost, addForm bool) int {
	exe, err := platform.WindowExecutable()
	if err != nil {
		return c.fail(exitFailure, fmt.Sprintf("window: %v", err))
	}
	argv := windowArgs(exe, c.socketPath(), quitHost, addForm)
	if err := execInPlace(exe, argv, environWithout(socket.GuardChannelEnv)); err != nil {
		return c.fail(exitFailure, fmt.Sprintf("window: run %s: %v", exe, err))
	}
	return exitOK
}

// windowArgs is the window's command line: tokentray's flags, with the
// socket resolved here so that both agree on it.
func windowArgs(exe, socketPath string, quitHostOnClose, addForm bool) []string {
	argv := []string{exe, "--socket", socketPath}
	if quitHostOnClose {
		argv = append(argv, "--quit-host-on-close")
	}
	if addForm {
		argv = append(argv, "--"+platform.WindowAddForm)
	}
	return argv
}

// environWithout is this process's environment without the variable
// name: the token `exec` sets itself, and the guard's channel (fd 3),
// which only the host hands a window, never a command run by hand.
func environWithout(name string) []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
}
