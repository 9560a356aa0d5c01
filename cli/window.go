package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (c *cli) windowCommand() *cobra.Command {
	var quitHost bool
	cmd := &cobra.Command{
		Use:   "window [--quit-host-on-close]",
		Short: "the window of the running tokentray (the host starts it on demand)",
		Long: `Shows the window of the running tokentray (the host on --socket). The host
starts it when you open the window; it talks to the host only through the
socket. With --quit-host-on-close (no tray to return to) the host quits when
this window closes.`,
		Args: wantArgs(),
		Run:  c.exitWith(func(*cobra.Command, []string) int { return c.cmdWindow(quitHost) }),
	}
	cmd.Flags().BoolVar(&quitHost, "quit-host-on-close", false, "the host quits when this window closes (no tray host)")
	return cmd
}

func (c *cli) cmdWindow(quitHost bool) int {
	if c.opts.Window == nil {
		return c.fail(exitFailure, "this tokentray is built without the desktop app: there is no window to show")
	}
	if err := c.opts.Window(c.socketPath(), quitHost); err != nil {
		return c.fail(exitFailure, fmt.Sprintf("window: %v", err))
	}
	return exitOK
}
