package ui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/platform/socket"
)

// offlineText is the banner while the host does not answer.
const offlineText = "tokentray is not running — reconnecting…"

// daemonText says what a host started as `tokentray daemon` cannot do.
const daemonText = "No clipboard or tray: tokentray was started as `tokentray daemon`. " +
	"Copy tokens with `tokentray token <environment>`."

// mainView is the window's content: banners, one card per environment (or
// the first-start page), and a footer for scripts. It only shows what it
// is given, so tests drive it with Status values.
type mainView struct {
	actions envActions
	onAdd   func(preset string) // "" for a custom provider

	root       *fyne.Container
	banners    *fyne.Container
	offline    *widget.Label // the host does not answer
	hostNote   *widget.Label // what the host cannot do
	trayHint   *fyne.Container
	filter     *cardFilter // above the cards once there are many (card_filter.go)
	list       *fyne.Container
	scroll     *container.Scroll
	empty      *fyne.Container // the first-start page, built from the host's presets
	flashMsg   *widget.Label
	flashGen   int
	flashTimer *time.Timer // clears flashMsg; stopped with the window

	cards map[string]*card
	order []string
}

func newMainView(a envActions, socketPath string, onAdd func(string), onSettings func()) *mainView {
	v := &mainView{actions: a, onAdd: onAdd, cards: map[string]*card{}}
	v.offline = wrapped(widget.DangerImportance)
	v.hostNote = wrapped(widget.MediumImportance)
	v.trayHint = container.NewVBox()
	v.banners = container.NewVBox(v.offline, v.hostNote, v.trayHint)
	v.filter = newCardFilter(v.applyFilter, v.focusFirstCard)
	v.list = container.NewVBox()
	v.scroll = container.NewVScroll(v.list)
	v.empty = container.NewStack(emptyState(nil, onAdd))
	v.flashMsg = widget.NewLabel("")
	v.flashMsg.Truncation = fyne.TextTruncateEllipsis

	add := newFocusButton("Add environment", theme.ContentAddIcon(), func() { onAdd("") })
	title := widget.NewLabelWithStyle("tokentray", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	settings := widget.NewButtonWithIcon(labelSettings, theme.SettingsIcon(), func() {
		if onSettings != nil {
			onSettings()
		}
	})
	// Add environment is first in the focus order: one Tab from the start.
	header := container.NewBorder(nil, nil, title, container.NewHBox(add, settings))
	socket := selectable("Scripts: tokentray token <environment> — socket " + socketPath)
	footer := container.NewVBox(widget.NewSeparator(), v.flashMsg, socket)

	// The top comes first among the objects, so Tab reaches the toolbar
	// before the cards, then the cards in order, then the footer.
	top := container.NewVBox(header, v.banners, v.filter.entry, v.filter.noMatch)
	v.root = container.New(layout.NewBorderLayout(top, footer, nil, nil),
		top, container.NewStack(v.scroll, v.empty), footer)
	return v
}

// update shows new snapshots: cards are kept per name, so only their
// contents change, and the order follows the config.
func (v *mainView) update(statuses []socket.Status, now time.Time) {
	seen := map[string]bool{}
	var order []string
	for _, s := range statuses {
		c, ok := v.cards[s.Name]
		if !ok {
			c = newCard(v.actions)
			c.onFocus = func() { v.reveal(c) }
			c.onResize = v.relayout
			v.cards[s.Name] = c
		}
		c.update(s, now)
		seen[s.Name] = true
		order = append(order, s.Name)
	}
	for name := range v.cards {
		if !seen[name] {
			delete(v.cards, name)
		}
	}
	if !slices.Equal(order, v.order) {
		v.order = order
		objs := make([]fyne.CanvasObject, len(order))
		for i, name := range order {
			objs[i] = v.cards[name].root
		}
		v.list.Objects = objs
	}
	v.filter.setOffered(len(statuses))
	v.applyFilter() // lays the list out again: cards may have grown or shrunk
	if len(statuses) == 0 {
		v.scroll.Hide()
		v.empty.Show()
	} else {
		v.empty.Hide()
		v.scroll.Show()
	}
}

// applyFilter shows the cards the filter keeps. A focused button in a
// card it hides gives the focus back to the filter.
func (v *mainView) applyFilter() {
	kept := 0
	canvas := fyne.CurrentApp().Driver().CanvasForObject(v.root)
	for _, name := range v.order {
		c := v.cards[name]
		if v.filter.matches(c.status) {
			c.root.Show()
			kept++
			continue
		}
		c.root.Hide()
		if canvas != nil && c.holds(canvas.Focused()) {
			canvas.Focus(v.filter.entry)
		}
	}
	v.filter.sayNoMatch(len(v.order) > 0 && kept == 0)
	v.relayout()
}

// focusFirstCard moves the focus to the first button of the first card
// the filter keeps (Enter in the filter).
func (v *mainView) focusFirstCard() {
	for _, name := range v.order {
		if c := v.cards[name]; c.root.Visible() && len(c.buttons.Objects) > 0 {
			if b, ok := c.buttons.Objects[0].(fyne.Focusable); ok {
				focusIn(b)
			}
			return
		}
	}
}

// relayout lays the list of cards out again after a card changed height.
func (v *mainView) relayout() {
	v.list.Refresh()
	v.scroll.Refresh()
}

// reveal scrolls the list so the card with the keyboard focus is in view.
func (v *mainView) reveal(c *card) {
	top := c.root.Position().Y
	bottom := top + c.root.Size().Height
	view := v.scroll.Size().Height
	off := v.scroll.Offset.Y
	switch {
	case top < off:
		off = top
	case bottom > off+view:
		off = min(top, bottom-view)
	default:
		return
	}
	v.scroll.ScrollToOffset(fyne.NewPos(0, off))
}

// setPresets rebuilds the first-start page from the host's presets.
func (v *mainView) setPresets(presets []socket.PresetInfo) {
	v.empty.Objects = []fyne.CanvasObject{emptyState(presets, v.onAdd)}
	v.empty.Refresh()
}

// setOffline shows or hides the banner saying the host is away; detail is
// why the last attempt failed.
func (v *mainView) setOffline(offline bool, detail string) {
	if !offline {
		setText(v.offline, "")
		return
	}
	setText(v.hostNote, "") // said again by the host that comes back
	text := offlineText
	if detail != "" {
		text += " (" + detail + ")"
	}
	setText(v.offline, text)
}

// setHost says what the host cannot do.
func (v *mainView) setHost(h socket.HostInfo) {
	text := ""
	if !h.Clipboard && !h.Tray {
		text = daemonText
	}
	setText(v.hostNote, text)
}

// tick moves every countdown; called once a second while the window shows.
func (v *mainView) tick(now time.Time) {
	resized := false
	for _, name := range v.order {
		if v.cards[name].tick(now) {
			resized = true
		}
	}
	if resized {
		v.relayout()
	}
}

// showTrayHint puts a dismissable note above the cards.
func (v *mainView) showTrayHint(text string) {
	hint := wrapped(widget.MediumImportance)
	setText(hint, text)
	v.trayHint.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil,
		widget.NewButtonWithIcon("", theme.CancelIcon(), func() {
			v.trayHint.Objects = nil
			v.trayHint.Refresh()
		}), hint)}
	v.trayHint.Refresh()
}

// flash shows a short message in the footer for a few seconds.
func (v *mainView) flash(text string) {
	v.flashGen++
	gen := v.flashGen
	v.flashMsg.SetText(text)
	v.stopFlash()
	v.flashTimer = time.AfterFunc(6*time.Second, func() {
		fyne.Do(func() {
			if v.flashGen == gen {
				v.flashMsg.SetText("")
			}
		})
	})
}

// stopFlash cancels a pending clear of the footer message.
func (v *mainView) stopFlash() {
	if v.flashTimer != nil {
		v.flashTimer.Stop()
	}
}
