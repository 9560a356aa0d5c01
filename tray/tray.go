//go:build !darwin || cgo

package tray

import (
	"reflect"
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
	// The items of the menu as sent, to retitle them in place.
	envItems  []*systray.MenuItem
	autostart *systray.MenuItem
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
	systray.SetTitle(Title)
	systray.SetTooltip(Title)
	systray.SetIcon(assets.IconPNG)
	start, end := systray.RunWithExternalLoop(nil, nil)
	start()
	t.end = end
	t.mu.Lock()
	t.apply(MenuModel{StartAtLogin: startAtLogin, Notice: "Starting…"})
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

// Update rebuilds the menu from fresh snapshots. An unchanged model is not
// sent again: every rebuild makes the tray host re-read the whole menu, and
// an open menu would close under the user's pointer. A change of titles
// only (the minute ticking) retitles the items in place.
func (t *Tray) Update(statuses []socket.Status, now time.Time) {
	mm := BuildMenuModel(statuses, now)
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

// apply sends what changed between the last model and mm. t.mu is held.
func (t *Tray) apply(mm MenuModel) {
	if t.last != nil && reflect.DeepEqual(*t.last, mm) {
		return
	}
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
	if prev != nil && sameShape(*prev, mm) && len(t.envItems) == len(mm.Envs) {
		for i, e := range mm.Envs {
			if prev.Envs[i].Title != e.Title {
				t.envItems[i].SetTitle(e.Title)
			}
		}
		if prev.StartAtLogin != mm.StartAtLogin {
			if mm.StartAtLogin {
				t.autostart.Check()
			} else {
				t.autostart.Uncheck()
			}
		}
		return
	}
	t.rebuild(mm)
}

// rebuild sends the whole menu. Environments are one submenu deep only:
// GNOME's AppIndicator extension and some KDE versions render deeper
// nesting badly, so nothing goes further than that.
func (t *Tray) rebuild(mm MenuModel) {
	systray.ResetMenu() // closes the old items' ClickedCh: their goroutines end
	t.envItems = t.envItems[:0]
	if mm.Notice != "" {
		n := systray.AddMenuItem(mm.Notice, "")
		n.Disable()
		systray.AddSeparator()
	}
	for _, e := range mm.Envs {
		parent := systray.AddMenuItem(e.Title, "")
		t.envItems = append(t.envItems, parent)
		for _, a := range e.Actions {
			env, a := e.Env, a
			onClick(parent.AddSubMenuItem(string(a), ""), func() {
				if t.h.Do != nil {
					t.h.Do(env, a)
				}
			})
		}
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
	onClick(systray.AddMenuItem(LabelQuit, ""), func() {
		if t.h.Quit != nil {
			t.h.Quit()
		}
	})
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
