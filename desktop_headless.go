//go:build headless

package main

import "github.com/tokentray/tokentray/cli"

// desktop: `go build -tags headless` leaves Fyne out, for servers (no
// libGL/libX11 needed) and for the fastest client commands: Fyne's package
// initialization roughly doubles the start-up of every command
// (docs/bench-socket.md).
var desktop cli.Desktop
