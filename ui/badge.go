package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"github.com/tokentray/tokentray/platform/socket"
)

// badge is the coloured state pill of a card.
type badge struct {
	box  *fyne.Container
	bg   *canvas.Rectangle
	text *canvas.Text
}

func newBadge() *badge {
	b := &badge{bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("", color.Transparent)}
	b.bg.CornerRadius = 6
	b.text.TextStyle = fyne.TextStyle{Bold: true}
	b.text.TextSize = theme.CaptionTextSize()
	b.box = container.NewStack(b.bg, container.New(layout.NewCustomPaddedLayout(2, 2, 8, 8), b.text))
	return b
}

func (b *badge) set(s socket.State) {
	b.apply(badgeLook(s))
}

func (b *badge) apply(l look) {
	settings := fyne.CurrentApp().Settings()
	bg, fg := l.colours(settings.Theme(), settings.ThemeVariant())
	b.text.Text = l.label
	b.text.Color = fg
	b.bg.FillColor = bg
	b.box.Refresh()
}

// show is set for a whole status: a token that is still valid while
// refreshing it fails reads as a warning, not as VALID.
func (b *badge) show(st socket.Status) {
	if st.RefreshFailing {
		b.apply(refreshFailingLook)
		return
	}
	b.set(st.State)
}

// look is what a badge shows for a state: its word and the theme colours
// of its fill and of its text. The text colour is the fill's own
// "foreground on" colour, so the pair keeps its contrast in either
// theme variant.
type look struct {
	label  string
	bg, fg fyne.ThemeColorName
}

// colours resolves the look in a theme and variant.
func (l look) colours(th fyne.Theme, v fyne.ThemeVariant) (bg, fg color.Color) {
	return th.Color(l.bg, v), th.Color(l.fg, v)
}

// refreshFailingLook: the token is valid but the provider keeps failing.
var refreshFailingLook = look{"VALID — REFRESH FAILING", theme.ColorNameWarning, theme.ColorNameForegroundOnWarning}

// badgeLook is the look of a state.
func badgeLook(s socket.State) look {
	switch s {
	case socket.StateValid:
		return look{"VALID", theme.ColorNameSuccess, theme.ColorNameForegroundOnSuccess}
	case socket.StateRefreshing:
		return look{"REFRESHING", theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary}
	case socket.StateAuthorizing:
		return look{"AUTHORIZING", theme.ColorNamePrimary, theme.ColorNameForegroundOnPrimary}
	case socket.StateNeedsLogin:
		return look{"NEEDS LOGIN", theme.ColorNameWarning, theme.ColorNameForegroundOnWarning}
	case socket.StateExpired:
		return look{"EXPIRED", theme.ColorNameError, theme.ColorNameForegroundOnError}
	case socket.StateError:
		return look{"ERROR", theme.ColorNameError, theme.ColorNameForegroundOnError}
	case socket.StateUnconfigured:
		return look{"NOT SET UP", theme.ColorNameDisabled, theme.ColorNameBackground}
	}
	return look{string(s), theme.ColorNameDisabled, theme.ColorNameBackground}
}
