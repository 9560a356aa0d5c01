package ui

import (
	"context"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/tray"
)

// minValidForCopy is how long a copied token must stay valid at least; a
// token closer to expiry is refreshed first.
const minValidForCopy = 60 * time.Second

// desktopApp ties the engine to the window and the tray. Everything that
// touches widgets runs on Fyne's main thread; goroutines hand work over
// with fyne.Do.
type desktopApp struct {
	app  fyne.App
	m    *manager.Manager
	opts Options

	win     fyne.Window
	view    *mainView
	tray    *tray.Tray // nil without a tray host
	clip    *secretClipboard
	visible bool
	stale   bool          // events arrived while hidden
	tick    chan struct{} // closing it stops the once-a-second ticker
	done    chan struct{} // closing it stops the event and minute loops
	unsub   func()
	stopped bool

	tickEvery time.Duration // countdown step; tests make it long
}

func newDesktop(a fyne.App, m *manager.Manager, opts Options) *desktopApp {
	clearAfter := m.Config().Settings.ClipboardClear
	if clearAfter <= 0 {
		clearAfter = config.DefaultClipboardClear
	}
	if opts.ConfigPath == "" {
		opts.ConfigPath = m.Config().Path
	}
	return &desktopApp{app: a, m: m, opts: opts, clip: newSecretClipboard(a.Clipboard(), clearAfter),
		done: make(chan struct{}), tickEvery: time.Second}
}

// start builds the window and the tray, subscribes to the engine and
// shows the window (unless it starts hidden in the tray).
func (d *desktopApp) start() {
	d.build()
	d.listen()
	d.refresh()
	if d.opts.Hidden && d.tray != nil {
		return
	}
	d.show()
}

// build makes the window and, when a tray host is there, the tray.
func (d *desktopApp) build() {
	d.win = d.app.NewWindow("tokentray")
	d.win.SetIcon(tray.Icon)
	d.win.Resize(fyne.NewSize(760, 600))
	d.view = newMainView(d.envActions(), config.Presets(), d.opts.SocketPath, d.openAddForm)
	d.win.SetContent(d.view.root)

	closeWindow := d.quit
	desk, isDesktop := d.app.(desktop.App)
	if isDesktop && tray.HostAvailable() {
		d.tray = tray.New(desk, tray.Handlers{Do: d.trayAction, OpenWindow: d.show, Quit: d.quit})
		closeWindow = d.hide
	} else {
		// Nobody would show a tray icon: the window is the only way in,
		// so closing it quits, and the window says once how to get a tray.
		d.view.showTrayHint(tray.HostHint)
	}
	d.win.SetCloseIntercept(closeWindow)
	// Ctrl+W closes the window like its close button does.
	d.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { closeWindow() })
	d.app.Lifecycle().SetOnStopped(d.clip.stop)
}

// listen starts the goroutines that feed engine events and the minute
// tick to the main thread.
func (d *desktopApp) listen() {
	events, unsub := d.m.Subscribe()
	d.unsub = unsub
	go d.forwardEvents(events)
	go d.everyMinute()
}

// stop ends the goroutines start began; called once a.Run has returned.
func (d *desktopApp) stop() {
	if d.stopped {
		return
	}
	d.stopped = true
	d.stopTicker()
	if d.view != nil {
		d.view.stopFlash()
	}
	close(d.done)
	if d.unsub != nil {
		d.unsub()
	}
}

// forwardEvents hands engine events to the main thread.
func (d *desktopApp) forwardEvents(events <-chan manager.Event) {
	for {
		select {
		case <-d.done:
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			fyne.Do(func() { d.onEvent(ev) })
		}
	}
}

func (d *desktopApp) onEvent(ev manager.Event) {
	if n := notificationFor(ev); n != nil {
		d.app.SendNotification(n)
	}
	d.refresh()
}

// everyMinute keeps the tray's "time left" current between events.
func (d *desktopApp) everyMinute() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-d.done:
			return
		case <-t.C:
			fyne.Do(func() {
				if d.tray != nil {
					d.tray.Update(d.m.Environments(), time.Now())
				}
			})
		}
	}
}

// refresh re-reads every environment. A hidden window is only marked
// stale: it redraws when it is shown again.
func (d *desktopApp) refresh() {
	statuses := d.m.Environments()
	now := time.Now()
	if d.tray != nil {
		d.tray.Update(statuses, now)
	}
	if d.visible {
		d.view.update(statuses, now)
	} else {
		d.stale = true
	}
}

// show opens the window and starts the countdowns.
func (d *desktopApp) show() {
	d.win.Show()
	d.win.RequestFocus()
	if d.visible {
		return
	}
	d.visible = true
	if d.stale {
		d.stale = false
		d.view.update(d.m.Environments(), time.Now())
	}
	d.startTicker()
}

// hide closes the window to the tray; no drawing work happens while hidden.
func (d *desktopApp) hide() {
	d.win.Hide()
	d.visible = false
	d.stopTicker()
}

func (d *desktopApp) quit() {
	d.clip.stop()
	d.stop()
	d.app.Quit()
}

// startTicker moves the countdowns once a second while the window shows.
func (d *desktopApp) startTicker() {
	d.stopTicker()
	stop := make(chan struct{})
	d.tick = stop
	go func() {
		t := time.NewTicker(d.tickEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				fyne.Do(func() {
					if d.visible {
						d.view.tick(now)
					}
				})
			}
		}
	}()
}

func (d *desktopApp) stopTicker() {
	if d.tick != nil {
		close(d.tick)
		d.tick = nil
	}
}

// openURL opens a link in the system browser.
func (d *desktopApp) openURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		d.fail("Open the authorization page", err)
		return
	}
	if err := d.app.OpenURL(u); err != nil {
		d.fail("Open the authorization page", err)
	}
}

// background runs an engine call off the main thread, bounded in time.
func background(timeout time.Duration, fn func(ctx context.Context)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		fn(ctx)
	}()
}
