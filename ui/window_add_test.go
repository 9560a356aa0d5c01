package ui

import (
	"strings"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func TestWindowStartedForAddOpensTheFormOnceConnected(t *testing.T) {
	h := startHost(t, func(*oauthserver.Server) string { return "# no environments yet\n" }, server.HostHooks{})
	w := openWindowWith(t, h.sock, WindowOptions{AddForm: true})
	w.until(t, "the Add form", func() bool { return w.form != nil && strings.Contains(w.dialogText(), "Add environment") })
	first := w.form

	// The host going away and coming back does not open it again.
	h.stop()
	w.until(t, "offline", func() bool { return !w.connected })
	h.serve(t)
	w.until(t, "connected again", func() bool { return w.connected })
	if w.form != first {
		t.Error("a reconnect opened the Add form again")
	}

	// Without the option the window opens on its cards.
	plain := openWindow(t, h.sock)
	plain.until(t, "connected", func() bool { return plain.connected })
	if plain.form != nil {
		t.Error("a plain window opened a form")
	}
}
