package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/platform/socket"
)

// filterAbove is how many environments fit without a filter: six
// compact cards fit in the window's 600 px.
const filterAbove = 6

// cardFilter is the field above the cards once there are more than
// filterAbove: typing keeps the cards whose name or provider holds the
// text, Escape clears it, Enter goes to the first card that matches.
type cardFilter struct {
	entry   *formEntry
	noMatch *widget.Label
}

func newCardFilter(changed func(), submitted func()) *cardFilter {
	f := &cardFilter{entry: newFormEntry(), noMatch: wrapped(widget.MediumImportance)}
	f.entry.SetPlaceHolder("Filter by name or provider")
	f.entry.OnChanged = func(string) { changed() }
	f.entry.OnSubmitted = func(string) { submitted() }
	// Escape empties the field and leaves the focus in it, ready for
	// the next word.
	f.entry.onEscape = func() { f.entry.SetText("") }
	f.entry.Hide()
	return f
}

// setOffered shows the field when there are more than filterAbove
// environments; hidden, it filters nothing.
func (f *cardFilter) setOffered(n int) {
	if n > filterAbove {
		f.entry.Show()
		return
	}
	if f.entry.Text != "" {
		f.entry.SetText("")
	}
	f.entry.Hide()
}

// matches reports whether s is one the filter keeps: its name, provider
// (preset and its title) or flow holds the text, in any case.
func (f *cardFilter) matches(s socket.Status) bool {
	q := strings.ToLower(strings.TrimSpace(f.entry.Text))
	if q == "" || !f.entry.Visible() {
		return true
	}
	for _, field := range []string{s.Name, subtitle(s), presetTitles[s.Preset]} {
		if strings.Contains(strings.ToLower(field), q) {
			return true
		}
	}
	return false
}

// sayNoMatch says when the filter keeps no card.
func (f *cardFilter) sayNoMatch(none bool) {
	text := ""
	if none {
		text = "No environment matches \"" + strings.TrimSpace(f.entry.Text) + "\"; Escape clears the filter."
	}
	setText(f.noMatch, text)
}

// focusIn moves the keyboard focus to o, in whatever canvas shows it.
func focusIn(o fyne.Focusable) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(o.(fyne.CanvasObject)); c != nil {
		c.Focus(o)
	}
}
