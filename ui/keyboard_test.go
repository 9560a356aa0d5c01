package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

func keyboardView(t *testing.T, n int) (*mainView, fyne.Window, *[]string) {
	t.Helper()
	test.NewTempApp(t)
	var calls []string
	rec := func(action string) func(string) {
		return func(env string) { calls = append(calls, action+" "+env) }
	}
	a := envActions{Authorize: rec("authorize"), Refresh: rec("refresh"), CopyToken: rec("copy-token"),
		CopyHeader: rec("copy-header"), SignOut: rec("sign-out"), Edit: rec("edit")}
	v := newMainView(a, "/tmp/s.sock", func(string) { calls = append(calls, "add") }, nil)
	w := test.NewWindow(v.root)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(760, 600))
	var statuses []socket.Status
	for i := range n {
		statuses = append(statuses, validStatus(fmt.Sprintf("env-%02d", i)))
	}
	v.update(statuses, now)
	return v, w, &calls
}

func focusedText(w fyne.Window) string {
	switch f := w.Canvas().Focused().(type) {
	case *widget.Button:
		return f.Text
	case *focusButton:
		return f.Text
	case nil:
		return "<nothing>"
	}
	return fmt.Sprintf("%T", w.Canvas().Focused())
}

func TestAddEnvironmentIsTheFirstTab(t *testing.T) {
	_, w, calls := keyboardView(t, 12)
	w.Canvas().FocusNext()
	if got := focusedText(w); got != "Add environment" {
		t.Fatalf("the first Tab focuses %q, want Add environment", got)
	}
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(*calls, []string{"add"}) {
		t.Errorf("Enter on Add environment called %q", *calls)
	}
}

func TestTabWalksTheCardsInOrderAndScrollsThemIntoView(t *testing.T) {
	v, w, calls := keyboardView(t, 12)
	c := w.Canvas()
	var seen []string
	for range 200 {
		c.FocusNext()
		b, ok := c.Focused().(*focusButton)
		if !ok {
			continue
		}
		// Which card holds it, and is that card in view?
		for _, name := range v.order {
			card := v.cards[name]
			if !slices.Contains(card.buttons.Objects, fyne.CanvasObject(b)) {
				continue
			}
			if len(seen) == 0 || seen[len(seen)-1] != name {
				seen = append(seen, name)
			}
			bAbs := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
			sAbs := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.scroll)
			if bAbs.Y < sAbs.Y || bAbs.Y+b.Size().Height > sAbs.Y+v.scroll.Size().Height {
				t.Fatalf("focused button %q of %s at y=%v is outside the list's view %v..%v",
					b.Text, name, bAbs.Y, sAbs.Y, sAbs.Y+v.scroll.Size().Height)
			}
		}
		if len(seen) == 12 {
			break
		}
	}
	if !slices.Equal(seen, v.order) {
		t.Fatalf("Tab visited the cards %q, want %q in order", seen, v.order)
	}
	// Enter presses the focused button.
	b := c.Focused().(*focusButton)
	b.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
	if len(*calls) != 1 {
		t.Errorf("Enter on %q called %q, want one action", b.Text, *calls)
	}
}

// Sign out (the authorization-code flow; client credentials forget their
// token instead) asks first in its own words, and Escape keeps.
func TestSignOutConfirmSaysWhatItDoesAndEscapeKeeps(t *testing.T) {
	h := startHost(t, webEnv, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("web") != "" })
	w.confirmSignOut("web") // what the card's Sign out does
	top := w.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no confirmation")
	}
	if text := shownText(top); !strings.Contains(text, "Sign out of web?") || !strings.Contains(text, "authorize again") {
		t.Errorf("the confirmation reads:\n%s", text)
	}
	if got := buttons(top); !slices.Contains(got, labelConfirmSignOut) || !slices.Contains(got, labelKeep) ||
		slices.Contains(got, "Yes") || slices.Contains(got, "No") {
		t.Errorf("confirmation buttons %q, want Sign out and Keep", got)
	}
	// Escape closes it.
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape left the confirmation open")
	}
}
