//go:build !darwin || cgo

package tray

import (
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/platform/socket"
)

// Tray keeps the system tray in step with the engine (on macOS it needs
// cgo; tray_nocgo.go is the build without). fyne.io/systray is
// process-global (one StatusNotifierItem per process), so there is at
// most one Tray, made by Start. Methods are safe for concurrent use.
type Tray struct {
	h   Handlers
	end func() // nil for a Tray that draws nothing

	mu        sync.Mutex
	last      *MenuModel
	attention bool
	// The items of the menu as sent, to change them in place.
	notice    *systray.MenuItem // nil without a notice
	envs      []envItems        // one per MenuModel.Envs
	autostart *systray.MenuItem
}

// envItems are one environment's submenu as sent.
type envItems struct {
	title *systray.MenuItem
	items []*systray.MenuItem // its notes, then its actions, in EnvEntry's order
}

// Start puts the tray icon up and returns at once: on Linux systray has
// no event loop of its own, it exports the item and its menu on the
// session bus and answers the tray host's calls from godbus' goroutines.
// Call only when a tray host exists (see HostAvailable): without one the
// item would be registered with nobody.
func Start(h Handlers, startAtLogin bool) *Tray {
	t := &Tray{h: h}
	// Title and tooltip before start: the title is also the item's Id
	// that tray hosts show (it read "io.github.tokentray" under Fyne).
	starting := startingModel(startAtLogin)
	systray.SetTitle(Title)
	systray.SetTooltip(starting.Tooltip)
	systray.SetIcon(assets.IconPNG)
	start, end := systray.RunWithExternalLoop(nil, nil)
	start()
	t.end = end
	t.mu.Lock()
	t.apply(starting)
	t.mu.Unlock()
	return t
}

// Close takes the icon down.
func (t *Tray) Close() {
	if t.end != nil {
		t.end()
		t.end = nil
	}
}

// Update brings the menu in line with fresh snapshots, sending only what
// changed (see apply). Times left are worked out as of the end of now's
// minute (titlesAt).
func (t *Tray) Update(statuses []socket.Status, now time.Time) {
	mm := BuildMenuModel(statuses, titlesAt(statuses, now))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last != nil {
		mm.StartAtLogin = t.last.StartAtLogin
	}
	t.apply(mm)
}

// SetStartAtLogin sets the "Start at login" checkbox.
func (t *Tray) SetStartAtLogin(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.apply(MenuModel{StartAtLogin: on})
		return
	}
	mm := *t.last
	mm.StartAtLogin = on
	t.apply(mm)
}

// Model is the menu as last sent (for tests and logs).
func (t *Tray) Model() MenuModel {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		return MenuModel{}
	}
	return *t.last
}

// apply sends what changed between the last model and mm. Every change
// systray sends makes the tray host read the whole menu again (dbusmenu
// LayoutUpdated), and a rebuild sends one per item, so an unchanged item
// is never sent, a changed title is retitled in place, and changed
// actions replace that one submenu's items. Only a change of the list of
// environments (or of the notice line's presence) rebuilds the menu.
// t.mu is held.
func (t *Tray) apply(mm MenuModel) {
	prev := t.last
	t.last = &mm
	if t.end == nil {
		return
	}
	if t.attention != mm.Attention || prev == nil {
		t.attention = mm.Attention
		if mm.Attention {
			systray.SetIcon(assets.IconAttentionPNG)
		} else {
			systray.SetIcon(assets.IconPNG)
		}
	}
	if prev == nil || prev.Tooltip != mm.Tooltip {
		systray.SetTooltip(mm.Tooltip)
	}
	if prev == nil || !sameEnvironments(*prev, mm) {
		t.rebuild(mm)
		return
	}
	if prev.Notice != mm.Notice {
		t.notice.SetTitle(mm.Notice)
	}
	for i, e := range mm.Envs {
		t.updateEnv(&t.envs[i], prev.Envs[i], e)
	}
	if prev.StartAtLogin != mm.StartAtLogin {
		if mm.StartAtLogin {
			t.autostart.Check()
		} else {
			t.autostart.Uncheck()
		}
	}
}

