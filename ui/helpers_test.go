package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

// visibleObjects walks the tree like the eye does: hidden branches are skipped.
func visibleObjects(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			visibleObjects(c, visit)
		}
	case *widget.Card:
		visibleObjects(x.Content, visit)
	case *container.Scroll:
		visibleObjects(x.Content, visit)
	case *widget.PopUp:
		visibleObjects(x.Content, visit)
	}
}

// shownText is every visible text in o, one per line.
func shownText(o fyne.CanvasObject) string {
	var lines []string
	visibleObjects(o, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			lines = append(lines, x.Text)
		case *hoverLabel:
			lines = append(lines, x.Text)
		case *canvas.Text:
			lines = append(lines, x.Text)
		case *widget.Card:
			lines = append(lines, x.Title, x.Subtitle)
		}
	})
	return strings.Join(lines, "\n")
}

// buttons are the visible buttons' labels, in order.
func buttons(o fyne.CanvasObject) []string {
	var out []string
	visibleObjects(o, func(o fyne.CanvasObject) {
		if b := asButton(o); b != nil {
			out = append(out, b.Text)
		}
	})
	return out
}

// asButton is o as a button: a plain one, or a card's focusButton.
func asButton(o fyne.CanvasObject) *widget.Button {
	switch b := o.(type) {
	case *widget.Button:
		return b
	case *focusButton:
		return &b.Button
	}
	return nil
}

func button(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	visibleObjects(o, func(o fyne.CanvasObject) {
		if b := asButton(o); b != nil && b.Text == label {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q; buttons are %q", label, buttons(o))
	}
	return found
}

func validStatus(name string) socket.Status {
	return socket.Status{
		Name: name, Preset: "zepto-sandbox", Flow: config.FlowAuthorizationCode,
		State: socket.StateValid, IssuedAt: at(-8 * time.Minute), ExpiresAt: at(time.Hour + 52*time.Minute + 7*time.Second),
		HasRefresh: true, Persistent: true,
	}
}
