// Command tokentray is a desktop companion for OAuth2-protected APIs: it
// keeps access tokens fresh and hands them to scripts over a unix socket.
//
// main only hands the command line to package cli. This executable (the
// commands, the host and the daemon) links no Fyne and no GL: the window
// is cmd/tokentray-window, started beside it (main_test.go checks).
package main

import (
	"os"

	"github.com/tokentray/tokentray/cli"
	"github.com/tokentray/tokentray/platform/initlog"
)

func main() {
	noise := initlog.Release()
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, cli.Options{InitNoise: noise}))
}
