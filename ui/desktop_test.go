package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

// testDesktop is the window on a real engine with an in-memory store and
// a config file in a temp dir; no goroutines of its own run (build only).
func testDesktop(t *testing.T, configText string) (*desktopApp, *manager.Manager, *manager.MemoryStore, string) {
	t.Helper()
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	store := manager.NewMemoryStore()
	m, err := manager.New(cfg, manager.Options{Store: store, OpenBrowser: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Close)
	d := newDesktop(a, m, Options{ConfigPath: path, SocketPath: "/run/user/1000/tokentray/tokentray.sock"})
	d.tickEvery = time.Hour
	d.build()
	t.Cleanup(d.stop)
	return d, m, store, path
}

func TestAddFormWritesTheConfigAndPutsTheSecretInTheKeychain(t *testing.T) {
	d, m, store, path := testDesktop(t, "# my environments\n")
	f, save := d.showForm(nil, "")
	f.name.SetText("local")
	f.flow.SetSelected(string(config.FlowClientCredentials))
	f.clientID.SetText("test-client")
	f.tokenURL.SetText("http://127.0.0.1:9096/token")
	f.secret.SetText("s3cret-value")
	save()
	if f.problems.Visible() {
		t.Fatalf("save refused: %s", f.problems.Text)
	}
	data, _ := os.ReadFile(path)
	text := string(data)
	if !strings.Contains(text, `name = "local"`) || !strings.Contains(text, "# my environments") {
		t.Errorf("config file after save:\n%s\nwant the new environment and the user's comment kept", text)
	}
	if strings.Contains(text, "s3cret-value") {
		t.Error("the client secret was written to the config file")
	}
	if s, _ := store.LoadSecret("local"); s.Reveal() != "s3cret-value" {
		t.Error("the client secret did not reach the keychain store")
	}
	if _, err := m.Status("local"); err != nil {
		t.Errorf("the engine does not run the new environment: %v", err)
	}
}

func TestInvalidFormWritesNothing(t *testing.T) {
	const original = "# my environments\n"
	d, m, _, path := testDesktop(t, original)
	f, save := d.showForm(nil, "zepto-sandbox")
	f.name.SetText("zepto-sandbox")
	f.clientID.SetText("abc")
	save() // no redirect URI: Zepto needs the registered one
	if !f.problems.Visible() || !strings.Contains(f.problems.Text, "redirect_uri") {
		t.Errorf("problems shown: %q, want the missing redirect_uri", f.problems.Text)
	}
	if data, _ := os.ReadFile(path); string(data) != original {
		t.Errorf("an invalid form changed the config file:\n%s", data)
	}
	if len(m.Environments()) != 0 {
		t.Error("an invalid form reached the engine")
	}
}

func TestCountdownsRunOnlyWhileTheWindowShows(t *testing.T) {
	d, _, _, _ := testDesktop(t, "")
	d.show()
	if d.tick == nil || !d.visible {
		t.Fatal("the countdown ticker does not run while the window shows")
	}
	d.hide()
	if d.tick != nil || d.visible {
		t.Fatal("the countdown ticker still runs with the window hidden")
	}
	d.refresh() // an engine event while hidden
	if !d.stale {
		t.Error("an event while hidden should only mark the window stale")
	}
	d.show()
	if d.stale || d.tick == nil {
		t.Error("showing the window again did not redraw it and restart the countdowns")
	}
}

func TestWithoutTrayHostClosingQuits(t *testing.T) {
	d, _, _, _ := testDesktop(t, "")
	if d.tray != nil {
		t.Skip("the test driver has a tray")
	}
	if !strings.Contains(shownText(d.view.root), "AppIndicator") {
		t.Error("without a tray the window does not say how to get one")
	}
	// Closing the window (Ctrl+W, as its close button) quits the app.
	d.win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault})
	if !d.stopped {
		t.Error("closing the window without a tray did not quit")
	}
}
