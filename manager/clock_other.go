//go:build !linux

package manager

import "time"

// At re-checks at least every coarseRecheck: without Linux's timerfd there
// is no timer on the wall clock to wait on (see coarseAt).
func (SystemClock) At(t time.Time) (<-chan time.Time, func()) { return coarseAt(t) }
