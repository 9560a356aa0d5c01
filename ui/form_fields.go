package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The fields of the window's forms and its filter, with the keys every
// one of them takes: Enter submits, Escape closes (or, in the filter,
// clears), and a drop-down picks the option whose start is typed.

// formEntry is an entry of the add/edit form: Enter submits the form
// (OnSubmitted) and Escape closes it, wherever the focus is.
type formEntry struct {
	widget.Entry
	onEscape func()
}

func newFormEntry() *formEntry {
	e := &formEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// newSecretEntry is a password entry: the text is masked until the user
// presses the eye button at its end, and masked again by a second press.
func newSecretEntry() *formEntry {
	e := &formEntry{}
	e.Password = true
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	var reveal *widget.Button
	reveal = widget.NewButtonWithIcon("", theme.VisibilityOffIcon(), func() {
		e.Password = !e.Password
		if e.Password {
			reveal.SetIcon(theme.VisibilityOffIcon())
		} else {
			reveal.SetIcon(theme.VisibilityIcon())
		}
		e.Refresh()
	})
	reveal.Importance = widget.LowImportance
	e.ActionItem = reveal
	return e
}

// TypedKey closes the form on Escape; every other key edits the text.
func (e *formEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// formSelect is a drop-down of the form that closes the form on Escape
// and picks the option whose start is typed, as desktop lists do.
type formSelect struct {
	widget.Select
	onEscape func()
	typed    string    // what was typed so far, for the next letter
	typedAt  time.Time // a pause starts a new word
}

// typeAheadPause is how long a pause between letters starts a new word.
const typeAheadPause = time.Second

func newFormSelect(options []string) *formSelect {
	s := &formSelect{}
	s.Options = options
	s.PlaceHolder = "(Select one)"
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey closes the form on Escape; every other key works the list.
func (s *formSelect) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && s.onEscape != nil {
		s.onEscape()
		return
	}
	s.Select.TypedKey(k)
}

// TypedRune picks the first option that starts with what was typed; a
// letter that matches nothing after the others starts a new word.
func (s *formSelect) TypedRune(r rune) {
	now := time.Now()
	if now.Sub(s.typedAt) > typeAheadPause {
		s.typed = ""
	}
	s.typedAt = now
	for _, word := range []string{s.typed + string(r), string(r)} {
		for _, o := range s.Options {
			if strings.HasPrefix(strings.ToLower(o), strings.ToLower(word)) {
				s.typed = word
				if o != s.Selected {
					s.SetSelected(o)
				}
				return
			}
		}
	}
	s.typed = ""
}
