package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/tokentray/tokentray/manager"
)

// badge is the coloured state pill of a card.
type badge struct {
	box  *fyne.Container
	bg   *canvas.Rectangle
	text *canvas.Text
}

func newBadge() *badge {
	b := &badge{bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("", color.White)}
	b.bg.CornerRadius = 6
	b.text.TextStyle = fyne.TextStyle{Bold: true}
	b.text.TextSize = theme.CaptionTextSize()
	b.box = container.NewStack(b.bg, container.New(layout.NewCustomPaddedLayout(2, 2, 8, 8), b.text))
	return b
}

func (b *badge) set(s manager.State) {
	label, colour := badgeLook(s)
	b.text.Text = label
	b.bg.FillColor = theme.Color(colour)
	b.box.Refresh()
}

// badgeLook is the label and theme colour of a state.
func badgeLook(s manager.State) (string, fyne.ThemeColorName) {
	switch s {
	case manager.StateValid:
		return "VALID", theme.ColorNameSuccess
	case manager.StateRefreshing:
		return "REFRESHING", theme.ColorNamePrimary
	case manager.StateAuthorizing:
		return "AUTHORIZING", theme.ColorNamePrimary
	case manager.StateNeedsLogin:
		return "NEEDS LOGIN", theme.ColorNameWarning
	case manager.StateExpired:
		return "EXPIRED", theme.ColorNameError
	case manager.StateError:
		return "ERROR", theme.ColorNameError
	case manager.StateUnconfigured:
		return "NOT SET UP", theme.ColorNameDisabled
	}
	return string(s), theme.ColorNameDisabled
}
