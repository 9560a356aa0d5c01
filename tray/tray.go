package tray

import (
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/tokentray/tokentray/assets"
	"github.com/tokentray/tokentray/manager"
)

// Icons of the tray, shared with the window.
var (
	Icon          = fyne.NewStaticResource("tokentray.png", assets.IconPNG)
	IconAttention = fyne.NewStaticResource("tokentray-attention.png", assets.IconAttentionPNG)
)

// Tray keeps the system tray in step with the engine. Its methods run on
// Fyne's main thread (inside fyne.Do or a Fyne callback).
type Tray struct {
	desk      desktop.App
	handlers  Handlers
	last      *MenuModel
	attention bool
}

// New puts the tray icon up. Call only when a tray host exists (see
// HostAvailable): without one Fyne's tray would do nothing visible.
func New(desk desktop.App, h Handlers) *Tray {
	t := &Tray{desk: desk, handlers: h}
	desk.SetSystemTrayIcon(Icon)
	return t
}

// Update rebuilds the menu from fresh snapshots. An unchanged model is not
// sent again: every rebuild makes the tray host re-read the whole menu, and
// an open menu would close under the user's pointer.
func (t *Tray) Update(statuses []manager.Status, now time.Time) {
	mm := BuildMenuModel(statuses, now)
	if t.last != nil && reflect.DeepEqual(*t.last, mm) {
		return
	}
	t.last = &mm
	t.desk.SetSystemTrayMenu(mm.Menu(t.handlers))
	if t.attention != mm.Attention {
		t.attention = mm.Attention
		if mm.Attention {
			t.desk.SetSystemTrayIcon(IconAttention)
		} else {
			t.desk.SetSystemTrayIcon(Icon)
		}
	}
}
