package host

// The desktop host: `tokentray` with no command on a desktop. One process
// holds the engine, the socket, the tray (fyne.io/systray over D-Bus), the
// clipboard and notifications; no GUI toolkit loop runs in it, and it
// links no Fyne. The window is a child process (tokentray-window) started
// on demand, talking to the host only through the socket.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
	"github.com/tokentray/tokentray/tray"
)

// minValidForCopy: a copied token is good for at least this long.
const minValidForCopy = time.Minute

// Expiry of the host's notifications: feedback briefly, news longer.
const (
	notifyFeedback = 4 * time.Second
	notifyNews     = 8 * time.Second
)

// host is the desktop host's state beyond the engine and the socket.
type host struct {
	m          *manager.Manager
	log        *slog.Logger
	socketPath string
	// autostartArgs are the flags the autostart entry starts tokentray
	// with: the config and socket this host runs with, when not the defaults.
	autostartArgs []string

	clip     *platform.Clipboard // nil: no clipboard (no display, no cgo)
	notifier *platform.Notifier  // nil: no session bus
	guard    *Guard              // asks the user before a guarded read
	tray     *tray.Tray          // nil: no tray host
	// quitOnWindowClose: no tray host, the window is the way in, and
	// closing it ends the host.
	quitOnWindowClose bool

	quit     chan struct{} // closed by Quit
	quitOnce sync.Once

	notifyFailed sync.Once

	winMu  sync.Mutex
	window *exec.Cmd     // the running window child, nil when none
	winEnd chan struct{} // closed when that child has exited
	// findWindow finds the window's executable; nil is
	// platform.WindowExecutable (tests start themselves instead).
	findWindow func() (string, error)
}

// newHost opens what the host owns besides engine and socket. The engine
// comes later (attach): it asks the host's guard before guarded reads.
func newHost(log *slog.Logger, socketPath string, guardWindow time.Duration) *host {
	h := &host{log: log, socketPath: socketPath, quit: make(chan struct{})}
	h.guard = NewGuard(GuardOptions{Window: guardWindow, Log: log})
	// The notification server running now is the one whose answers
	// count (notify_pin.go).
	pinCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	h.guard.PinNotificationServer(pinCtx)
	cancel()
	if cb, err := platform.NewClipboard(); err != nil {
		log.Warn("no clipboard: copying from the tray and the window is off", "error", err)
	} else {
		h.clip = cb
	}
	if n, err := platform.NewNotifier(); err != nil {
		log.Warn("no desktop notifications", "error", err)
	} else {
		h.notifier = n
	}
	return h
}

// attach gives the host the engine it shows and acts on.
func (h *host) attach(m *manager.Manager) { h.m = m }

// start puts up the tray (when a tray host runs; otherwise the window is
// the way in and closing it quits) and returns what the socket server
// gets from the host.
func (h *host) start() server.HostHooks {
	withTray := tray.HostAvailable()
	if withTray {
		h.tray = tray.Start(tray.Handlers{
			Do:             h.trayAction,
			OpenWindow:     h.fromTray(h.openWindow),
			AddEnvironment: h.fromTray(h.openAddForm),
			StartAtLogin: func(on bool) {
				_, err := h.autostart(&on)
				h.logErr("start at login", err)
			},
			Quit: h.Quit,
		}, platform.AutostartEnabled())
	} else {
		h.quitOnWindowClose = true
	}
	return h.hooks(withTray)
}

// hooks are what the socket server gets from the host.
func (h *host) hooks(withTray bool) server.HostHooks {
	hk := server.HostHooks{
		OpenWindow:  h.openWindow,
		OpenAddForm: h.openAddForm,
		Autostart:   h.autostart,
		Tray:        withTray,
	}
	if h.clip != nil {
		hk.Copy = h.copySecret
	}
	return hk
}

// clipboardClear is how long copied secrets stay: the config's setting,
// read at each copy so a change applies at once.
func (h *host) clipboardClear() time.Duration {
	if d := h.m.Config().Settings.ClipboardClear; d > 0 {
		return d
	}
	return config.DefaultClipboardClear
}

