package manager

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Reader is the program a token is handed to, as the kernel and /proc
// describe it (Exe is "" where the platform does not say, PID 0 when
// unknown). For tokentray's own command line it is the program that ran
// the command (`python3 deploy.py`), and Through is the command.
type Reader struct {
	PID     int32
	UID     uint32
	Exe     string
	Cmdline string
	Through string // "tokentray token prod"
	// Session is the login session the program runs in ("session:3", or
	// "uid:1000" where the system keeps none): an approval covers one.
	Session string
}

// String names the reader for people: "curl (pid 4242)".
func (r Reader) String() string {
	name := "an unknown program"
	if r.Exe != "" {
		name = filepath.Base(r.Exe)
	}
	if r.PID > 0 {
		return fmt.Sprintf("%s (pid %d)", name, r.PID)
	}
	return name
}

// Ways a token leaves the engine other than a plain read (Read.Via).
const (
	ViaCopy  = "copy" // put on the clipboard by the host (window or socket)
	ViaTray  = "tray" // copied from the tray menu
	ViaProxy = "proxy"
)

// ReadRequest is one read of a token.
type ReadRequest struct {
	Reader   Reader
	Via      string // "" for a plain read, else one of the Via constants
	MinValid time.Duration
	// Force refreshes first (POST .../refresh), joining a running refresh.
	Force bool
	// Timeout bounds the wait for the token once the read is allowed
	// (the user's answer to a guarded read has its own bound); 0: ctx only.
	Timeout time.Duration
	// Proof asks for a DPoP proof for the request the reader is about to
	// send (Token.DPoPProof), made for the very token handed out; nil:
	// none. A token that is not DPoP-bound comes without one.
	Proof *ProofRequest
}

// Action is what the engine asks the user to confirm (Question).
type Action string

const (
	ActionRead       Action = "read"        // a read of a guarded environment
	ActionSendSecret Action = "send_secret" // the client secret to a token endpoint it was not given for
	ActionSignOut    Action = "sign_out"    // logout of a guarded environment
	ActionEdit       Action = "edit"        // a change that lowers or moves a guarded environment
	ActionDelete     Action = "delete"      // removing a guarded environment
)

// Question is one thing the user must allow (Options.Confirm).
type Question struct {
	Env    string
	Reader Reader // who asks; zero for tokentray itself (a background refresh, a hand edit)
	Action Action
	// Detail says what would change, for actions other than a read:
	// "guard = \"none\"", "its token endpoint moved from A to B".
	Detail string
}

// ErrDenied: the user did not allow it, or nobody could be asked. The
// error is a *DeniedError.
var ErrDenied = errors.New("denied")

// DeniedError is why a Question was not allowed. Reason is said to the
// asker as it is (one sentence, no period).
type DeniedError struct {
	Env    string
	Reader Reader
	Action Action // "" reads as ActionRead
	Reason string
}

func (e *DeniedError) Error() string {
	switch e.Action {
	case "", ActionRead:
		return fmt.Sprintf("%s was denied a token of %s: %s", e.Reader, e.Env, e.Reason)
	case ActionSendSecret:
		return fmt.Sprintf("the client secret of %s was not sent: %s", e.Env, e.Reason)
	}
	return fmt.Sprintf("%s was denied to %s %s: %s", e.Reader, actionWords[e.Action], e.Env, e.Reason)
}

// actionWords are the actions in a sentence: "... was denied to sign out of prod".
var actionWords = map[Action]string{ActionSignOut: "sign out of", ActionEdit: "change", ActionDelete: "remove"}

func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// NoOneToAsk is the reason given when nobody can be asked (Options.Confirm
// is nil: a daemon).
const NoOneToAsk = "it needs your confirmation and there is no one to ask: tokentray runs as a daemon without notifications"

// Read hands name's token to req.Reader; every read takes this one path.
// A guarded environment asks Options.Confirm first; then the token comes
// as Token (or Refresh, with Force) gives it, waiting for a refresh in
// flight; then the read is logged and announced (EventRead).
func (m *Manager) Read(ctx context.Context, name string, req ReadRequest) (Token, error) {
	e, err := m.env(name)
	if err != nil {
		return Token{}, err
	}
	if req.Proof != nil {
		if err := req.Proof.Check(); err != nil {
			return Token{}, err
		}
	}
	if e.cfg.Guarded() {
		if err := m.confirm(ctx, Question{Env: name, Reader: req.Reader, Action: ActionRead}); err != nil {
			m.log.Info("guarded read denied", "env", name, "pid", req.Reader.PID, "exe", req.Reader.Exe, "err", err)
			return Token{}, err
		}
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	if err := e.ensureLoaded(); err != nil {
		return Token{}, err
	}
	before := e.generation()
	var t Token
	if req.Force {
		t, err = e.refreshShared(ctx)
	} else {
		t, err = e.token(ctx, req.MinValid)
	}
	if err != nil {
		return Token{}, err
	}
	if req.Proof != nil {
		if t.DPoPProof, err = m.dpopProof(t, *req.Proof); err != nil { // checked above
			return Token{}, err
		}
	}
	rd := req.Reader
	r := Read{Time: m.clock.Now(), PID: rd.PID, UID: rd.UID, Exe: rd.Exe, Cmdline: rd.Cmdline, Through: rd.Through,
		Via: req.Via, Refreshed: e.generation() != before}
	if entry, announce := m.reads.add(name, r); announce {
		m.emit(Event{Kind: EventRead, Env: name, Read: &entry, Time: r.Time})
	}
	return t, nil
}

// confirm asks the user through Options.Confirm; a nil hook denies.
func (m *Manager) confirm(ctx context.Context, q Question) error {
	if m.opts.Confirm == nil {
		return &DeniedError{Env: q.Env, Reader: q.Reader, Action: q.Action, Reason: NoOneToAsk}
	}
	err := m.opts.Confirm(ctx, q)
	if err == nil {
		return nil
	}
	var de *DeniedError
	if !errors.As(err, &de) {
		de = &DeniedError{Env: q.Env, Reader: q.Reader, Action: q.Action, Reason: "could not ask: " + err.Error()}
	}
	return de
}

// Confirm asks the user q through Options.Confirm (the host's guard): for
// changes the engine does not make itself, such as a config edit that
// lowers a guard. Nil when allowed; a *DeniedError otherwise.
func (m *Manager) Confirm(ctx context.Context, q Question) error { return m.confirm(ctx, q) }
