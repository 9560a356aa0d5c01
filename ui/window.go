package ui

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/tokentray/tokentray/platform/socket"
)

const (
	// actionTimeout bounds one request to the host (a refresh may wait for
	// the provider).
	actionTimeout = time.Minute
	// retryEvery is how often the window tries the socket again while the
	// host is away.
	retryEvery = 1500 * time.Millisecond
)

// noTrayHint is said once when closing the window also quits the host.
const noTrayHint = "No system tray found, so closing this window quits tokentray. " +
	"To keep it running in the background on GNOME, install the " +
	"\"AppIndicator and KStatusNotifierItem Support\" extension and start tokentray again."

// window is the window process: a Fyne window whose only link to the host
// is the socket client. Widgets are touched only on Fyne's main thread;
// goroutines hand their results over with onMain.
type window struct {
	app    fyne.App
	client *socket.Client
	opts   WindowOptions

	win       fyne.Window
	view      *mainView
	statuses  []socket.Status
	presets   []socket.PresetInfo
	host      socket.HostInfo
	connected bool
	visible   bool
	form      *formDialog   // the add/edit form opened last
	settings  *settingsForm // the settings opened last
	confirm   dialog.Dialog // the open confirmation, which Escape closes

	// addFormOpened: the Add form asked for at start was opened (window_add.go).
	addFormOpened bool

	// The theme (window_theme.go): the host's setting, shown unless
	// RunWindow still holds it back until the app runs.
	themeSetting string
	themeHeld    bool

	// The guard's questions from the host (guard_question.go).
	guard      io.ReadWriteCloser      // the channel: questions in, answers out
	guardQs    map[uint64]*guardDialog // open questions by id
	guardReads sync.WaitGroup          // the goroutine reading questions

	tick    chan struct{} // closing it stops the once-a-second ticker
	done    chan struct{} // closed by stop
	cancel  context.CancelFunc
	follows sync.WaitGroup // the event-stream goroutine
	stopped bool

	tickEvery  time.Duration // countdown step; tests make it long
	retryEvery time.Duration
	// onMain runs f on Fyne's main thread; tests replace it with a queue
	// the test goroutine drains, so that widgets have one owner.
	onMain func(f func())
}

func newWindow(a fyne.App, client *socket.Client, opts WindowOptions) *window {
	w := &window{app: a, client: client, opts: opts, done: make(chan struct{}),
		tickEvery: time.Second, retryEvery: retryEvery}
	w.onMain = func(f func()) {
		select {
		case <-w.done:
		default:
			fyne.Do(f)
		}
	}
	return w
}

// build makes the window and its content.
func (w *window) build() {
	w.win = w.app.NewWindow("tokentray")
	w.win.SetIcon(icon)
	w.win.Resize(fyne.NewSize(760, 600))
	w.view = newMainView(w.envActions(), w.client.Path, w.openAddForm, w.openSettings)
	w.win.SetContent(w.view.root)
	w.win.SetMaster() // closing it ends the process
	if w.opts.QuitHostOnClose {
		w.view.showTrayHint(noTrayHint)
	}
	// Ctrl+W closes the window like its close button does.
	w.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { w.quit() })
	w.win.Canvas().SetOnTypedKey(w.typedKey)
	w.view.setOffline(true, "")
}

// typedKey gets the keys no focused widget takes: Escape closes an open
// confirmation, as its "Keep" button would.
func (w *window) typedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape && w.confirm != nil {
		d := w.confirm
		w.confirm = nil
		d.Hide()
	}
}

// show opens the window and starts the countdowns.
func (w *window) show() {
	w.win.Show()
	w.visible = true
	w.view.update(w.statuses, time.Now())
	w.startTicker()
}

// quit closes the window and ends the process (the host, when it was
// started with --quit-host-on-close for us, notices and quits as well).
func (w *window) quit() {
	w.stop()
	w.app.Quit()
}

// stop ends the goroutines the window started; it does not wait for the
// event stream's goroutine (tests do, with follows.Wait).
func (w *window) stop() {
	if w.stopped {
		return
	}
	w.stopped = true
	w.visible = false
	w.stopTicker()
	w.view.stopFlash()
	w.stopGuardQuestions()
	if w.cancel != nil {
		w.cancel()
	}
	close(w.done)
}

