package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// filterEntry is the window's filter field, nil when it is not shown.
func filterEntry(v *mainView) *widget.Entry {
	for _, x := range drawnObjects(v.root) {
		var e *widget.Entry
		switch y := x.(type) {
		case *widget.Entry:
			e = y
		case *formEntry:
			e = &y.Entry
		}
		if e != nil && strings.Contains(e.PlaceHolder, "Filter") {
			return e
		}
	}
	return nil
}

// shownCards are the names of the cards the list shows, in order.
func shownCards(v *mainView) []string {
	var out []string
	for _, name := range v.order {
		if c := v.cards[name]; c.root.Visible() {
			out = append(out, name)
		}
	}
	return out
}

// thirteen are environments as a team might have them.
func thirteen() []socket.Status {
	var out []socket.Status
	for _, name := range []string{"zepto-sandbox", "zepto-production", "campaignflow-test", "campaignflow-prod",
		"keycloak-dev", "keycloak-staging", "keycloak-prod", "okta-eu", "okta-us", "entra-graph", "github-app", "billing-api", "search-api"} {
		s := validStatus(name)
		s.Preset = ""
		switch {
		case strings.HasPrefix(name, "zepto"):
			s.Preset = "zepto-sandbox"
		case strings.HasPrefix(name, "keycloak"):
			s.Preset = "oidc"
		}
		out = append(out, s)
	}
	return out
}

func TestMoreThanSixEnvironmentsGetAFilter(t *testing.T) {
	v, w, _ := keyboardView(t, 6)
	if filterEntry(v) != nil {
		t.Error("a filter shows for six environments")
	}
	all := thirteen()
	v.update(all, now)
	f := filterEntry(v)
	if f == nil {
		t.Fatal("no filter field with 13 environments")
	}
	d := fyne.CurrentApp().Driver()
	if d.AbsolutePositionForObject(f).Y >= d.AbsolutePositionForObject(v.cards["zepto-sandbox"].root).Y {
		t.Error("the filter is not above the cards")
	}
	c := w.Canvas()
	// Tab: Add environment, Settings, the filter, then the cards.
	c.Unfocus()
	var order []string
	for range 3 {
		c.FocusNext()
		order = append(order, focusedText(w))
	}
	if order[2] != "*ui.formEntry" {
		t.Errorf("Tab reaches %q, want the filter third", order)
	}
	test.Type(c.Focused(), "keycloak")
	if got := shownCards(v); !slices.Equal(got, []string{"keycloak-dev", "keycloak-staging", "keycloak-prod"}) {
		t.Errorf("filtered by name: %q", got)
	}
	f.SetText("oidc") // the provider: keycloak's preset
	if got := shownCards(v); len(got) != 3 || got[0] != "keycloak-dev" {
		t.Errorf("filtered by provider: %q", got)
	}
	f.SetText("PROD")
	if got := shownCards(v); !slices.Equal(got, []string{"zepto-production", "campaignflow-prod", "keycloak-prod"}) {
		t.Errorf("filtered, any case: %q", got)
	}
	// A new snapshot keeps the filter.
	v.update(all, now.Add(time.Second))
	if got := shownCards(v); len(got) != 3 {
		t.Errorf("an update dropped the filter: %q", got)
	}
	f.SetText("nothing-like-this")
	if !strings.Contains(shownText(v.root), "No environment matches") {
		t.Errorf("an empty result says nothing:\n%s", shownText(v.root))
	}
	// Escape clears it, and the focus stays in the field.
	f.SetText("okta")
	press(c, fyne.KeyEscape)
	if f.Text != "" || len(shownCards(v)) != 13 {
		t.Errorf("Escape left %q and %d cards", f.Text, len(shownCards(v)))
	}
	if focusedText(w) != order[2] {
		t.Errorf("after Escape the focus is on %q, want the filter", focusedText(w))
	}
	// Enter goes to the first card that matches.
	test.Type(c.Focused(), "billing")
	press(c, fyne.KeyReturn)
	b, ok := c.Focused().(*focusButton)
	if !ok || !slices.Contains(v.cards["billing-api"].buttons.Objects, fyne.CanvasObject(b)) {
		t.Errorf("Enter in the filter focused %q, want billing-api's first button", focusedText(w))
	}
	// Fewer environments again: no filter, every card shown.
	v.update(all[:5], now)
	if filterEntry(v) != nil || len(shownCards(v)) != 5 {
		t.Errorf("with five environments: filter %v, cards %q", filterEntry(v) != nil, shownCards(v))
	}
}

// shortcut sends a shortcut where the driver sends it: to the focused
// widget when it takes shortcuts, else to the window.
func shortcut(c fyne.Canvas, s fyne.Shortcut) {
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	if h, ok := c.(interface{ TypedShortcut(fyne.Shortcut) }); ok {
		h.TypedShortcut(s)
	}
}

func TestCtrlCOnAFocusedCardCopiesItsTokenThroughTheHost(t *testing.T) {
	var mu sync.Mutex
	var copied []string
	h := startHost(t, func(o *oauthserver.Server) string {
		var text string
		for i := range 7 {
			text += localEnv(fmt.Sprintf("env-%d", i), o)
		}
		return text
	}, server.HostHooks{Tray: true, Copy: func(text string) (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		copied = append(copied, text)
		return 45 * time.Second, nil
	}})
	tok, err := h.m.Token(context.Background(), "env-3", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	w := openWindow(t, h.sock)
	w.until(t, "seven valid cards", func() bool {
		return strings.Contains(w.cardText("env-6"), "VALID") && strings.Contains(w.cardText("env-3"), "VALID")
	})
	c := w.win.Canvas()
	c.Focus(w.view.cards["env-3"].buttons.Objects[2].(*focusButton)) // Refresh: any of the card's buttons
	shortcut(c, &fyne.ShortcutCopy{Clipboard: w.app.Clipboard()})
	w.until(t, "the copy confirmed", w.shows("Copied the token of env-3"))
	mu.Lock()
	got := slices.Clone(copied)
	mu.Unlock()
	if len(got) != 1 || got[0] != tok.AccessToken.Reveal() {
		t.Errorf("the host copied %d values, want env-3's token once", len(got))
	}
	reads, err := h.m.Reads("env-3")
	if err != nil || len(reads) == 0 || reads[0].Via != manager.ViaCopy {
		t.Errorf("the read log of env-3: %+v %v, want a copy through the host", reads, err)
	}
}
