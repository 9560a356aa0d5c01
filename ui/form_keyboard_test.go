package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// press sends a key to what has the focus, or to the window when nothing
// has, as the driver does.
func press(c fyne.Canvas, key fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: key}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// formOpen reports whether fd is the dialog on top of the window.
func (w *testWin) formOpen(fd *formDialog) bool {
	top := w.win.Canvas().Overlays().Top()
	return top != nil && top.Visible() && strings.Contains(shownText(top), fieldClientID)
}

func TestFormOpensWithItsFirstFieldFocused(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "zepto-sandbox")
	defer fd.dialog.Hide()
	if got := w.win.Canvas().Focused(); got != fd.form.name {
		t.Errorf("focused %T, want the Name entry, where typing goes", got)
	}
	// Shift+Tab goes back to the provider picker above it, Tab on to the client ID.
	test.FocusPrevious(w.win.Canvas())
	if got := w.win.Canvas().Focused(); got != fd.form.preset {
		t.Errorf("after Shift+Tab focused %T, want the Provider picker", got)
	}
	test.FocusNext(w.win.Canvas())
	test.FocusNext(w.win.Canvas())
	if got := w.win.Canvas().Focused(); got != fd.form.clientID {
		t.Errorf("after Tab focused %T, want the Client ID entry", got)
	}
}

func TestEnterInAnyEntrySavesTheForm(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	c := w.win.Canvas()
	fd := w.showForm(nil, "")
	f := fd.form
	f.selectFlow(config.FlowClientCredentials)
	for _, typed := range []struct {
		entry *formEntry
		text  string
	}{{f.name, "local"}, {f.clientID, "abc"}, {f.tokenURL, h.oauth.TokenURL()}} {
		c.Focus(typed.entry)
		test.Type(typed.entry, typed.text)
	}
	// Enter with the secret still missing: the problem shows, nothing is sent.
	c.Focus(f.tokenURL)
	press(c, fyne.KeyReturn)
	if fd.saving || !strings.Contains(hintOf(f.item(fieldSecret)), "Client secret is required") {
		t.Fatalf("Enter in Token URL: secret shows %q, saving %v", hintOf(f.item(fieldSecret)), fd.saving)
	}
	c.Focus(f.secret)
	test.Type(f.secret, "s3cret-value")
	press(c, fyne.KeyReturn)
	if !fd.saving {
		t.Fatal("Enter in the secret entry did not save")
	}
	w.until(t, "the host to take it", func() bool { return fd.saved })
	if !strings.Contains(h.config(t), `name = "local"`) {
		t.Errorf("config after Enter:\n%s", h.config(t))
	}
	if w.formOpen(fd) {
		t.Error("the form stays open after a save")
	}
}

func TestEscapeClosesTheForm(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	before := h.config(t)
	c := w.win.Canvas()
	for _, tc := range []struct {
		where string
		focus func(f *envForm)
	}{
		{"in the first field", func(f *envForm) {}},
		{"in the name", func(f *envForm) { c.Focus(f.name); test.Type(f.name, "half-typed") }},
		{"in the secret", func(f *envForm) { c.Focus(f.secret) }},
		{"in the flow picker", func(f *envForm) { c.Focus(f.flow) }},
		{"with nothing focused", func(f *envForm) { c.Unfocus() }},
	} {
		t.Run(tc.where, func(t *testing.T) {
			fd := w.showForm(nil, "")
			if !w.formOpen(fd) {
				t.Fatal("the form did not open")
			}
			tc.focus(fd.form)
			press(c, fyne.KeyEscape)
			if w.formOpen(fd) {
				fd.dialog.Hide()
				t.Fatal("Escape left the form open")
			}
		})
	}
	if h.config(t) != before {
		t.Error("Escape saved something")
	}
	// Closed, the form leaves the window's keys as they were.
	if h := c.OnTypedKey(); h != nil {
		h(&fyne.KeyEvent{Name: fyne.KeyEscape}) // must not panic or reopen anything
	}
}

func TestRemoveConfirmSaysWhatItsButtonsDo(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	e := config.Environment{Name: "local", Flow: config.FlowClientCredentials, ClientID: "abc", TokenURL: "https://example.com/token"}
	fd := w.showForm(&e, "")
	defer fd.dialog.Hide()
	test.Tap(button(t, w.win.Canvas().Overlays().Top(), "Remove"))
	got := buttons(w.win.Canvas().Overlays().Top())
	if !slices.Contains(got, "Keep") || !slices.Contains(got, "Remove") || slices.Contains(got, "Yes") || slices.Contains(got, "No") {
		t.Errorf("remove confirm buttons %q, want Keep and Remove", got)
	}
}
