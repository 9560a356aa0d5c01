//go:build !headless

package main

import (
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/ui"
)

// desktop runs the Fyne window and tray: this build carries them.
func desktop(m *manager.Manager, configPath, socketPath string, hidden bool) error {
	return ui.Run(m, ui.Options{ConfigPath: configPath, SocketPath: socketPath, Hidden: hidden})
}