func (h *host) copySecret(text string) (time.Duration, error) {
	if h.clip == nil {
		return 0, errors.New("no clipboard")
	}
	after := h.clipboardClear()
	if err := h.clip.CopySecret(text, after); err != nil {
		return 0, err
	}
	return after, nil
}

func (h *host) autostart(on *bool) (bool, error) {
	if on != nil {
		if err := platform.SetAutostart(*on, h.autostartArgs...); err != nil {
			return platform.AutostartEnabled(), err
		}
	}
	enabled := platform.AutostartEnabled()
	if h.tray != nil {
		h.tray.SetStartAtLogin(enabled)
	}
	return enabled, nil
}

// notify shows a notification; with none possible it logs the first
// failure only (a desktop without a notification server stays quiet).
func (h *host) notify(key, summary, body string, expire time.Duration) {
	if h.notifier == nil {
		return
	}
	if err := h.notifier.NotifyAs(key, summary, body, expire); err != nil {
		h.notifyFailed.Do(func() {
			h.log.Warn("desktop notifications do not work; carrying on without them", "error", err)
		})
	}
}

// notifyEvent shows the notification an engine event deserves, if any.
func (h *host) notifyEvent(ev manager.Event) {
	if n, ok := notificationFor(ev); ok {
		h.notify(ev.Env, n.summary, n.body, notifyNews)
	}
}

type notification struct{ summary, body string }

// notificationFor tells the user what needs them or answers them: signing
// in finished, failed or timed out, a refresh token was rejected, the
// provider has been unreachable for long. Routine refreshes stay quiet.
func notificationFor(ev manager.Event) (notification, bool) {
	switch ev.Kind {
	case manager.EventLoginDone:
		return notification{"Signed in to " + ev.Env, "tokentray keeps the token of " + ev.Env + " fresh from now on."}, true
	case manager.EventLoginFailed:
		msg := strings.ToLower(ev.Message)
		if strings.Contains(msg, "canceled") {
			return notification{}, false // the user canceled: nothing to tell them
		}
		summary := "Sign-in to " + ev.Env + " did not finish"
		if strings.Contains(msg, "timed out") {
			summary = "Sign-in to " + ev.Env + " timed out"
		}
		body := "Choose Authorize to try again."
		if ev.Message != "" {
			body = ev.Message + ". " + body
		}
		return notification{summary, body}, true
	case manager.EventNeedsLogin:
		return notification{ev.Env + " needs you to sign in again",
			"The provider rejected the refresh token. Choose Authorize on " + ev.Env + " in the tray or the window."}, true
	case manager.EventUnreachable:
		body := "tokentray keeps retrying. "
		if ev.Message != "" {
			body = ev.Message + ". " + body
		}
		if ev.Status != nil && ev.Status.ExpiresAt != nil {
			body += "The current token is good until " + ev.Status.ExpiresAt.Local().Format("15:04") + "."
		}
		return notification{ev.Env + ": provider unreachable", body}, true
	}
	return notification{}, false
}

// trayAction runs a click from the tray (on the tray's goroutine).
func (h *host) trayAction(env string, a tray.Action) {
	switch a {
	case tray.ActionAuthorize:
		// Not bounded: the login runs on in the background after
		// Authorize returns and must not be tied to a context ending here.
		if _, err := h.m.Authorize(context.Background(), env); err != nil && !errors.Is(err, manager.ErrLoginInProgress) {
			h.notify(env, "Authorize "+env, errorText(err), notifyNews)
		}
	case tray.ActionOpenBrowser, tray.ActionCopyLink:
		s, err := h.m.Status(env)
		link := tray.LoginLink(server.WireStatus(s))
		if err != nil || link == "" {
			return
		}
		if a == tray.ActionCopyLink {
			if _, err := h.copySecret(link); err != nil {
				h.notify(env, "Copy link of "+env, errorText(err), notifyFeedback)
				return
			}
			h.notify(env, "Copied the sign-in link of "+env, "Paste it into the browser where you want to sign in.", notifyFeedback)
			return
		}
		if err := platform.OpenBrowser(link); err != nil {
			h.notify(env, "Open browser for "+env, errorText(err), notifyNews)
		}
	case tray.ActionCancel:
		h.m.CancelLogin(env)
	case tray.ActionCopyToken, tray.ActionCopyHeader:
		h.copyToken(env, a == tray.ActionCopyHeader)
	case tray.ActionRefresh, tray.ActionGetToken:
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := h.m.Refresh(ctx, env); err != nil {
			h.notify(env, trayActionTitle(a, env), errorText(err), notifyNews)
		}
	case tray.ActionForget:
		h.forgetToken(env)
	case tray.ActionSetUp:
		h.fromTray(h.openWindow)()
	}
}

