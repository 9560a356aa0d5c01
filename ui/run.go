// Package ui is the window: its own process (cmd/tokentray-window), a client
// of the host's socket and nothing else. It shows the environment cards
// with their countdowns, the add/edit form and the settings; every action
// is a request to the host, and the host's /v1/events stream keeps the
// cards current.
package ui

import (
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/platform/socket"
)

// AppID is the app's unique id (Fyne preferences, FyneApp.toml).
const AppID = "io.github.tokentray"

// icon is the window's icon, the tray's picture.
var icon = fyne.NewStaticResource("tokentray.png", assets.IconPNG)

// useAppTheme gives a the window's theme (theme.go) for the theme
// setting: Fyne's default with colours whose text reads at 4.5:1 in light
// and dark.
func useAppTheme(a fyne.App, setting string) {
	a.Settings().SetTheme(themeFor(setting))
}

// WindowOptions are what tokentray-window hands the window.
type WindowOptions struct {
	// QuitHostOnClose: there is no tray host, so closing the window ends
	// the host too. The host watches this process and quits when it
	// exits; the window only says so.
	QuitHostOnClose bool
	// Hardened reports whether this process is out of other processes'
	// reach (non-dumpable: cmd/tokentray-window does it in a C
	// constructor before Go starts). Nil or an error: the window takes
	// no guard questions.
	Hardened func() error
	// AddForm opens the Add environment form as soon as the host answers
	// (the tray's "Add environment…" on a first start).
	AddForm bool
}

// RunWindow shows the window of the host listening on socketPath and
// blocks until the user closes it.
func RunWindow(socketPath string, opts WindowOptions) error {
	// The channel is taken first, so nothing started later inherits it.
	ch, asked := openGuardChannel()
	hardened := opts.Hardened
	if hardened == nil {
		hardened = func() error { return errors.New("this process was not hardened") }
	}
	if err := hardened(); err != nil && asked {
		fmt.Fprintf(os.Stderr, "tokentray-window: the guard's questions stay in the notification: %v\n", err)
		ch.Close()
		asked = false
	}
	a := app.NewWithID(AppID)
	a.SetIcon(icon)
	client := socket.NewClient(socketPath, actionTimeout)
	defer client.Close()
	w := newWindow(a, client, opts)
	// The theme only once running: Fyne watches the desktop's light or
	// dark preference only if no theme is set when Run starts, and then
	// hands the variant it reads to whatever theme is set.
	w.themeHeld = true
	a.Lifecycle().SetOnStarted(w.releaseTheme)
	w.build()
	w.show()
	w.connect()
	if asked {
		w.watchGuardQuestions(ch)
	}
	a.Run()
	w.stop()
	return nil
}
