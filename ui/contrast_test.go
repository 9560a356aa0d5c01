package ui

import (
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// WCAG 2 AA for normal-size text.
const minContrast = 4.5

// luminance is the WCAG relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// contrast is the WCAG contrast ratio of two opaque colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over composites top on an opaque bottom (source over), as Fyne draws a
// translucent hover or focus tint on a button.
func over(top, bottom color.Color) color.Color {
	t := color.NRGBAModel.Convert(top).(color.NRGBA)
	b := color.NRGBAModel.Convert(bottom).(color.NRGBA)
	a := float64(t.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(t.R, b.R), G: mix(t.G, b.G), B: mix(t.B, b.B), A: 0xff}
}

// textStyle is one way the window draws text: a text colour on a
// background, optionally with a translucent tint over the background.
type textStyle struct {
	what   string
	fg, bg fyne.ThemeColorName
	tint   fyne.ThemeColorName
}

// labelColour is the colour Fyne's Label gives each importance
// (widget/label.go syncSegments).
var labelColour = map[string]fyne.ThemeColorName{
	"Low":     theme.ColorNameDisabled,
	"Medium":  theme.ColorNameForeground,
	"High":    theme.ColorNamePrimary,
	"Danger":  theme.ColorNameError,
	"Warning": theme.ColorNameWarning,
	"Success": theme.ColorNameSuccess,
}

// buttonColours is the text and fill Fyne's Button gives each importance
// (widget/button.go buttonColorNames).
var buttonColours = map[string][2]fyne.ThemeColorName{
	"Low":     {theme.ColorNameForeground, theme.ColorNameBackground},
	"Medium":  {theme.ColorNameForeground, theme.ColorNameButton},
	"High":    {theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
	"Danger":  {theme.ColorNameForegroundOnError, theme.ColorNameError},
	"Warning": {theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
	"Success": {theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
}

// textStyles is every text the window draws, by the widget that draws it.
func textStyles() []textStyle {
	var out []textStyle
	for imp, fg := range labelColour {
		// Labels sit on the window (cards draw no fill of their own) and
		// in dialogs (the form, confirmations).
		out = append(out,
			textStyle{what: imp + " label", fg: fg, bg: theme.ColorNameBackground},
			textStyle{what: imp + " label in a dialog", fg: fg, bg: theme.ColorNameOverlayBackground})
	}
	for imp, c := range buttonColours {
		out = append(out,
			textStyle{what: imp + " button", fg: c[0], bg: c[1]},
			textStyle{what: imp + " button, hovered", fg: c[0], bg: c[1], tint: theme.ColorNameHover},
			textStyle{what: imp + " button, focused", fg: c[0], bg: c[1], tint: theme.ColorNameFocus})
	}
	return append(out,
		textStyle{what: "disabled button", fg: theme.ColorNameDisabled, bg: theme.ColorNameDisabledButton},
		textStyle{what: "entry text", fg: theme.ColorNameForeground, bg: theme.ColorNameInputBackground},
		textStyle{what: "entry placeholder", fg: theme.ColorNamePlaceHolder, bg: theme.ColorNameInputBackground},
		textStyle{what: "disabled entry text", fg: theme.ColorNameDisabled, bg: theme.ColorNameInputBackground},
		textStyle{what: "selected entry text", fg: theme.ColorNameForeground, bg: theme.ColorNameInputBackground, tint: theme.ColorNameSelection},
		textStyle{what: "select, focused", fg: theme.ColorNameForeground, bg: theme.ColorNameInputBackground, tint: theme.ColorNameFocus},
		textStyle{what: "dropdown menu item", fg: theme.ColorNameForeground, bg: theme.ColorNameMenuBackground},
		textStyle{what: "dropdown menu item, hovered", fg: theme.ColorNameForeground, bg: theme.ColorNameMenuBackground, tint: theme.ColorNameHover},
		textStyle{what: "check box label", fg: theme.ColorNameForeground, bg: theme.ColorNameBackground},
		textStyle{what: "check box label in a dialog", fg: theme.ColorNameForeground, bg: theme.ColorNameOverlayBackground},
		textStyle{what: "link", fg: theme.ColorNameHyperlink, bg: theme.ColorNameBackground},
		textStyle{what: "link in a dialog", fg: theme.ColorNameHyperlink, bg: theme.ColorNameOverlayBackground},
		textStyle{what: "device code (canvas text)", fg: theme.ColorNameForeground, bg: theme.ColorNameBackground},
	)
}

var variants = map[string]fyne.ThemeVariant{"light": theme.VariantLight, "dark": theme.VariantDark}

func TestEveryTextReadsAtFourAndAHalfToOneInLightAndDark(t *testing.T) {
	test.NewTempApp(t)
	th := themeFor(config.ThemeSystem)
	for vName, v := range variants {
		for _, s := range textStyles() {
			fg, bg := th.Color(s.fg, v), th.Color(s.bg, v)
			if s.tint != "" {
				bg = over(th.Color(s.tint, v), bg)
			}
			if c := contrast(fg, bg); c < minContrast {
				t.Errorf("%s, %s: %s %v on %v is %.2f:1, want at least %.1f:1", vName, s.what, s.fg, fg, bg, c, minContrast)
			}
		}
	}
}

func TestEveryBadgeReadsInLightAndDark(t *testing.T) {
	test.NewTempApp(t)
	th := themeFor(config.ThemeSystem)
	looks := []look{refreshFailingLook, badgeLook("something new")}
	for _, s := range []socket.State{socket.StateValid, socket.StateRefreshing, socket.StateAuthorizing,
		socket.StateNeedsLogin, socket.StateExpired, socket.StateError, socket.StateUnconfigured} {
		looks = append(looks, badgeLook(s))
	}
	for vName, v := range variants {
		for _, l := range looks {
			bg, fg := l.colours(th, v)
			if c := contrast(fg, bg); c < minContrast {
				t.Errorf("%s: badge %s is %v on %v, %.2f:1, want at least %.1f:1", vName, l.label, fg, bg, c, minContrast)
			}
		}
	}
}

// The badge as the window draws it: with the window's theme applied the
// same way RunWindow applies it. Before, VALID was white on #43F436
// (1.5:1) and NEEDS LOGIN white on #FF9800 (2.2:1).
func TestTheDrawnBadgeUsesTheReadableColours(t *testing.T) {
	a := test.NewTempApp(t)
	useAppTheme(a, config.ThemeSystem)
	if _, ok := a.Settings().Theme().(appTheme); !ok {
		t.Fatalf("the window's theme is %T, want appTheme", a.Settings().Theme())
	}
	b := newBadge()
	for _, s := range []socket.State{socket.StateValid, socket.StateNeedsLogin, socket.StateExpired, socket.StateUnconfigured} {
		b.set(s)
		if c := contrast(b.text.Color, b.bg.FillColor); c < minContrast {
			t.Errorf("badge %s: %v on %v is %.2f:1", b.text.Text, b.text.Color, b.bg.FillColor, c)
		}
	}
	b.show(socket.Status{State: socket.StateValid, RefreshFailing: true})
	if b.text.Text != "VALID — REFRESH FAILING" || b.bg.FillColor != a.Settings().Theme().Color(theme.ColorNameWarning, a.Settings().ThemeVariant()) {
		t.Errorf("a valid token whose refresh fails shows %q on %v, want VALID — REFRESH FAILING on the warning colour", b.text.Text, b.bg.FillColor)
	}
}

// The table above must cover every importance the window's code uses,
// so a new label or button style cannot skip the check.
func TestTheContrastTableCoversEveryImportanceTheWindowUses(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	importance := regexp.MustCompile(`widget\.(\w+)Importance`)
	colourName := regexp.MustCompile(`theme\.ColorName\w+`)
	known := map[string]bool{}
	for _, s := range textStyles() {
		known["theme.ColorName"+colourSuffix(s.fg)] = true
	}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "theme.go" || f == "badge.go" || f == "lifetime_bar.go" {
			continue // theme.go defines the colours; badges are checked above; the bar has no text
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range importance.FindAllStringSubmatch(string(src), -1) {
			seen++
			if _, ok := labelColour[m[1]]; !ok {
				t.Errorf("%s uses widget.%sImportance, which the contrast table does not check", f, m[1])
			}
		}
		for _, line := range strings.Split(string(src), "\n") {
			if !strings.Contains(line, "canvas.NewText") && !strings.Contains(line, ".Color =") {
				continue
			}
			for _, name := range colourName.FindAllString(line, -1) {
				if !known[name] {
					t.Errorf("%s draws text in %s, which the contrast table does not check: %s", f, name, strings.TrimSpace(line))
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("found no widget importance in the window's code: the scan looks in the wrong place")
	}
}

// colourSuffix turns a colour name's value ("placeholder") back into the
// suffix of its Go name ("PlaceHolder") for the scan above.
func colourSuffix(n fyne.ThemeColorName) string {
	for _, c := range []struct {
		n fyne.ThemeColorName
		s string
	}{
		{theme.ColorNameForeground, "Foreground"}, {theme.ColorNameDisabled, "Disabled"},
		{theme.ColorNamePrimary, "Primary"}, {theme.ColorNameError, "Error"},
		{theme.ColorNameWarning, "Warning"}, {theme.ColorNameSuccess, "Success"},
		{theme.ColorNamePlaceHolder, "PlaceHolder"}, {theme.ColorNameHyperlink, "Hyperlink"},
		{theme.ColorNameForegroundOnPrimary, "ForegroundOnPrimary"}, {theme.ColorNameForegroundOnError, "ForegroundOnError"},
		{theme.ColorNameForegroundOnWarning, "ForegroundOnWarning"}, {theme.ColorNameForegroundOnSuccess, "ForegroundOnSuccess"},
	} {
		if c.n == n {
			return c.s
		}
	}
	return string(n)
}
