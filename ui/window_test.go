package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func oneLocalEnv(oauth *oauthserver.Server) string {
	return "# my environments\n" + localEnv("local", oauth)
}

func TestWindowListsTheHostsEnvironments(t *testing.T) {
	h := startHost(t, func(o *oauthserver.Server) string { return localEnv("alpha", o) + localEnv("beta", o) }, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "both cards", func() bool { return w.cardText("alpha") != "" && w.cardText("beta") != "" })
	if got := statusNames(w.statuses); !slices.Equal(got, []string{"alpha", "beta"}) {
		t.Errorf("window lists %q, want the config's order", got)
	}
	if w.view.offline.Visible() {
		t.Error("the not-running banner shows while the host answers")
	}
	// A daemon's host: no clipboard and no tray, and the window says so.
	if !strings.Contains(shownText(w.view.root), "started as `tokentray daemon`") {
		t.Errorf("the window does not say the host has no clipboard or tray:\n%s", shownText(w.view.root))
	}
}

func TestAnEngineEventUpdatesTheCard(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })

	// The engine changes state on its own (here: a refresh and a logout
	// made in the host, not by the window); the events stream brings it.
	if _, err := h.m.Refresh(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	w.until(t, "the card to show a valid token", func() bool {
		text := w.cardText("local")
		return strings.Contains(text, "VALID") && strings.Contains(text, "expires in")
	})
	if err := h.m.Logout(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	w.until(t, "the card to show the token gone", func() bool {
		text := w.cardText("local")
		return !strings.Contains(text, "VALID") && strings.Contains(text, "no token")
	})
}

func TestAReadShowsOnTheCardTheMomentItHappens(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	if _, err := h.m.Refresh(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	w := openWindow(t, h.sock)
	w.until(t, "a valid card", func() bool { return strings.Contains(w.cardText("local"), "VALID") })
	if strings.Contains(w.cardText("local"), "last read") {
		t.Fatal("the card shows a read before any")
	}
	// A script reads the token; nothing else happens in the engine.
	reader := manager.Reader{PID: 4242, UID: 1000, Exe: "/usr/bin/curl", Cmdline: "curl -H ..."}
	if _, err := h.m.Read(context.Background(), "local", manager.ReadRequest{Reader: reader}); err != nil {
		t.Fatal(err)
	}
	w.until(t, "the card to show the read", func() bool {
		text := w.cardText("local")
		return strings.Contains(text, "last read") && strings.Contains(text, "curl (pid 4242)")
	})
	if !slices.Contains(buttons(w.view.cards["local"].root), labelReads) {
		t.Error("the card has no Reads button after a read")
	}
}

func TestCopyOnAHostWithoutClipboardSaysSo(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	if _, err := h.m.Refresh(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	w := openWindow(t, h.sock)
	w.until(t, "a valid card", func() bool { return strings.Contains(w.cardText("local"), "VALID") })
	tapButton(t, w.view.cards["local"].root, labelCopyToken)
	w.until(t, "the window to say the host has no clipboard",
		w.shows("no clipboard (started as `tokentray daemon`): use `tokentray token local`"))
}

func TestCopyGoesToTheHostsClipboard(t *testing.T) {
	var mu sync.Mutex
	var copied []string
	h := startHost(t, oneLocalEnv, server.HostHooks{Tray: true, Copy: func(text string) (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		copied = append(copied, text)
		return 45 * time.Second, nil
	}})
	tok, err := h.m.Token(context.Background(), "local", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	w := openWindow(t, h.sock)
	w.until(t, "a valid card", func() bool { return strings.Contains(w.cardText("local"), "VALID") })
	if strings.Contains(shownText(w.view.root), "tokentray daemon") {
		t.Error("a host with a clipboard and tray is described as a daemon")
	}
	tapButton(t, w.view.cards["local"].root, labelCopyHeader)
	w.until(t, "the copy confirmed", w.shows("Copied the Authorization header of local; clears in 45 s"))
	mu.Lock()
	defer mu.Unlock()
	if want := "Authorization: Bearer " + tok.AccessToken.Reveal(); len(copied) != 1 || copied[0] != want {
		t.Errorf("the host copied %q, want the header with the current token", copied)
	}
}

func TestHostGoingAwayShowsTheBannerAndTheWindowReconnects(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })

	h.stop()
	waitGone(t, h.sock)
	w.until(t, "the not-running banner", w.shows(offlineText))

	// A new host on the same socket, with a new environment meanwhile.
	if err := h.m.SetConfig(mustLoad(t, h.path, localEnv("local", h.oauth)+localEnv("later", h.oauth))); err != nil {
		t.Fatal(err)
	}
	h.serve(t)
	w.until(t, "the window back with the host's environments", func() bool {
		return !w.view.offline.Visible() && w.cardText("later") != "" && w.cardText("local") != ""
	})
}
