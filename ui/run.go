// Package ui is the Fyne window: environment cards with countdowns, the
// add/edit form and dialogs.
package ui

import "github.com/tokentray/tokentray/manager"

// Options are what main hands the desktop app.
type Options struct {
	ConfigPath string // where the edit form writes the config back
	SocketPath string // shown in the window for scripts
}

// Run starts the desktop app (window and tray) on the engine and blocks
// until the user quits.
func Run(m *manager.Manager, opts Options) error {
	panic("not yet")
}