// copyToken puts a token valid for at least a minute (refreshed first if
// needed), or the whole Authorization header, on the clipboard, and says
// so briefly.
func (h *host) copyToken(env string, header bool) {
	what := "token"
	if header {
		what = "Authorization header"
	}
	// The tray's copy is a read like any other: guarded, logged, announced.
	self := manager.Reader{PID: int32(os.Getpid()), UID: uint32(os.Getuid())}
	if exe, err := os.Executable(); err == nil {
		self.Exe = exe
	}
	tok, err := h.m.Read(context.Background(), env, manager.ReadRequest{Reader: self, Via: manager.ViaTray, MinValid: minValidForCopy, Timeout: time.Minute})
	if err != nil {
		h.notify(env, "Copy "+what+" of "+env, errorText(err), notifyNews)
		return
	}
	text := tok.AccessToken.Reveal()
	if header {
		text = socket.AuthorizationHeader(tok.TokenType, text)
	}
	after, err := h.copySecret(text)
	if err != nil {
		h.notify(env, "Copy "+what+" of "+env, errorText(err), notifyNews)
		return
	}
	h.notify(env, "Copied the "+what+" of "+env,
		fmt.Sprintf("Valid until %s; the clipboard is cleared in %s.", tok.ExpiresAt.Local().Format("15:04"), after.Round(time.Second)),
		notifyFeedback)
}

