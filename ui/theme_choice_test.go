package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// backgroundIsLight says whether the window's theme, as the app applies
// it now, draws a light background.
func backgroundIsLight() bool {
	s := fyne.CurrentApp().Settings()
	return luminance(s.Theme().Color(theme.ColorNameBackground, s.ThemeVariant())) > 0.5
}

func TestTheWindowTakesTheThemeChosenInSettings(t *testing.T) {
	t.Setenv("FYNE_THEME", "")
	h := startHost(t, func(o *oauthserver.Server) string {
		return "[settings]\ntheme = \"light\"\n\n" + localEnv("local", o)
	}, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the light theme of the settings", backgroundIsLight)
	f := w.openSettingsAndWait(t)
	top := w.win.Canvas().Overlays().Top()
	theme := selectOffering(t, top, "Dark")
	if theme.Selected != "Light" {
		t.Errorf("the settings show theme %q, want Light", theme.Selected)
	}
	theme.SetSelected("Dark")
	f.save()
	w.until(t, "the host to answer", func() bool { return !f.saving })
	if !f.saved {
		t.Fatalf("refused: %s", drawnTexts(top))
	}
	if backgroundIsLight() {
		t.Error("the window stays light after choosing Dark")
	}
	if !strings.Contains(h.config(t), `theme = "dark"`) {
		t.Errorf("config:\n%s", h.config(t))
	}
}

func TestFyneThemeOverridesTheSetting(t *testing.T) {
	t.Setenv("FYNE_THEME", "light")
	h := startHost(t, func(o *oauthserver.Server) string {
		return "[settings]\ntheme = \"dark\"\n\n" + localEnv("local", o)
	}, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })
	w.until(t, "FYNE_THEME's light theme", backgroundIsLight)
}
