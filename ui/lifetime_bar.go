package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// lifetimeBar is a thin bar for the share of the token's lifetime left.
// Fyne's ProgressBar is as tall as a button, too loud for a card that
// ticks every second.
type lifetimeBar struct {
	*fyne.Container
	Value    float64
	track    *canvas.Rectangle
	fill     *canvas.Rectangle
	barShare *barLayout
}

func newLifetimeBar() *lifetimeBar {
	b := &lifetimeBar{
		track:    canvas.NewRectangle(theme.Color(theme.ColorNameInputBorder)),
		fill:     canvas.NewRectangle(theme.Color(theme.ColorNamePrimary)),
		barShare: &barLayout{},
	}
	b.track.CornerRadius, b.fill.CornerRadius = 3, 3
	b.Container = container.New(b.barShare, b.track, b.fill)
	return b
}

// SetValue sets the share left, in [0,1]; the fill turns to the warning
// colour in the last tenth.
func (b *lifetimeBar) SetValue(v float64) {
	b.Value = v
	b.barShare.share = float32(v)
	colour := theme.ColorNamePrimary
	if v < 0.1 {
		colour = theme.ColorNameWarning
	}
	b.fill.FillColor = theme.Color(colour)
	b.track.FillColor = theme.Color(theme.ColorNameInputBorder)
	b.Container.Refresh()
}

// barLayout stretches the track and gives the fill its share of the width.
type barLayout struct{ share float32 }

func (l *barLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
	objs[1].Move(fyne.NewPos(0, 0))
	objs[1].Resize(fyne.NewSize(size.Width*l.share, size.Height))
}

func (l *barLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(40, 6) }
