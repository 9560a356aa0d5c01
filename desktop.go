//go:build !headless

package main

import (
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/ui"
)

// haveDesktop: this build carries the window and tray (Fyne).
const haveDesktop = true

func runDesktop(m *manager.Manager, configPath, socketPath string, hidden bool) error {
	return ui.Run(m, ui.Options{ConfigPath: configPath, SocketPath: socketPath, Hidden: hidden})
}
