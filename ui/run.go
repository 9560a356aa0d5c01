// Package ui is the Fyne window: environment cards with countdowns, the
// add/edit form and dialogs. It also wires the tray and the clipboard.
package ui

import (
	"fyne.io/fyne/v2/app"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/tray"
)

// AppID is the app's unique id (Fyne preferences, notifications, FyneApp.toml).
const AppID = "io.github.tokentray"

// Options are what main hands the desktop app.
type Options struct {
	ConfigPath string // where the edit form writes the config back
	SocketPath string // shown in the window for scripts
	// Hidden starts in the tray with the window closed (for autostart).
	// Ignored without a tray host, where the window is the only way in.
	Hidden bool
}

// Run starts the desktop app (window and tray) on the engine and blocks
// until the user quits. The engine keeps running; main closes it.
func Run(m *manager.Manager, opts Options) error {
	a := app.NewWithID(AppID)
	a.SetIcon(tray.Icon)
	d := newDesktop(a, m, opts)
	d.start()
	a.Run()
	d.stop()
	return nil
}
