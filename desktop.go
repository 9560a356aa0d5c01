//go:build !headless

package main

import (
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/ui"
)

// window runs `tokentray window`: the Fyne window, a client of the host's
// socket. Only that process starts Fyne; the host (tray, clipboard,
// notifications) runs no GUI toolkit loop.
func window(socketPath string, quitHostOnClose bool) error {
	return ui.RunWindow(socketPath, ui.WindowOptions{QuitHostOnClose: quitHostOnClose, Harden: platform.Harden})
}
