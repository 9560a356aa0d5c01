package manager

import "time"

// Clock is the engine's only source of time, so tests can move time
// instead of sleeping.
type Clock interface {
	Now() time.Time
	// After fires once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
	// At fires once the wall clock reads t or later, also when it got
	// there by a jump (a resume from suspend, the clock set); stop
	// releases it. It may fire early: the receiver looks at Now.
	At(t time.Time) (fired <-chan time.Time, stop func())
}

// SystemClock is the real clock. Now strips the monotonic reading so
// comparisons follow the wall clock, which keeps running during suspend.
// At is in clock_linux.go and clock_other.go.
type SystemClock struct{}

func (SystemClock) Now() time.Time                         { return time.Now().Round(0) }
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// coarseRecheck bounds how long coarseAt sleeps in one go.
const coarseRecheck = 10 * time.Second

// coarseAt is At with Go's timers, which follow the monotonic clock: that
// clock stops while the machine sleeps, so a timer set for t would fire
// as late as the sleep was long. Firing at least every coarseRecheck
// until t lets the caller notice a wake past t within that long, at the
// price of those wakeups while something is due.
func coarseAt(t time.Time) (<-chan time.Time, func()) {
	fired := make(chan time.Time, 1)
	timer := time.AfterFunc(min(time.Until(t), coarseRecheck), func() { fired <- time.Now() })
	return fired, func() { timer.Stop() }
}
