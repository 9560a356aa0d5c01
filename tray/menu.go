package tray

import (
	"fyne.io/fyne/v2"
)

// Handlers are what the tray's clicks do. Each runs on Fyne's main thread.
type Handlers struct {
	Do         func(env string, a Action)
	OpenWindow func()
	Quit       func()
}

// Menu turns the model into a Fyne menu. Environments are one submenu
// deep only: GNOME's AppIndicator extension and some KDE versions render
// deeper nesting badly, so nothing goes further than that.
func (mm MenuModel) Menu(h Handlers) *fyne.Menu {
	var items []*fyne.MenuItem
	if mm.Notice != "" {
		notice := fyne.NewMenuItem(mm.Notice, nil)
		notice.Disabled = true
		items = append(items, notice, fyne.NewMenuItemSeparator())
	}
	for _, e := range mm.Envs {
		var sub []*fyne.MenuItem
		for _, a := range e.Actions {
			item := fyne.NewMenuItem(string(a.Action), func() { h.Do(e.Env, a.Action) })
			item.Disabled = !a.Enabled
			sub = append(sub, item)
		}
		env := fyne.NewMenuItem(e.Title, nil)
		env.ChildMenu = fyne.NewMenu(e.Title, sub...)
		items = append(items, env)
	}
	if len(mm.Envs) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	items = append(items, fyne.NewMenuItem(LabelOpenWindow, h.OpenWindow))
	quit := fyne.NewMenuItem(LabelQuit, h.Quit)
	quit.IsQuit = true
	items = append(items, quit)
	return fyne.NewMenu("tokentray", items...)
}
