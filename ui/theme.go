package ui

import (
	"image/color"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/tokentray/tokentray/config"
)

// appTheme is Fyne's default theme with colours that read: every text
// colour the window uses keeps at least 4.5:1 contrast (WCAG AA) against
// the background it is drawn on, in the light and the dark variant
// (contrast_test.go computes it). Fyne's defaults do not: its success
// green and warning orange are meant as fills, its "disabled" grey
// (which low-importance labels use) is nearly white on white, and its
// primary blue under white button text is 3:1. Fonts, icons and sizes
// are the default theme's.
//
// Which variant it draws is the theme setting's (themeFor): "system"
// draws the one Fyne gives, which follows the desktop's preference (the
// freedesktop portal's color-scheme on Linux, watched for changes);
// "light" and "dark" draw theirs whatever the desktop prefers. FYNE_THEME
// wins over both, as it does in every Fyne app.
type appTheme struct {
	fyne.Theme
	variant *fyne.ThemeVariant // nil: the variant Fyne passes in
}

// themeFor is the window's theme for the theme setting's value.
func themeFor(setting string) fyne.Theme {
	t := appTheme{Theme: theme.DefaultTheme()}
	choice := setting
	if env := os.Getenv("FYNE_THEME"); env == config.ThemeLight || env == config.ThemeDark {
		choice = env
	}
	switch choice {
	case config.ThemeLight:
		v := theme.VariantLight
		t.variant = &v
	case config.ThemeDark:
		v := theme.VariantDark
		t.variant = &v
	}
	return t
}

func rgb(hex uint32) color.NRGBA {
	return color.NRGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

func rgba(hex uint32, a uint8) color.NRGBA {
	c := rgb(hex)
	c.A = a
	return c
}

// The colours that differ from Fyne's defaults. A state colour is both
// text on the background (a label of that importance) and the fill of a
// badge or button under its ForegroundOn… colour, so light shades are
// dark enough for white text and dark shades light enough for near-black
// text.
var (
	lightPalette = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameForeground:          rgb(0x303030),
		theme.ColorNameDisabled:            rgb(0x6b6b6b), // low-importance text: scopes, notes
		theme.ColorNamePlaceHolder:         rgb(0x6b6b6b),
		theme.ColorNamePrimary:             rgb(0x1565c0),
		theme.ColorNameHyperlink:           rgb(0x1565c0),
		theme.ColorNameForegroundOnPrimary: rgb(0xffffff),
		theme.ColorNameSuccess:             rgb(0x1b5e20),
		theme.ColorNameForegroundOnSuccess: rgb(0xffffff),
		theme.ColorNameWarning:             rgb(0x8a4b00),
		theme.ColorNameForegroundOnWarning: rgb(0xffffff),
		theme.ColorNameError:               rgb(0xb71c1c),
		theme.ColorNameForegroundOnError:   rgb(0xffffff),
		theme.ColorNameFocus:               rgba(0x1565c0, 0x40), // a visible tint under a focused button
		theme.ColorNameSelection:           rgba(0x1565c0, 0x40),
	}
	darkPalette = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameDisabled:            rgb(0x9e9e9e),
		theme.ColorNamePlaceHolder:         rgb(0xb2b2b2),
		theme.ColorNamePrimary:             rgb(0x64b5f6),
		theme.ColorNameHyperlink:           rgb(0x64b5f6),
		theme.ColorNameForegroundOnPrimary: rgb(0x171718),
		theme.ColorNameSuccess:             rgb(0x81c784),
		theme.ColorNameForegroundOnSuccess: rgb(0x171718),
		theme.ColorNameWarning:             rgb(0xffb74d),
		theme.ColorNameForegroundOnWarning: rgb(0x171718),
		theme.ColorNameError:               rgb(0xff8a80),
		theme.ColorNameForegroundOnError:   rgb(0x171718),
		theme.ColorNameFocus:               rgba(0x64b5f6, 0x40),
		theme.ColorNameSelection:           rgba(0x64b5f6, 0x40),
	}
)

// Color is the palette's colour for n, or the default theme's. Like the
// default theme, any variant but light is dark.
func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.variant != nil {
		v = *t.variant
	}
	p := darkPalette
	if v == theme.VariantLight {
		p = lightPalette
	}
	if c, ok := p[n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}
