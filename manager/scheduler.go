package manager

import (
	"fmt"
	"time"

	"github.com/tokentray/tokentray/config"
)

// The scheduler: one goroutine for the whole engine (schedule) sleeps on
// one wall-clock alarm (Clock.At) until the earliest background work of
// any environment is due, and hands each environment that is due to its
// own goroutine (run), which does the work. Whatever can move a due time
// calls reschedule (every change an environment publishes does), so the
// alarm is set again; while nothing is due, nothing wakes.

// reloadEvery is how long after a failed store read it is tried again.
const reloadEvery = 10 * time.Second

// reschedule asks the scheduler to look at the due times again.
func (m *Manager) reschedule() {
	select {
	case m.resched <- struct{}{}:
	default:
	}
}

// schedule is the engine's scheduler loop, from Start until Close.
func (m *Manager) schedule() {
	var (
		alarm <-chan time.Time
		stop  = func() {}
		armed time.Time // what alarm is set for; zero: not set
	)
	defer func() { stop() }()
	for {
		if next := m.runDue(m.clock.Now()); !next.Equal(armed) {
			stop()
			alarm, stop, armed = nil, func() {}, next
			if !next.IsZero() {
				alarm, stop = m.clock.At(next)
			}
		}
		select {
		case <-m.quit:
			return
		case <-m.resched:
		case <-alarm:
			stop()
			alarm, stop, armed = nil, func() {}, time.Time{} // it may have fired early (a clock jump): set again
		}
	}
}

// runDue starts the work of every environment due at now and returns
// when the next is due, zero for never.
func (m *Manager) runDue(now time.Time) time.Time {
	m.mu.Lock()
	envs := m.envList()
	m.mu.Unlock()
	var next time.Time
	for _, e := range envs {
		if at := e.nextDue(); !at.IsZero() && !now.Before(at) {
			e.kickRun()
		} else {
			next = earliest(next, at)
		}
		// Not run's work: run may be the one waiting for the provider.
		next = earliest(next, e.announceWait(now))
	}
	return next
}

// earliest is the earlier of a and b, where zero is never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// run is the environment's worker: it loads the store, then does the
// background work whenever the scheduler finds it due: proactive refresh,
// retries with backoff, retried saves and retried store reads.
func (e *environment) run() {
	select { // a locked engine has no store to read yet
	case <-e.m.unlocked:
	case <-e.ctx.Done():
		return
	}
	_ = e.ensureLoaded() // unlocked: it cannot fail
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.kick:
		}
		if e.ctx.Err() != nil {
			return
		}
		e.tick(e.m.clock.Now())
		e.m.reschedule() // the work done moved the due times
	}
}

// kickRun has run do the work that is due.
func (e *environment) kickRun() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// nextDue is when background work is next due (a save or a store read to
// retry, a refresh), zero for never.
func (e *environment) nextDue() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return earliest(earliest(e.saveDue(), e.reloadDue()), e.refreshDue())
}

// saveDue is when tokens that could not be saved are saved again, zero
// for never. e.mu must be held.
func (e *environment) saveDue() time.Time {
	if !e.unsaved || e.tok == nil {
		return time.Time{}
	}
	return e.saveAt
}

// reloadDue is when a store read that failed is tried again, zero for
// never. e.mu must be held.
func (e *environment) reloadDue() time.Time {
	if e.loadErr == nil || e.tok != nil || e.session != nil {
		return time.Time{}
	}
	return e.reloadAt
}

// refreshDue is when the scheduler should refresh, zero for never. e.mu must be held.
func (e *environment) refreshDue() time.Time {
	switch {
	case e.unconfigured() != "", e.session != nil, e.flight != nil, e.fatal != "", e.needsLogin:
		return time.Time{}
	case e.cfg.Flow != config.FlowClientCredentials && (e.tok == nil || e.tok.refresh == ""):
		return time.Time{}
	case e.failures > 0:
		return e.retryAt
	case e.tok == nil || e.tok.access == "":
		if e.loggedOut {
			return time.Time{} // forgotten on purpose: fetched again when asked for
		}
		return time.Unix(0, 0) // nothing usable: fetch now
	}
	return e.refreshAt
}

func (e *environment) tick(now time.Time) {
	due := func(at time.Time) bool { return !at.IsZero() && !now.Before(at) }
	e.mu.Lock()
	saveDue := due(e.saveDue())
	refreshDue := due(e.refreshDue())
	reload := due(e.reloadDue())
	seen := e.gen
	e.mu.Unlock()

	if reload {
		e.load()
	}
	if saveDue {
		e.retrySave()
	}
	if refreshDue {
		// Errors are recorded in the state by failed; nobody waits here.
		_, _ = e.refreshAfter(e.ctx, seen)
	}
}

// noteSave records the outcome of a save. A failed save keeps the tokens
// in memory, warns and is retried with backoff. e.mu must be held.
func (e *environment) noteSave(err error, now time.Time) {
	if err == nil {
		e.unsaved, e.saveErr, e.saveTries = false, "", 0
		e.loadErr = nil // what was saved replaced the item that could not be read
		return
	}
	e.unsaved = true
	e.saveErr = err.Error()
	e.saveTries++
	e.saveAt = now.Add(min(5*time.Second<<min(e.saveTries-1, 6), 5*time.Minute))
}

// afterSave logs and announces a failed save.
func (e *environment) afterSave(err error) {
	if err == nil {
		return
	}
	e.m.log.Warn("saving tokens to the keychain failed; kept in memory, will retry", "env", e.cfg.Name, "err", err)
	e.changed(EventWarning, fmt.Sprintf("%s: could not save tokens to the keychain: %v", e.cfg.Name, err))
}

// retrySave writes the tokens in memory to the store again.
func (e *environment) retrySave() {
	e.tokenWrite.Lock()
	e.mu.Lock()
	if e.tok == nil || !e.unsaved {
		e.mu.Unlock()
		e.tokenWrite.Unlock()
		return
	}
	stored := e.tok.stored()
	e.mu.Unlock()

	err := e.m.store.SaveTokens(e.cfg.Name, stored)

	e.mu.Lock()
	e.noteSave(err, e.m.clock.Now())
	e.mu.Unlock()
	e.tokenWrite.Unlock()
	if err == nil {
		e.m.log.Info("tokens saved to the keychain after an earlier failure", "env", e.cfg.Name)
		e.changed(EventState, "")
		return
	}
	e.m.log.Warn("saving tokens to the keychain failed again", "env", e.cfg.Name, "err", err)
}
