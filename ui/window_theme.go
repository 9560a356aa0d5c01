package ui

import (
	"cmp"
	"context"

	"github.com/tokentray/tokentray/config"
)

// The window's theme follows the host's theme setting: read when the
// window connects, again when the config changes (a hand edit), and
// applied at once when Settings save it.

// applyTheme draws the window in the colours of the theme setting
// (theme.go); "" is the desktop's preference. RunWindow holds it back
// until the app runs (themeHeld), so Fyne still watches the desktop.
func (w *window) applyTheme(setting string) {
	setting = cmp.Or(setting, config.ThemeSystem)
	if setting == w.themeSetting {
		return
	}
	w.themeSetting = setting
	if !w.themeHeld {
		useAppTheme(w.app, setting)
	}
}

// releaseTheme applies the theme once the app runs (RunWindow).
func (w *window) releaseTheme() {
	w.themeHeld = false
	w.themeSetting = cmp.Or(w.themeSetting, config.ThemeSystem)
	useAppTheme(w.app, w.themeSetting)
}

// readTheme asks the host for its theme setting and applies it; a host
// that does not answer leaves the theme as it is.
func (w *window) readTheme(ctx context.Context) {
	s, err := w.client.Settings(ctx)
	if err != nil {
		return
	}
	w.onMain(func() { w.applyTheme(s.Theme) })
}
