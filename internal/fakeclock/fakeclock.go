// Package fakeclock is a manager.Clock that tests move by hand: Advance
// for time passing, Set for wall-clock jumps (suspend, resume, NTP).
package fakeclock

import (
	"slices"
	"sync"
	"time"
)

// Clock is a settable clock. The zero value is not usable; use New.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// New returns a clock standing at start.
func New(start time.Time) *Clock { return &Clock{now: start} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires once the clock has been moved to now+d or later.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at(c.now.Add(d))
}

// At fires once the clock has been moved to t or later, like a timer on
// the wall clock: a jump past t fires it, a jump back keeps it waiting
// for t. stop drops it.
func (c *Clock) At(t time.Time) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.at(t)
	return ch, func() { c.drop(ch) }
}

// at is At's channel; c.mu is held. A time not after now fires at once.
func (c *Clock) at(t time.Time) chan time.Time {
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: t, ch: ch})
	return ch
}

// drop removes the timer that fires on ch, if it has not fired.
func (c *Clock) drop(ch chan time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiters = slices.DeleteFunc(c.waiters, func(w waiter) bool { return w.ch == ch })
}

// Advance moves the clock forward by d and fires the timers now due.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t, forward or backward, and fires the timers due
// at t. A backward jump fires nothing.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	kept := c.waiters[:0]
	var due []waiter
	for _, w := range c.waiters {
		if !w.at.After(t) {
			due = append(due, w)
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
	c.mu.Unlock()
	for _, w := range due {
		w.ch <- t
	}
}

// Waiters is how many timers are pending; tests use it to know a
// goroutine has gone to sleep before they move time.
func (c *Clock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}
