package manager

import (
	"net/url"
	"time"
)

// A refresh that hangs at the provider looks like any other refresh
// until someone says so: after slowRefresh the status carries Waiting
// (which host, since when, when the engine gives up), and the scheduler
// publishes it then, so the tray and the window say it without polling.

// slowRefresh is how long a refresh may take before the views say it is
// waiting for the provider: longer than a token request takes on a slow
// network, short enough that the user still remembers clicking.
const slowRefresh = 3 * time.Second

// Waiting is a refresh that has been at the provider for longer than
// slowRefresh.
type Waiting struct {
	Host    string        // the provider's host ("go.sandbox.zeptopayments.com")
	Since   time.Time     // when the refresh started
	Timeout time.Duration // the engine gives up at Since+Timeout
}

// providerTimeout is how long one refresh may take: the engine's bound,
// or the HTTP client's when that is shorter.
func (m *Manager) providerTimeout() time.Duration {
	if t := m.http.Timeout; t > 0 && t < providerTimeout {
		return t
	}
	return providerTimeout
}

// waitingAt is what the status says about the refresh in flight at now:
// nil when none runs or it has not been slow yet. e.mu must be held.
func (e *environment) waitingAt(now time.Time) *Waiting {
	f := e.flight
	if f == nil || now.Sub(f.wait.Since) < slowRefresh {
		return nil
	}
	w := f.wait
	return &w
}

// atProvider names the host the refresh in flight actually asks (the
// token endpoint may differ from the configured origin after discovery).
func (e *environment) atProvider(tokenURL string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f := e.flight; f != nil {
		if h := hostOf(tokenURL); h != "" {
			f.wait.Host = h
		}
	}
}

// announceWait publishes the status once the refresh in flight has taken
// slowRefresh, so the views say what it waits for without polling. The
// scheduler calls it (runDue): it returns when to call again, zero when
// there is nothing to announce.
func (e *environment) announceWait(now time.Time) time.Time {
	e.mu.Lock()
	f := e.flight
	if f == nil || f.announced {
		e.mu.Unlock()
		return time.Time{}
	}
	if at := f.wait.Since.Add(slowRefresh); now.Before(at) {
		e.mu.Unlock()
		return at
	}
	f.announced = true
	e.mu.Unlock()
	e.changed(EventState, "")
	return time.Time{}
}

// hostOf is the host[:port] of rawURL, "" when it has none.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}
