package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// drawnObjects are the visible objects under o, widgets' insides included.
func drawnObjects(o fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	drawn(o, func(o fyne.CanvasObject) { out = append(out, o) })
	return out
}

// entryShowing is the visible entry under o whose text is text.
func entryShowing(t *testing.T, o fyne.CanvasObject, text string) *widget.Entry {
	t.Helper()
	for _, x := range drawnObjects(o) {
		switch e := x.(type) {
		case *widget.Entry:
			if e.Text == text {
				return e
			}
		case *formEntry:
			if e.Text == text {
				return &e.Entry
			}
		}
	}
	t.Fatalf("no entry shows %q:\n%s", text, drawnTexts(o))
	return nil
}

// selectOffering is the visible drop-down under o that offers option.
func selectOffering(t *testing.T, o fyne.CanvasObject, option string) *widget.Select {
	t.Helper()
	for _, x := range drawnObjects(o) {
		var s *widget.Select
		switch y := x.(type) {
		case *widget.Select:
			s = y
		case *formSelect:
			s = &y.Select
		}
		if s != nil && slices.Contains(s.Options, option) {
			return s
		}
	}
	t.Fatalf("no drop-down offers %q:\n%s", option, drawnTexts(o))
	return nil
}

// labelSaying is the visible label under o whose text holds text.
func labelSaying(o fyne.CanvasObject, text string) *widget.Label {
	for _, x := range drawnObjects(o) {
		if l, ok := x.(*widget.Label); ok && strings.Contains(l.Text, text) {
			return l
		}
		if l, ok := x.(*hoverLabel); ok && strings.Contains(l.Text, text) {
			return &l.Label
		}
	}
	return nil
}

func (w *testWin) openSettingsAndWait(t *testing.T) *settingsForm {
	t.Helper()
	w.settings = nil
	w.openSettings()
	w.until(t, "the settings", func() bool { return w.settings != nil })
	return w.settings
}

func TestSettingsEnterSavesAndEscapeCloses(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	c := w.win.Canvas()
	f := w.openSettingsAndWait(t)
	c.Focus(f.clipboardClear)
	f.clipboardClear.SetText("30s")
	press(c, fyne.KeyReturn)
	if !f.saving && !f.saved {
		t.Fatal("Enter in a settings field did not save")
	}
	w.until(t, "the host to answer", func() bool { return f.saved })
	if !strings.Contains(h.config(t), `clipboard_clear = "30s"`) {
		t.Errorf("config after Enter:\n%s", h.config(t))
	}
	if w.win.Canvas().Overlays().Top() != nil {
		t.Error("the settings stay open after the save")
	}
	for _, where := range []string{"in a field", "with nothing focused"} {
		f = w.openSettingsAndWait(t)
		if where == "in a field" {
			c.Focus(f.refreshMargin)
		} else {
			c.Unfocus()
		}
		press(c, fyne.KeyEscape)
		if top := c.Overlays().Top(); top != nil {
			t.Errorf("Escape %s left the settings open", where)
			top.Hide()
		}
	}
}

func TestSettingsShowEachProblemUnderItsFieldInItsWords(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	before := h.config(t)
	f := w.openSettingsAndWait(t)
	top := w.win.Canvas().Overlays().Top()
	f.clipboardClear.SetText("soon")
	f.refreshMargin.SetText("20h")
	f.save()
	w.until(t, "the problems", func() bool { return !f.saving })
	if f.saved || h.config(t) != before {
		t.Fatal("bad settings were saved")
	}
	text := drawnTexts(top)
	for _, wrong := range []string{"clipboard clear:", "clipboard_clear", "refresh margin:", "refresh_margin"} {
		if strings.Contains(text, wrong) {
			t.Errorf("the settings speak in keys (%q):\n%s", wrong, text)
		}
	}
	d := fyne.CurrentApp().Driver()
	for _, tc := range []struct {
		entry, next fyne.CanvasObject
		want        string
	}{
		{f.clipboardClear, f.refreshMargin, "a positive duration such as"},
		{f.refreshMargin, nil, "between 10s and 12h"},
	} {
		l := labelSaying(top, tc.want)
		if l == nil {
			t.Errorf("no problem saying %q:\n%s", tc.want, text)
			continue
		}
		ly, ey := d.AbsolutePositionForObject(l).Y, d.AbsolutePositionForObject(tc.entry).Y+tc.entry.Size().Height
		if ly < ey || (tc.next != nil && ly > d.AbsolutePositionForObject(tc.next).Y) {
			t.Errorf("problem %q at y=%.0f is not under its field (ending at y=%.0f)", l.Text, ly, ey)
		}
	}
	// The dialog grew with its notes: its buttons sit below the last field.
	_, lastBottom := absRect(f.startAtLogin)
	if saveTop, _ := absRect(button(t, top, "Save")); saveTop < lastBottom {
		t.Errorf("the Save button (y=%.0f) is drawn over the fields (last ending at y=%.0f)", saveTop, lastBottom)
	}
	// Changed, a field's problem goes.
	f.clipboardClear.SetText("20s")
	if labelSaying(top, "a positive duration such as") != nil {
		t.Error("the problem stays after the field changed")
	}
}

