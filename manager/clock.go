package manager

import "time"

// Clock is the engine's only source of time, so tests can move time
// instead of sleeping.
type Clock interface {
	Now() time.Time
	// After fires once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock. Now strips the monotonic reading so
// comparisons follow the wall clock, which keeps running during suspend.
type SystemClock struct{}

func (SystemClock) Now() time.Time                         { return time.Now().Round(0) }
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
