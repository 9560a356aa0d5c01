package manager

import (
	"fmt"
	"time"

	"github.com/tokentray/tokentray/config"
)

// recheck is how often the scheduler looks at the wall clock even when
// nothing is due: timers follow the monotonic clock, which stops while a
// laptop sleeps, so a machine that slept past the expiry notices within
// this interval of waking.
const recheck = 10 * time.Second

// run is the environment's scheduler: proactive refresh, retries with
// backoff, retried saves and retried keychain reads.
func (e *environment) run() {
	select { // a locked engine has no store to read yet
	case <-e.m.unlocked:
	case <-e.ctx.Done():
		return
	}
	_ = e.ensureLoaded() // unlocked: it cannot fail
	for {
		wait := e.nextWake(e.m.clock.Now())
		select {
		case <-e.ctx.Done():
			return
		case <-e.kick:
		case <-e.m.clock.After(wait):
		}
		if e.ctx.Err() != nil {
			return
		}
		e.tick(e.m.clock.Now())
	}
}

// nextWake is how long to sleep: until the next due work, at most recheck.
func (e *environment) nextWake(now time.Time) time.Duration {
	wait := recheck
	for _, at := range e.dueTimes() {
		if at.IsZero() {
			continue
		}
		if d := at.Sub(now); d < wait {
			wait = max(d, 0)
		}
	}
	return wait
}

// dueTimes lists when background work is due: a save to retry and a refresh.
func (e *environment) dueTimes() []time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	var save time.Time
	if e.unsaved {
		save = e.saveAt
	}
	return []time.Time{save, e.refreshDue()}
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
		return time.Unix(0, 0) // nothing usable: fetch now
	}
	return e.refreshAt
}

func (e *environment) tick(now time.Time) {
	e.mu.Lock()
	saveDue := e.unsaved && !now.Before(e.saveAt)
	due := e.refreshDue()
	refreshDue := !due.IsZero() && !now.Before(due)
	reload := e.loadErr != nil && e.tok == nil && e.session == nil
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
