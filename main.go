// Command tokentray is a desktop companion for OAuth2-protected APIs: it
// keeps access tokens fresh and hands them to scripts over a unix socket.
//
// main only picks the build's window (desktop.go or desktop_headless.go)
// and hands the command line to package cli.
package main

import (
	"os"

	"github.com/tokentray/tokentray/cli"
	"github.com/tokentray/tokentray/platform/initlog"
)

func main() {
	noise := initlog.Release()
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, cli.Options{Window: window, InitNoise: noise}))
}
