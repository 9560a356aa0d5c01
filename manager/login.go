package manager

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
	"golang.org/x/oauth2"
)

// loginSession is one running authorization.
type loginSession struct {
	info   LoginInfo
	cancel context.CancelFunc
	done   chan struct{} // closed by finish
	once   sync.Once
	err    error // set before done closes
	// grant is set for the authorization code flow: what a callback or a
	// pasted URL is checked against and redeemed with.
	grant *codeGrant
	// origin is the token endpoint the tokens will come from (origin.go).
	origin string
	dpop   *dpopKey // the key the tokens are bound to (dpop.go); nil: none
}

// login starts the environment's authorization.
func (e *environment) login(ctx context.Context) (LoginInfo, error) {
	if err := e.ensureLoaded(); err != nil {
		return LoginInfo{}, err
	}
	e.mu.Lock()
	if err := e.unconfiguredError(); err != nil {
		e.mu.Unlock()
		return LoginInfo{}, err
	}
	if s := e.session; s != nil {
		// A second click on Authorize shows the same authorization again.
		e.mu.Unlock()
		return s.info, nil
	}
	e.fatal = ""
	e.mu.Unlock()

	switch e.cfg.Flow {
	case config.FlowClientCredentials:
		_, err := e.refreshShared(ctx)
		return LoginInfo{}, err
	case config.FlowDeviceCode:
		return e.startDeviceLogin(ctx)
	default:
		return e.startCodeLogin(ctx)
	}
}

// begin registers a running session; it fails if another one won the race.
func (e *environment) begin(s *loginSession) error {
	e.mu.Lock()
	if e.session != nil {
		e.mu.Unlock()
		return fmt.Errorf("%s: %w", e.cfg.Name, ErrLoginInProgress)
	}
	e.session = s
	e.loginFailed = ""
	e.mu.Unlock()
	e.changed(EventState, "")
	return nil
}

// finish ends a session once: with tokens (err nil) or with the reason it failed.
func (e *environment) finish(s *loginSession, ot *oauth2.Token, err error) {
	s.once.Do(func() {
		if err == nil {
			e.acceptLogin(ot, s.origin, s.dpop)
		}
		e.mu.Lock()
		if e.session == s {
			e.session = nil
		}
		e.lastLogin = s
		s.err = err
		e.loginFailed = ""
		if errors.Is(err, ErrLoginTimedOut) {
			e.loginFailed = err.Error()
		}
		e.mu.Unlock()
		s.cancel()
		close(s.done)
		if err != nil {
			e.m.log.Info("authorization ended without tokens", "env", e.cfg.Name, "err", err)
			// The reason may quote the provider or the callback: printable only.
			e.changed(EventLoginFailed, config.Printable(fmt.Sprintf("%s: authorization failed: %v", e.cfg.Name, err), 2*config.MaxShown))
			return
		}
		e.m.log.Info("authorization complete", "env", e.cfg.Name)
		e.changed(EventLoginDone, fmt.Sprintf("%s: authorized", e.cfg.Name))
	})
}

// acceptLogin stores the tokens of a finished authorization from the
// token endpoint at origin, bound to key. The previous refresh token, if
// any, is replaced and never used again.
func (e *environment) acceptLogin(ot *oauth2.Token, origin string, key *dpopKey) {
	_, _ = e.accept(ot, "", origin, key, anyGeneration) // a login replaces whatever tokens there are
}

func (e *environment) cancelLogin(reason error) {
	e.mu.Lock()
	s := e.session
	e.mu.Unlock()
	if s != nil {
		e.finish(s, nil, reason)
	}
}

func (e *environment) waitLogin(ctx context.Context) error {
	e.mu.Lock()
	s := e.session
	if s == nil {
		s = e.lastLogin
	}
	hasTokens := e.tok != nil && e.tok.access != ""
	e.mu.Unlock()
	if s == nil {
		if hasTokens {
			return nil
		}
		return fmt.Errorf("%s: no authorization is running", e.cfg.Name)
	}
	select {
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newSession makes a session that ends by itself after the login timeout.
func (e *environment) newSession() (*loginSession, context.Context) {
	ctx, cancel := context.WithTimeout(e.ctx, e.m.opts.LoginTimeout)
	return &loginSession{cancel: cancel, done: make(chan struct{})}, ctx
}

// watchTimeout ends the session when its context ends first.
func (e *environment) watchTimeout(s *loginSession, ctx context.Context) {
	e.m.wg.Add(1)
	go func() {
		defer e.m.wg.Done()
		select {
		case <-s.done:
		case <-ctx.Done():
			err := ErrLoginCanceled
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("%w after %s", ErrLoginTimedOut, humanDuration(e.m.opts.LoginTimeout))
			}
			e.finish(s, nil, err)
		}
	}()
}

func (e *environment) expiry(ttl time.Duration) time.Time {
	return e.m.clock.Now().Add(ttl)
}

// ErrLoginTimedOut ends an authorization the user did not finish in time.
var ErrLoginTimedOut = errors.New("authorization timed out")

// humanDuration words a login timeout: "5 minutes", "90 seconds".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return plural(int64(d/time.Second), "second")
	}
	return d.String()
}
