package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// DefaultGuardTimeout is how long a guarded read waits for the user's
// answer before it is denied.
const DefaultGuardTimeout = 60 * time.Second

// GuardOptions configure a Guard. The zero value is ready.
type GuardOptions struct {
	// Window is how long an approval lasts; 0 means
	// config.DefaultGuardWindow. SetWindow changes it later.
	Window time.Duration
	// Timeout is how long a read waits for an answer; 0 means
	// DefaultGuardTimeout (60 s). No answer in time is a deny.
	Timeout time.Duration
	// BusAddress is the D-Bus session bus to ask on; "" means the
	// user's ($DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus).
	BusAddress string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TrustedNotifyDirs are the folders a notification server's
	// executable must be in for its answers to count (notify_pin.go);
	// nil means DefaultTrustedNotifyDirs.
	TrustedNotifyDirs []string
	// Log gets why a notification server is not trusted; nil: no log.
	Log *slog.Logger
}

// Guard asks the user what the engine may not decide alone
// (manager.Question): reads of guarded environments (guard = "confirm"),
// changes that lower or move one, the client secret to a moved token
// endpoint. It remembers approvals of reads for a window, keyed by
// environment, the requesting program (executable and command line) and
// its login session; everything else is asked every time. It asks in a
// desktop notification ("Allow for 10 min" / "Deny") and in the window
// when one is open, and waits for the first answer. Only the pinned
// notification server's own signals (guard_notify.go) and the window it
// started count as answers. Safe for concurrent use; Close ends
// questions still open.
type Guard struct {
	opts GuardOptions

	mu        sync.Mutex
	window    time.Duration
	approvals map[guardKey]time.Time // until when
	asking    map[guardKey]*guardAsk // one question per key at a time
	asker     WindowAsker            // the open window, nil when none
	pin       notifyPin              // the notification server whose answers count

	ctx    context.Context // ends at Close: every question's owner
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// guardKey is what one approval covers: one program (executable and
// command line) in one login session, for one environment and action.
type guardKey struct {
	env, exe, cmdline, session string
	action                     manager.Action
}

// guardAsk is a question on screen; done closes when err is set.
type guardAsk struct {
	done chan struct{}
	err  error
}

// NewGuard returns a Guard. It connects to the session bus only when it
// has something to ask.
func NewGuard(opts GuardOptions) *Guard {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultGuardTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	g := &Guard{opts: opts, approvals: map[guardKey]time.Time{}, asking: map[guardKey]*guardAsk{},
		pin: notifyPin{dirs: opts.TrustedNotifyDirs}}
	g.SetWindow(opts.Window)
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g
}

// SetWindow changes how long new approvals last (settings guard_window);
// d <= 0 means config.DefaultGuardWindow.
func (g *Guard) SetWindow(d time.Duration) {
	if d <= 0 {
		d = config.DefaultGuardWindow
	}
	g.mu.Lock()
	g.window = d
	g.mu.Unlock()
}

// SetWindowAsker makes questions asked from now on also appear in the
// window a (the host's window child); nil when the window has closed.
// The first answer, in the notification or in the window, counts; the
// other question is withdrawn.
func (g *Guard) SetWindowAsker(a WindowAsker) {
	g.mu.Lock()
	g.asker = a
	g.mu.Unlock()
}

// Close denies the questions still open and waits for them to end.
func (g *Guard) Close() {
	g.cancel()
	g.wg.Wait()
}

// Forget drops every approval (e.g. when the user locks the session or
// wants to be asked again).
func (g *Guard) Forget() {
	g.mu.Lock()
	clear(g.approvals)
	g.mu.Unlock()
}

// Confirm is manager.Options.Confirm: nil when the user allows q, a
// *manager.DeniedError otherwise. A read approved within its window
// returns at once; otherwise it asks (or joins the question already on
// screen for the same program) and waits for the answer, the timeout,
// Close or ctx, whichever comes first.
func (g *Guard) Confirm(ctx context.Context, q manager.Question) error {
	r := q.Reader
	key := guardKey{env: q.Env, exe: r.Exe, cmdline: r.Cmdline, session: r.Session, action: q.Action}
	// Only reads are remembered, and only of a program that can be told
	// apart from others; every other question is asked each time.
	remember := q.Action == manager.ActionRead && r.Exe != ""
	g.mu.Lock()
	if until, ok := g.approvals[key]; ok && remember {
		if g.opts.Now().Before(until) {
			g.mu.Unlock()
			return nil
		}
		delete(g.approvals, key)
	}
	ask, running := g.asking[key]
	if !running || !remember {
		ask = &guardAsk{done: make(chan struct{})}
		if remember {
			g.asking[key] = ask
		}
		window := g.window
		g.wg.Add(1)
		go g.run(ask, key, q, window, remember)
	}
	g.mu.Unlock()

	select {
	case <-ask.done:
		return ask.err
	case <-ctx.Done():
		return denied(q, "the reader stopped waiting for the answer")
	}
}

// denied is the answer to q that was not allowed, and why.
func denied(q manager.Question, reason string) *manager.DeniedError {
	return &manager.DeniedError{Env: q.Env, Reader: q.Reader, Action: q.Action, Reason: reason}
}

// run asks one question, in the notification and in the window when one
// is open, and records the first answer. Its owner is the Guard: Close
// ends it.
func (g *Guard) run(ask *guardAsk, key guardKey, mq manager.Question, window time.Duration, remember bool) {
	defer g.wg.Done()
	ctx, cancel := context.WithTimeout(g.ctx, g.opts.Timeout)
	defer cancel()
	g.mu.Lock()
	asker := g.asker
	g.mu.Unlock()

	env, reader := mq.Env, mq.Reader
	q := guardQuestion{
		summary: questionSummary(mq),
		body:    questionBody(mq),
		allow:   "Allow",
		expire:  g.opts.Timeout,
	}
	if remember {
		q.allow = "Allow for " + humanDuration(window)
	}
	// Both askers run until the first answer; cancelling askCtx withdraws
	// the other question (the notification is closed, the window told).
	askCtx, withdraw := context.WithCancel(ctx)
	defer withdraw()
	type outcome struct {
		answer   guardAnswer
		err      error
		inWindow bool
	}
	outcomes := make(chan outcome, 2)
	askers := 1
	go func() {
		a, err := askOnBus(askCtx, g.opts.BusAddress, q, &g.pin)
		var untrusted *untrustedServerError
		if errors.As(err, &untrusted) {
			g.opts.Log.Warn("the guard's question is not shown in the notification", "env", env, "reason", err.Error())
		}
		outcomes <- outcome{answer: a, err: err}
	}()
	if asker != nil {
		askers++
		deadline, _ := ctx.Deadline()
		wq := socket.GuardQuestion{Env: env, Reader: readerLine(reader), Deadline: deadline,
			Summary: q.summary, Allow: q.allow}
		if reader.Cmdline != "" {
			wq.Command = config.Printable(reader.Cmdline, 200)
		}
		go func() {
			allow, err := asker.Ask(askCtx, wq)
			o := outcome{answer: answerDeny, inWindow: true}
			switch {
			case err != nil && askCtx.Err() != nil:
				o.answer = answerNone
			case err != nil:
				o.answer, o.err = answerNone, err
			case allow:
				o.answer = answerAllow
			}
			outcomes <- o
		}()
	}
	var (
		answer   guardAnswer
		inWindow bool
		firstErr error
		waited   bool // an asker asked and got no answer in time
	)
	for range askers {
		o := <-outcomes
		switch {
		case answer != answerNone:
			// Answered already: this is the withdrawn question ending.
		case o.err != nil:
			if firstErr == nil {
				firstErr = o.err
			}
		case o.answer == answerNone:
			waited = true
		default:
			answer, inWindow = o.answer, o.inWindow
			withdraw()
		}
	}
	where := "the notification"
	if inWindow {
		where = "the window"
	}
	var reason string
	switch {
	case answer == answerAllow:
	case answer == answerDeny:
		reason = "you chose Deny in " + where
	case answer == answerClosed:
		reason = "the notification was closed without an answer"
	case g.ctx.Err() != nil:
		reason = "tokentray is shutting down"
	case !waited && firstErr != nil:
		reason = firstErr.Error()
	default: // answerNone: the timeout
		reason = fmt.Sprintf("no answer within %s", humanDuration(g.opts.Timeout))
	}
	g.mu.Lock()
	if remember {
		delete(g.asking, key)
	}
	if reason == "" {
		if remember {
			now := g.opts.Now()
			for k, until := range g.approvals { // keep the map to live approvals
				if !now.Before(until) {
					delete(g.approvals, k)
				}
			}
			g.approvals[key] = now.Add(window)
		}
	} else {
		ask.err = denied(mq, reason)
	}
	g.mu.Unlock()
	close(ask.done)
}

// displayName names the requesting program for the question the way its
// user knows it: its command line ("python3 deploy.py"), or the file name
// of its executable.
func displayName(r manager.Reader) string {
	if r.Exe == "" && r.Cmdline == "" {
		return "an unknown program"
	}
	name := baseName(r.Exe)
	if args, ok := strings.CutPrefix(r.Cmdline, r.Exe); ok && r.Exe != "" {
		name += args
	} else if r.Cmdline != "" {
		name = r.Cmdline
	}
	return config.Printable(name, 60)
}

// readerLine is the reader for the window's question: "curl (pid 42)".
func readerLine(r manager.Reader) string {
	return fmt.Sprintf("%s (pid %d)", displayName(r), r.PID)
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// questionSummary is the question's first line.
func questionSummary(q manager.Question) string {
	who := displayName(q.Reader)
	switch q.Action {
	case manager.ActionSendSecret:
		return fmt.Sprintf("Send the client secret of %s to its new token endpoint?", q.Env)
	case manager.ActionSignOut:
		return fmt.Sprintf("Allow %s to sign out of %s?", who, q.Env)
	case manager.ActionEdit:
		return fmt.Sprintf("Allow %s to change %s?", who, q.Env)
	case manager.ActionDelete:
		return fmt.Sprintf("Allow %s to remove %s?", who, q.Env)
	}
	return fmt.Sprintf("Allow %s to read the %s token?", who, q.Env)
}

// questionBody says who asks and what would change.
func questionBody(q manager.Question) string {
	r := q.Reader
	who := "an unknown program"
	if r.Exe != "" {
		who = config.Printable(r.Exe, 200)
	}
	var body string
	switch q.Action {
	case manager.ActionRead, "":
		body = fmt.Sprintf("%s (pid %d) asks for the access token of %s, which is guarded.", who, r.PID, q.Env)
	case manager.ActionSendSecret:
		body = fmt.Sprintf("tokentray would send the client secret of %s to a token endpoint it was not given for: %s.", q.Env, config.Printable(q.Detail, 200))
	default:
		if r.PID == 0 {
			who = "A change of the config file"
		} else {
			who = fmt.Sprintf("%s (pid %d)", who, r.PID)
		}
		body = fmt.Sprintf("%s would %s %s, which is guarded: %s.", who, actionVerb(q.Action), q.Env, config.Printable(q.Detail, 200))
	}
	if r.Cmdline != "" {
		body += "\nCommand: " + config.Printable(r.Cmdline, 200)
	}
	if r.Through != "" {
		body += "\nThrough: " + config.Printable(r.Through, 200)
	}
	return body
}

func actionVerb(a manager.Action) string {
	switch a {
	case manager.ActionSignOut:
		return "sign out of"
	case manager.ActionDelete:
		return "remove"
	}
	return "change"
}

// humanDuration says 10m as "10 min", 90s as "90 s", 1h as "1 h".
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d >= time.Second:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}
