package cli

import (
	"fmt"
)

const usageWindow = `Usage: tokentray window [--quit-host-on-close]

Shows the window of the running tokentray (the host on --socket). The host
starts it when you open the window; it talks to the host only through the
socket. With --quit-host-on-close (no tray to return to) the host quits when
this window closes.
`

func (c *cli) cmdWindow(args []string) int {
	fs := c.flagSet("window", usageWindow)
	quitHost := fs.Bool("quit-host-on-close", false, "the host quits when this window closes (no tray host)")
	if _, code, ok := c.commandArgs(fs, args, usageWindow); !ok {
		return code
	}
	if c.opts.Window == nil {
		return c.fail(exitFailure, "this tokentray is built without the desktop app: there is no window to show")
	}
	if err := c.opts.Window(c.socketPath(), *quitHost); err != nil {
		return c.fail(exitFailure, fmt.Sprintf("window: %v", err))
	}
	return exitOK
}
