package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/enginewait"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/host"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// testHost is a real host for the window to talk to: the engine on a
// config file in a temp dir, an in-memory keychain, the socket server on
// a unix socket, and a local OAuth server issuing the tokens.
type testHost struct {
	m      *manager.Manager
	store  *manager.VaultStore
	oauth  *oauthserver.Server
	path   string // the config file
	sock   string
	server *server.Server
	hooks  server.HostHooks
	cf     *host.ConfigFile
}

// localEnv is a client-credentials environment on the test OAuth server.
func localEnv(name string, oauth *oauthserver.Server) string {
	return fmt.Sprintf("[[environment]]\nname = %q\nflow = \"client_credentials\"\ntoken_url = %q\nclient_id = %q\n",
		name, oauth.TokenURL(), oauthserver.DefaultClientID)
}

// startHost starts a host; configText may use %s for the OAuth server's
// environments via localEnv.
func startHost(t *testing.T, configText func(oauth *oauthserver.Server) string, hooks server.HostHooks) *testHost {
	t.Helper()
	h := &testHost{oauth: oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour}), hooks: hooks}
	// A short directory: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "tt-ui-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	h.path = filepath.Join(dir, "config.toml")
	h.sock = filepath.Join(dir, "s.sock")
	if err := os.WriteFile(h.path, []byte(configText(h.oauth)), 0o600); err != nil {
		t.Fatal(err)
	}
	h.cf = host.NewConfigFile(h.path, slog.New(slog.DiscardHandler))
	cfg, err := h.cf.Load()
	if err != nil {
		t.Fatal(err)
	}
	h.store = manager.NewMemoryStore()
	for _, e := range cfg.Environments {
		_ = h.store.SaveSecret(e.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	}
	h.m, err = manager.New(cfg, manager.Options{Store: h.store, OpenBrowser: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	h.m.Start()
	t.Cleanup(h.m.Close)
	if err := enginewait.Loaded(h.m); err != nil {
		t.Fatal(err)
	}

	h.cf.Attach(h.m)
	t.Cleanup(h.cf.Close)
	h.serve(t)
	t.Cleanup(h.stop)
	return h
}

// serve starts a socket server on the host's socket path.
func (h *testHost) serve(t *testing.T) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := socket.Listen(h.sock, log)
	if err != nil {
		t.Fatal(err)
	}
	h.server = server.NewServer(h.m, log, server.Limits{RequestTimeout: 5 * time.Second})
	h.server.SetConfigEditor(h.cf)
	h.server.SetHostHooks(h.hooks)
	go h.server.Serve(ln)
}

// stop ends the socket server, as when the host quits.
func (h *testHost) stop() {
	if h.server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.server.Shutdown(ctx)
	h.server = nil
}

func (h *testHost) config(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(h.path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// testWin is the window on the test driver, following a host. Work the
// window hands to the main thread queues up until the test runs it in
// until, so widgets are only ever touched by the test goroutine.
type testWin struct {
	*window
	queue chan func()
}

func openWindow(t *testing.T, sock string) *testWin {
	t.Helper()
	return openWindowWith(t, sock, WindowOptions{})
}

func openWindowWith(t *testing.T, sock string, opts WindowOptions) *testWin {
	t.Helper()
	a := test.NewTempApp(t)
	client := socket.NewClient(sock, 10*time.Second)
	t.Cleanup(client.Close)
	w := &testWin{window: newWindow(a, client, opts), queue: make(chan func(), 64)}
	w.onMain = func(f func()) {
		select {
		case w.queue <- f:
		case <-w.done:
		}
	}
	w.tickEvery = time.Hour
	w.retryEvery = 100 * time.Millisecond
	w.build()
	w.show()
	w.connect()
	t.Cleanup(func() {
		w.stop()
		w.follows.Wait()
	})
	return w
}

// until runs the window's main-thread work until cond holds.
func (w *testWin) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-w.queue:
			f()
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited 10 s for %s; the window shows:\n%s", what, shownText(w.view.root))
		}
	}
}

// shows reports whether the window's text holds want.
func (w *testWin) shows(want string) func() bool {
	return func() bool { return strings.Contains(shownText(w.view.root), want) }
}

// cardText is what one environment's card shows, "" without a card.
func (w *testWin) cardText(env string) string {
	c, ok := w.view.cards[env]
	if !ok || !c.root.Visible() {
		return ""
	}
	return shownText(c.root)
}

// dialogText is every visible text of the topmost dialog.
func (w *testWin) dialogText() string {
	top := w.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	return shownText(top)
}

// waitForListener waits until nothing listens on sock any more.
func waitGone(t *testing.T, sock string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		c, err := net.Dial("unix", sock)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("something still listens on %s", sock)
}

func tapButton(t *testing.T, o fyne.CanvasObject, label string) {
	t.Helper()
	test.Tap(button(t, o, label))
}

// mustLoad writes text to the config file at path and loads it.
func mustLoad(t *testing.T, path, text string) *config.Config {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