func TestSettingsOfferTheGuardWindowAndTheTheme(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	f := w.openSettingsAndWait(t)
	top := w.win.Canvas().Overlays().Top()
	guard := entryShowing(t, top, "10m")
	theme := selectOffering(t, top, "Dark")
	if !slices.Equal(theme.Options, []string{"System", "Light", "Dark"}) || theme.Selected != "System" {
		t.Errorf("theme offers %q with %q chosen, want System, Light, Dark with System", theme.Options, theme.Selected)
	}
	guard.SetText("15m")
	theme.SetSelected("Light")
	f.save()
	w.until(t, "the host to answer", func() bool { return !f.saving })
	if !f.saved {
		t.Fatalf("refused: %s", drawnTexts(top))
	}
	text := h.config(t)
	for _, want := range []string{`guard_window = "15m"`, `theme = "light"`} {
		if !strings.Contains(text, want) {
			t.Errorf("config lacks %s:\n%s", want, text)
		}
	}
}

func TestGuardQuestionAllowsForTheHostsWindow(t *testing.T) {
	w := offlineWindow(t)
	p := withGuardChannel(t, w)
	q := question(9)
	q.Allow = "Allow for 15 min"
	q.Summary = "Allow curl (pid 42) to read the zepto-production token?"
	p.ask(t, q)
	top := func() fyne.CanvasObject { return w.win.Canvas().Overlays().Top() }
	w.until(t, "the question", func() bool { return top() != nil })
	if got := buttons(top()); !slices.Equal(got, []string{"Deny", "Allow for 15 min"}) {
		t.Errorf("buttons %q, want Deny and the host's Allow for 15 min", got)
	}
	if text := shownText(top()); !strings.Contains(text, q.Summary) {
		t.Errorf("the question does not ask the host's question %q:\n%s", q.Summary, text)
	}
	test.Tap(button(t, top(), "Allow for 15 min"))
	if a := p.answer(t); a.ID != 9 || !a.Allow {
		t.Fatalf("answer %+v, want allow for 9", a)
	}
	// A question that approves nothing for later (a change) says plain Allow.
	q = question(10)
	q.Allow = "Allow"
	p.ask(t, q)
	w.until(t, "the next question", func() bool { return top() != nil })
	if got := buttons(top()); !slices.Contains(got, "Allow") {
		t.Errorf("buttons %q, want Allow", got)
	}
}

func TestReadsDialogCutsLongCommandLinesAndShowsCountAndRoute(t *testing.T) {
	h := startHost(t, oneLocalEnv, server.HostHooks{})
	long := "/usr/bin/python3 /home/me/src/integration/scripts/reconcile_payments.py --environment sandbox " +
		"--since 2025-01-01 --until 2025-03-01 --output /home/me/reports/reconciliation-report.csv --verbose"
	reader := manager.Reader{PID: 4242, UID: 1000, Exe: "/usr/bin/python3", Cmdline: long}
	for range 3 {
		if _, err := h.m.Read(context.Background(), "local", manager.ReadRequest{Reader: reader, Via: "proxy"}); err != nil {
			t.Fatal(err)
		}
	}
	w := openWindow(t, h.sock)
	w.until(t, "a read card", func() bool { return strings.Contains(w.cardText("local"), "last read") })
	tapButton(t, w.view.cards["local"].root, labelReads)
	w.until(t, "the reads", func() bool { return strings.Contains(w.dialogText(), "python3") })
	top := w.win.Canvas().Overlays().Top()
	text := drawnTexts(top)
	for _, want := range []string{"READS", "VIA", "proxy", "python3 (pid 4242)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the reads dialog lacks %q:\n%s", want, text)
		}
	}
	counted := false
	for _, x := range drawnObjects(top) {
		if l, ok := x.(*hoverLabel); ok && l.Text == "3" {
			counted = true
		}
	}
	if !counted {
		t.Errorf("the count of the three reads is not shown:\n%s", text)
	}
	cmd := labelSaying(top, "reconcile_payments.py")
	if cmd == nil {
		t.Fatalf("no command line:\n%s", text)
	}
	if cmd.Truncation != fyne.TextTruncateEllipsis || cmd.Wrapping != fyne.TextWrapOff {
		t.Errorf("the long command line is not cut with …: truncation %v wrapping %v", cmd.Truncation, cmd.Wrapping)
	}
	if oneLine := cmd.MinSize().Height; cmd.Size().Height > 1.5*oneLine {
		t.Errorf("the command line takes %.0f px, more than one line (%.0f)", cmd.Size().Height, oneLine)
	}
	if !strings.HasPrefix(cmd.Text, "python3 /home/me") || !strings.HasSuffix(cmd.Text, "--verbose") {
		t.Errorf("the command line's text %q is not the whole, short-named command", cmd.Text)
	}
	// Pointed at, it is shown whole.
	var hl *hoverLabel
	for _, x := range drawnObjects(top) {
		if l, ok := x.(*hoverLabel); ok && strings.Contains(l.Text, "reconcile_payments.py") {
			hl = l
		}
	}
	if hl == nil {
		t.Fatal("the command line shows no whole text when pointed at")
	}
	hl.MouseIn(nil)
	if hl.Truncation != fyne.TextTruncateOff {
		t.Error("pointing at the command line does not show it whole")
	}
	press(w.win.Canvas(), fyne.KeyEscape)
	if w.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape left the reads open")
	}
}
