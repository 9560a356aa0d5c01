//go:build darwin && !cgo

package tray

import (
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

// Tray draws nothing: fyne.io/systray needs cgo on macOS, and a build
// without cgo is the headless one (HostAvailable is false there anyway).
type Tray struct{ last MenuModel }

// Start returns a tray that draws nothing.
func Start(h Handlers, startAtLogin bool) *Tray {
	return &Tray{last: startingModel(startAtLogin)}
}

func (t *Tray) Close() {}

func (t *Tray) Update(statuses []socket.Status, now time.Time) {
	on := t.last.StartAtLogin
	t.last = BuildMenuModel(statuses, titlesAt(statuses, now))
	t.last.StartAtLogin = on
}

func (t *Tray) SetStartAtLogin(on bool) { t.last.StartAtLogin = on }

func (t *Tray) Model() MenuModel { return t.last }
