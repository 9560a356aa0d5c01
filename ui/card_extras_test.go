package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestACardInMemoryOnlySaysHowToKeepItsSecrets(t *testing.T) {
	s := validStatus("local")
	s.Persistent, s.Store = false, "memory"
	c, _ := newTestCard(t, s)
	text := shownText(c.root)
	if !strings.Contains(text, "memory only") || !strings.Contains(text, `store = "file"`) {
		t.Errorf("a card kept in memory shows:\n%s", text)
	}
	s.Persistent, s.Store = true, "keychain"
	c.update(s, now)
	if strings.Contains(shownText(c.root), "memory") {
		t.Error("a card in the keychain says memory")
	}
}

func TestAHeldHandEditShowsFirstOnTheCard(t *testing.T) {
	s := validStatus("prod")
	s.Guarded = true
	s.Held = "a hand edit of the config file would change token_url; it waits for your answer"
	c, _ := newTestCard(t, s)
	l := labelSaying(c.root, "hand edit of the config file")
	if l == nil {
		t.Fatalf("the card does not say the edit is held:\n%s", shownText(c.root))
	}
	if l.Importance != widget.WarningImportance || !l.TextStyle.Bold {
		t.Errorf("the held edit is said in %v, bold %v: want a bold warning", l.Importance, l.TextStyle.Bold)
	}
	// Before the error, the next step and the buttons.
	if slices.Index(c.content.Objects, fyne.CanvasObject(l)) > slices.Index(c.content.Objects, fyne.CanvasObject(c.errorText)) {
		t.Error("the held edit is said after the error")
	}
}

func TestTheCardShowsItsProxyWithACopyButton(t *testing.T) {
	s := validStatus("api")
	s.Proxy = "http://127.0.0.1:8181"
	c, calls := newTestCard(t, s)
	if text := shownText(c.root); !strings.Contains(text, "Proxy: http://127.0.0.1:8181") {
		t.Errorf("the card does not show its proxy:\n%s", text)
	}
	test.Tap(button(t, c.root, "Copy address"))
	if !slices.Equal(*calls, []string{"copy-text http://127.0.0.1:8181"}) {
		t.Errorf("Copy address called %q", *calls)
	}
	s.Proxy, s.ProxyProblem = "", "127.0.0.1:8181 is in use"
	c.update(s, now)
	l := labelSaying(c.root, "127.0.0.1:8181 is in use")
	if l == nil || l.Importance != widget.DangerImportance || !strings.Contains(l.Text, "Proxy") {
		t.Errorf("the proxy's problem is not said as a problem:\n%s", shownText(c.root))
	}
	if slices.Contains(buttons(c.root), "Copy address") {
		t.Error("a proxy that does not run offers its address")
	}
}