// errorText is an engine error for a notification: short and one line,
// without the environment's name for a provider's failure (the title
// names it).
func errorText(err error) string {
	text := err.Error()
	var pe *manager.ProviderError
	if errors.As(err, &pe) && text == pe.Error() {
		text = pe.Summary()
	}
	s := strings.Join(strings.Fields(text), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// openWindowWith starts the window child (tokentray-window, found beside
// this executable) with extra flags, unless one is running already. The
// window asks the host for everything over the socket; the guard's
// questions reach it on a private channel of its own.
func (h *host) openWindowWith(extra ...string) error {
	h.winMu.Lock()
	defer h.winMu.Unlock()
	select {
	case <-h.quit:
		return errors.New("tokentray is quitting")
	default:
	}
	if h.window != nil {
		return nil // one window at a time; it is open already
	}
	find := h.findWindow
	if find == nil {
		find = platform.WindowExecutable
	}
	exe, err := find()
	if err != nil {
		return fmt.Errorf("open window: %w", err)
	}
	args := append([]string{"--socket", h.socketPath}, extra...)
	if h.quitOnWindowClose {
		args = append(args, "--quit-host-on-close")
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = windowProcAttr()
	// The guard's questions go to this child alone (fd 3 in the child).
	conn, childEnd, err := newWindowChannel()
	if err != nil {
		h.log.Warn("the window will not show the guard's questions", "error", err)
	} else {
		cmd.ExtraFiles = []*os.File{childEnd}
		cmd.Env = append(os.Environ(), socket.GuardChannelEnv+"=3")
	}
	err = cmd.Start()
	if childEnd != nil {
		childEnd.Close() // the child has its copy; ours would keep the socket open
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return fmt.Errorf("open window: %w", err)
	}
	h.log.Debug("window started", "pid", cmd.Process.Pid, "executable", exe)
	var guardCh *GuardChannel
	served := make(chan struct{})
	if conn != nil {
		guardCh = NewGuardChannel(onlyFrom(conn, cmd.Process.Pid))
		go func() { guardCh.Serve(); close(served) }()
		h.guard.SetWindowAsker(guardCh)
	} else {
		close(served)
	}
	end := make(chan struct{})
	h.window, h.winEnd = cmd, end
	go func() {
		err := cmd.Wait()
		if guardCh != nil {
			h.guard.SetWindowAsker(nil)
			guardCh.Close()
		}
		<-served
		h.winMu.Lock()
		h.window, h.winEnd = nil, nil
		h.winMu.Unlock()
		close(end)
		if err != nil {
			h.log.Warn("the window ended with an error", "error", err)
		} else {
			h.log.Debug("window closed")
		}
		if h.quitOnWindowClose {
			h.Quit() // no tray: the window was the way in
		}
	}()
	return nil
}

// fromTray opens the window as the tray's "Open window" and "Add
// environment…" do: a window that cannot start is said in a notification
// too, since the user just clicked.
func (h *host) fromTray(open func() error) func() {
	return func() {
		if err := open(); err != nil {
			h.log.Warn("open window", "error", err)
			h.notify("window", "tokentray cannot open its window", errorText(err), notifyNews)
		}
	}
}

// windowRunning reports whether a window child is running (for tests
// and logs).
func (h *host) windowRunning() bool {
	h.winMu.Lock()
	defer h.winMu.Unlock()
	return h.window != nil
}

// closeWindow ends the window child, if any, and waits a little for it.
func (h *host) closeWindow() {
	h.winMu.Lock()
	cmd, end := h.window, h.winEnd
	h.winMu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-end:
	case <-time.After(3 * time.Second):
		_ = cmd.Process.Kill()
		<-end
	}
}

// Quit ends the host's run loop (tray "Quit", the last window closed
// without a tray, a signal).
func (h *host) Quit() { h.quitOnce.Do(func() { close(h.quit) }) }

// run shows the tray (or, without a tray host, the window), keeps the
// tray and notifications in step with the engine, and blocks until Quit
// or the socket server fails. It returns the server's error, if any.
func (h *host) run(hidden bool, served <-chan error) error {
	events, unsubscribe := h.m.Subscribe()
	defer unsubscribe()

	pace := throttle{every: trayEvery(0)}
	// counting fires a second after an update that left a title counting
	// seconds (a refresh waiting for its provider); nil otherwise.
	var counting <-chan time.Time
	updateTray := func() {
		counting = nil
		if h.tray != nil {
			statuses := server.WireStatuses(h.m.Environments())
			h.tray.Update(statuses, time.Now())
			pace.every = trayEvery(len(statuses))
			if tray.Counting(statuses) {
				counting = time.After(time.Second)
			}
		}
		pace.ran()
	}
	if h.tray != nil {
		updateTray()
		if !hidden {
			if err := h.openWindow(); err != nil {
				h.log.Warn("could not open the window", "error", err)
			}
		}
	} else {
		h.log.Info(tray.HostHint)
		if err := h.openWindow(); err != nil {
			return err
		}
	}

	// The tray's titles show minutes: refresh them once a minute, at the
	// minute, and after engine events, paced by the throttle; every second
	// only while a title counts seconds. Nothing else wakes the host.
	minute := time.NewTimer(time.Until(tray.NextMinute(time.Now())))
	defer minute.Stop()
	for {
		select {
		case <-h.quit:
			return nil
		case err := <-served:
			return err
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			h.notifyEvent(ev)
			if h.tray != nil {
				pace.request()
			}
		case <-pace.due:
			updateTray()
		case <-counting:
			updateTray()
		case <-minute.C:
			updateTray()
			minute.Reset(time.Until(tray.NextMinute(time.Now())))
		}
	}
}

// close ends the window and takes down tray, clipboard and notifier. The
// clipboard is cleared if it still holds a token.
func (h *host) close() {
	h.Quit()
	h.closeWindow()
	if h.tray != nil {
		h.tray.Close()
	}
	if h.clip != nil {
		h.clip.Close()
	}
	if h.notifier != nil {
		h.notifier.Close()
	}
	h.guard.Close()
}

// logErr logs a failed tray click that has no one else to tell.
func (h *host) logErr(what string, err error) {
	if err != nil {
		h.log.Warn(what, "error", err)
	}
}
