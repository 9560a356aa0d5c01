//go:build headless

package main

// window: `go build -tags headless` leaves Fyne out, for servers (no
// libGL/libX11 needed) and for the fastest client commands: Fyne's package
// initialization roughly doubles the start-up of every command
// (docs/bench-socket.md). Without a window, `tokentray` runs as daemon.
var window func(socketPath string, quitHostOnClose bool) error
