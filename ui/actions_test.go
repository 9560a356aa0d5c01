package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adrg/xdg"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func webEnv(o *oauthserver.Server) string {
	return fmt.Sprintf("[[environment]]\nname = \"web\"\nflow = \"authorization_code\"\nauth_url = %q\ntoken_url = %q\nclient_id = %q\n",
		o.AuthURL(), o.TokenURL(), oauthserver.DefaultClientID)
}

func TestAuthorizeAndCancelGoToTheHost(t *testing.T) {
	h := startHost(t, webEnv, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card asking to sign in", func() bool { return strings.Contains(w.cardText("web"), "NEEDS LOGIN") })
	tapButton(t, w.view.cards["web"].root, labelAuthorize)
	w.until(t, "the login in progress", func() bool {
		text := w.cardText("web")
		return strings.Contains(text, "AUTHORIZING") && strings.Contains(text, "waiting for you to authorize —") &&
			slices.Contains(buttons(w.view.cards["web"].root), labelOpenAgain)
	})
	if s, _ := h.m.Status("web"); s.Login == nil || !strings.HasPrefix(s.Login.AuthorizationURL, h.oauth.AuthURL()) {
		t.Fatalf("the host runs no login: %+v", s)
	}
	tapButton(t, w.view.cards["web"].root, labelCancel)
	w.until(t, "the login canceled", func() bool { return strings.Contains(w.cardText("web"), "NEEDS LOGIN") })
}

func TestRemoveAsksTheHostToDropTheEnvironment(t *testing.T) {
	h := startHost(t, func(o *oauthserver.Server) string {
		return localEnv("local", o) + "\n# kept by hand\n" + localEnv("other", o)
	}, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the cards", func() bool { return w.cardText("local") != "" && w.cardText("other") != "" })
	w.removeEnvironment("local")
	w.until(t, "the card gone", func() bool { return w.cardText("local") == "" })
	w.until(t, "the confirmation", w.shows("Removed local."))
	text := h.config(t)
	if strings.Contains(text, `"local"`) || !strings.Contains(text, `"other"`) || !strings.Contains(text, "# kept by hand") {
		t.Errorf("config after removing local:\n%s", text)
	}
	if s, err := h.store.LoadSecret("local"); err == nil && s.Value != "" {
		t.Error("the removed environment's secret is still in the keychain")
	}
}

func TestSettingsSwitchStartAtLoginOnTheHost(t *testing.T) {
	t.Cleanup(xdg.Reload) // runs after Setenv's restore: cleanups run last-first
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	xdg.Reload() // the xdg library reads the environment once, as a new process does
	h, w := connected(t, server.HostHooks{Tray: true, Autostart: func(on *bool) (bool, error) {
		if on != nil {
			if err := platform.SetAutostart(*on); err != nil {
				return false, err
			}
		}
		return platform.AutostartEnabled(), nil
	}})
	w.openSettings()
	w.until(t, "the settings", func() bool { return w.settings != nil })
	f := w.settings
	if f.clipboardClear.Text == "" || f.startAtLogin.Checked || f.startAtLogin.Disabled() {
		t.Fatalf("settings show clipboard clear %q, start at login %v (disabled %v)", f.clipboardClear.Text, f.startAtLogin.Checked, f.startAtLogin.Disabled())
	}
	f.clipboardClear.SetText("20s")
	f.startAtLogin.SetChecked(true)
	f.save()
	w.until(t, "the host to answer", func() bool { return !f.saving })
	if !f.saved {
		t.Fatalf("settings refused: %s", f.problems.Text)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "tokentray.desktop")); err != nil {
		t.Errorf("start at login wrote no autostart entry: %v", err)
	}
	if text := h.config(t); !strings.Contains(text, "clipboard_clear") || !strings.Contains(text, "# my environments") {
		t.Errorf("config after the settings:\n%s", text)
	}

	// A bad duration: the config's words under its field, nothing written.
	before := h.config(t)
	f.clipboardClear.SetText("soon")
	f.save()
	if got := f.rows["clipboard_clear"].shown(); f.saving || !strings.Contains(got, "positive duration") {
		t.Errorf("a bad duration shows %q", got)
	}
	if h.config(t) != before {
		t.Error("a bad duration changed the config file")
	}
}

func TestDaemonSettingsOfferNoStartAtLogin(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	w.openSettings()
	w.until(t, "the settings", func() bool { return w.settings != nil })
	f := w.settings
	if !f.startAtLogin.Disabled() {
		t.Error("a daemon's settings offer start at login")
	}
	f.refreshMargin.SetText("3m")
	f.save()
	w.until(t, "the host to answer", func() bool { return !f.saving })
	if !f.saved {
		t.Fatalf("settings refused on a daemon: %s", f.problems.Text)
	}
}

func TestCountdownsTickOnlyWhileTheWindowShows(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	w := openWindow(t, h.sock)
	if w.tick == nil || !w.visible {
		t.Fatal("the countdown ticker does not run while the window shows")
	}
	w.stop()
	if w.tick != nil || w.visible {
		t.Error("the countdown ticker still runs after the window closed")
	}
}