// connect starts following the host: the list, then its events, again
// and again while the host comes and goes.
func (w *window) connect() {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.follows.Add(1)
	go func() {
		defer w.follows.Done()
		w.follow(ctx)
	}()
}

func (w *window) follow(ctx context.Context) {
	for {
		err := w.followOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		msg := ""
		if err != nil && !errors.Is(err, socket.ErrNotRunning) {
			msg = err.Error() // why, when it is not simply "nothing listens"
		}
		w.onMain(func() { w.setConnected(false, msg) })
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.retryEvery):
		}
	}
}

// followOnce subscribes, reads the host's state and applies events until
// the stream ends. Subscribing first means nothing between the list and
// the stream is missed.
func (w *window) followOnce(ctx context.Context) error {
	stream, err := w.client.Events(ctx, "")
	if err != nil {
		return err
	}
	defer stream.Close()
	host, err := w.client.Host(ctx)
	if err != nil {
		return err
	}
	presets, err := w.client.Presets(ctx)
	if err != nil {
		return err
	}
	statuses, err := w.client.Environments(ctx)
	if err != nil {
		return err
	}
	w.onMain(func() {
		w.host, w.presets = host, presets
		w.setConnected(true, "")
		w.setStatuses(statuses)
	})
	w.readTheme(ctx)
	for {
		ev, err := stream.Next()
		if err != nil {
			return err
		}
		if ev.Kind == socket.EventRead && ev.Read != nil {
			env, r := ev.Env, *ev.Read
			w.onMain(func() { w.setLastRead(env, r) })
			continue
		}
		if ev.Status != nil && ev.Kind != socket.EventConfig {
			s := *ev.Status
			w.onMain(func() { w.setStatus(s) })
			continue
		}
		// Environments added, removed or changed, or the settings: read
		// the whole list, and the theme.
		statuses, err := w.client.Environments(ctx)
		if err != nil {
			return err
		}
		w.onMain(func() { w.setStatuses(statuses) })
		if ev.Kind == socket.EventConfig {
			w.readTheme(ctx)
		}
	}
}

// setConnected shows whether the host answers, and what it offers.
func (w *window) setConnected(ok bool, detail string) {
	w.connected = ok
	w.view.setOffline(!ok, detail)
	if ok {
		w.view.setPresets(w.presets)
		w.view.setHost(w.host)
		w.openAskedForm()
	}
}

func (w *window) setStatuses(statuses []socket.Status) {
	w.statuses = statuses
	if w.visible {
		w.view.update(statuses, time.Now())
	}
}

// setStatus puts one environment's new snapshot in place.
func (w *window) setStatus(s socket.Status) {
	for i := range w.statuses {
		if w.statuses[i].Name == s.Name {
			w.statuses[i] = s
			if w.visible {
				w.view.update(w.statuses, time.Now())
			}
			return
		}
	}
	// Not known yet: a config event brings it with the whole list.
}

// setLastRead shows a read the moment it happens (its card's "last read"
// line and Reads button) without asking the host for anything.
func (w *window) setLastRead(env string, r socket.Read) {
	for i := range w.statuses {
		if w.statuses[i].Name == env {
			w.statuses[i].LastRead = &r
			if w.visible {
				w.view.update(w.statuses, time.Now())
			}
			return
		}
	}
}

// startTicker moves the countdowns once a second while the window shows.
func (w *window) startTicker() {
	w.stopTicker()
	stop := make(chan struct{})
	w.tick = stop
	every := w.tickEvery
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				w.onMain(func() {
					if w.visible {
						w.view.tick(now)
						w.tickGuardQuestions(now)
					}
				})
			}
		}
	}()
}

func (w *window) stopTicker() {
	if w.tick != nil {
		close(w.tick)
		w.tick = nil
	}
}

// background runs a request to the host off the main thread, bounded in
// time; then runs on the main thread with its outcome.
func (w *window) background(fn func(ctx context.Context) error, then func(err error)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		err := fn(ctx)
		w.onMain(func() { then(err) })
	}()
}
