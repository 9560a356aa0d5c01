package manager

import "time"

// flight is one refresh at the provider. Readers that arrive while it is
// in flight wait for it instead of taking the token it replaces: many
// providers retire the previous access token the moment they issue a new
// one (Doorkeeper, which Zepto's token endpoint follows, revokes both in
// one row), so the old token would die a moment after it was handed out.
type flight struct {
	done chan struct{} // closed when the refresh has ended
	err  error         // set before done closes; nil when a new token came
	// wait is what the status says once the refresh has taken longer
	// than slowRefresh, and announced whether the scheduler published it
	// (waiting.go). Guarded by e.mu.
	wait      Waiting
	announced bool
}

// beginFlight marks a refresh as running, started at now. e.mu must be held.
func (e *environment) beginFlight(now time.Time) {
	f := &flight{done: make(chan struct{})}
	f.wait = Waiting{Host: hostOf(e.configuredOrigin()), Since: now, Timeout: e.m.providerTimeout()}
	e.flight = f
}

// takeFlight ends the running refresh in the state (no longer
// "refreshing"); the caller closes it with land once the new state is in
// place. e.mu must be held. Nil when no refresh ran (a login).
func (e *environment) takeFlight() *flight {
	f := e.flight
	e.flight = nil
	return f
}

// land tells the readers waiting for f how it ended.
func (f *flight) land(err error) {
	if f == nil {
		return
	}
	f.err = err
	close(f.done)
}
