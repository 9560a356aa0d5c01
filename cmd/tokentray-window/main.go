// Command tokentray-window is tokentray's window: the Fyne window, a
// client of the running host's socket. It is an executable of its own so
// that `tokentray` (the commands, the host and the daemon) links no Fyne:
// Go runs every linked package's init before main. The host starts it
// beside itself (tray "Open window", POST /v1/window), and
// `tokentray window` execs it with the same flags.
//
// On Linux a C constructor (harden_linux.go) makes the process
// non-dumpable before the Go runtime and Fyne start, so no other process
// can reach into it while it holds the guard's private channel.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/initlog"
	"github.com/tokentray/tokentray/ui"
)

const usage = `Usage: tokentray-window [--socket PATH] [--quit-host-on-close] [--add]

Shows the window of the running tokentray (the host on --socket). The host
starts it when you open the window; it talks to the host only through the
socket. With --quit-host-on-close (no tray to return to) the host quits when
this window closes. With --add it opens on the Add environment form.
` + "`tokentray window`" + ` runs it with the same flags.
`

func main() {
	initlog.Release() // Fyne's init logs about the locale; the window has nothing to say about it
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokentray-window", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	socketFlag := fs.String("socket", "", "socket path")
	quitHost := fs.Bool("quit-host-on-close", false, "the host quits when this window closes (no tray host)")
	addForm := fs.Bool(platform.WindowAddForm, false, "open on the Add environment form")
	fs.String("config", "", "config file (accepted like tokentray's global flag; the window asks the host)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "tokentray-window: %v; see `tokentray-window --help`\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tokentray-window: unexpected argument %q; see `tokentray-window --help`\n", fs.Arg(0))
		return 2
	}
	err := ui.RunWindow(platform.SocketPath(*socketFlag), ui.WindowOptions{QuitHostOnClose: *quitHost, Hardened: hardened, AddForm: *addForm})
	if err != nil {
		fmt.Fprintf(stderr, "tokentray-window: %v\n", err)
		return 1
	}
	return 0
}
