package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokentray/tokentray/platform/socket"
)

const emptyIntro = "tokentray signs you in to OAuth2 APIs in the browser, keeps every " +
	"environment's access token fresh in the background, keeps secrets in the " +
	"keychain, and hands current tokens to your scripts " +
	"(tokentray token <environment>). Add an environment to start:"

// emptyState is the first-start page: what tokentray does, and the presets.
func emptyState(presets []socket.PresetInfo, onAdd func(string)) fyne.CanvasObject {
	heading := widget.NewLabelWithStyle("No environments yet", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(emptyIntro)
	intro.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{heading, intro}
	for _, p := range presets {
		label := p.Name
		if p.Title != "" {
			label += " — " + p.Title
		}
		b := widget.NewButtonWithIcon(label, theme.ContentAddIcon(), func() { onAdd(p.Name) })
		b.Alignment = widget.ButtonAlignLeading
		items = append(items, b)
	}
	custom := widget.NewButtonWithIcon("Any other OAuth2 provider", theme.ContentAddIcon(), func() { onAdd("") })
	custom.Alignment = widget.ButtonAlignLeading
	items = append(items, custom)
	return container.NewVScroll(container.NewPadded(container.NewVBox(items...)))
}
