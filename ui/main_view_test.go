package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestFirstStartExplainsAndOffersThePresets(t *testing.T) {
	test.NewTempApp(t)
	var added []string
	v := newMainView(envActions{}, "/run/user/1000/tokentray/tokentray.sock", func(p string) { added = append(added, p) }, nil)
	v.setPresets([]socket.PresetInfo{{Name: "zepto-sandbox", Title: "Zepto payments API, sandbox (authorization code)"}})
	v.update(nil, now)
	text := shownText(v.root)
	for _, want := range []string{"No environments yet", "keeps every environment's access token fresh", "/run/user/1000/tokentray/tokentray.sock"} {
		if !strings.Contains(text, want) {
			t.Errorf("window shows %q, want %q", text, want)
		}
	}
	test.Tap(button(t, v.root, "zepto-sandbox — Zepto payments API, sandbox (authorization code)"))
	test.Tap(button(t, v.root, "Any other OAuth2 provider"))
	if strings.Join(added, ",") != "zepto-sandbox," {
		t.Errorf("add form opened for %q", added)
	}
}

func TestCardsFollowTheConfigAndSayWhenTokensAreInMemoryOnly(t *testing.T) {
	test.NewTempApp(t)
	v := newMainView(envActions{}, "/tmp/s.sock", func(string) {}, nil)
	a, b := validStatus("a"), validStatus("b")
	v.update([]socket.Status{a, b}, now)
	if strings.Contains(shownText(v.root), "No environments yet") {
		t.Error("empty state shown next to cards")
	}
	if strings.Contains(shownText(v.root), "memory only") {
		t.Error("memory-only warning shown with a keychain")
	}
	first := v.cards["a"]
	a.Persistent, b.Persistent = false, false
	a.Store, b.Store = "memory", "memory"
	v.update([]socket.Status{b, a}, now)
	if v.cards["a"] != first {
		t.Error("an update replaced a card instead of updating it")
	}
	if v.list.Objects[0] != v.cards["b"].root {
		t.Error("cards do not follow the config order")
	}
	if !strings.Contains(shownText(v.root), "tokens are kept in memory only") {
		t.Error("no warning that tokens are in memory only")
	}
	v.update([]socket.Status{b}, now)
	if _, ok := v.cards["a"]; ok || len(v.list.Objects) != 1 {
		t.Error("a removed environment keeps its card")
	}
}

func TestWithoutTrayTheWindowSaysHowToGetOne(t *testing.T) {
	test.NewTempApp(t)
	v := newMainView(envActions{}, "/tmp/s.sock", func(string) {}, nil)
	v.showTrayHint("No system tray found, install the AppIndicator extension")
	if !strings.Contains(shownText(v.root), "AppIndicator") {
		t.Fatal("tray hint not shown")
	}
	test.Tap(button(t, v.trayHint, ""))
	if strings.Contains(shownText(v.root), "AppIndicator") {
		t.Error("tray hint cannot be dismissed")
	}
}