// rebuild sends the whole menu. Environments are one submenu deep only:
// GNOME's AppIndicator extension and some KDE versions render deeper
// nesting badly, so nothing goes further than that.
func (t *Tray) rebuild(mm MenuModel) {
	systray.ResetMenu() // closes the old items' ClickedCh: their goroutines end
	t.notice = nil
	t.envs = t.envs[:0]
	if mm.Notice != "" {
		t.notice = systray.AddMenuItem(mm.Notice, "")
		t.notice.Disable()
		if mm.AddEnvironment {
			onClick(systray.AddMenuItem(LabelAddEnvironment, ""), func() {
				if t.h.AddEnvironment != nil {
					t.h.AddEnvironment()
				}
			})
		}
		systray.AddSeparator()
	}
	for _, e := range mm.Envs {
		items := envItems{title: systray.AddMenuItem(e.Title, "")}
		t.addItems(&items, e)
		t.envs = append(t.envs, items)
	}
	if len(mm.Envs) > 0 {
		systray.AddSeparator()
	}
	onClick(systray.AddMenuItem(LabelOpenWindow, ""), func() {
		if t.h.OpenWindow != nil {
			t.h.OpenWindow()
		}
	})
	t.autostart = systray.AddMenuItemCheckbox(LabelStartAtLogin, "", mm.StartAtLogin)
	box := t.autostart
	onClick(box, func() {
		if t.h.StartAtLogin != nil {
			t.h.StartAtLogin(!box.Checked())
		}
	})
	systray.AddSeparator()
	quit := systray.AddMenuItem(LabelQuit, "")
	onClick(quit, func() {
		if t.h.Quit != nil {
			t.h.Quit()
		}
	})
	// systray sends nothing for an item it adds: changing the last one
	// sends the whole menu, so the tray host does not wait for the next
	// change to see it.
	quit.Enable()
}

// updateEnv sends what changed in one environment's submenu.
func (t *Tray) updateEnv(items *envItems, was, e EnvEntry) {
	changed := !sameItems(was, e)
	sent := changed && t.setItems(items, e)
	if was.Title != e.Title || changed && !sent {
		items.title.SetTitle(e.Title) // also sends the items just added
	}
}

// addItems appends e's notes and actions to its submenu. A note opens
// the window, which says more (notes.go).
func (t *Tray) addItems(items *envItems, e EnvEntry) {
	for _, note := range e.Notes {
		item := items.title.AddSubMenuItem(note, "")
		onClick(item, func() {
			if t.h.OpenWindow != nil {
				t.h.OpenWindow()
			}
		})
		items.items = append(items.items, item)
	}
	for _, a := range e.Actions {
		env, a := e.Env, a
		item := items.title.AddSubMenuItem(string(a), "")
		onClick(item, func() {
			if t.h.Do != nil {
				t.h.Do(env, a)
			}
		})
		items.items = append(items.items, item)
	}
}

// setItems replaces the items of one submenu with e's: the new ones
// first (systray sends nothing for an item it adds), then the old ones
// removed, each removal sending the submenu with the new items in it.
// sent is false when nothing was removed, so nothing was sent yet.
func (t *Tray) setItems(items *envItems, e EnvEntry) (sent bool) {
	old := items.items
	items.items = nil
	t.addItems(items, e)
	for _, item := range old {
		item.Remove() // closes its ClickedCh: its goroutine ends
	}
	return len(old) > 0
}

// onClick runs f for every click on item until the item is removed
// (systray closes ClickedCh then).
func onClick(item *systray.MenuItem, f func()) {
	go func() {
		for range item.ClickedCh {
			f()
		}
	}()
}
