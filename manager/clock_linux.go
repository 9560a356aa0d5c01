//go:build linux

package manager

import (
	"errors"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// At is a timerfd on CLOCK_REALTIME with an absolute expiry: the kernel
// fires it when the wall clock reaches t, whether it got there by running,
// by a resume from suspend (Go's own timers follow the monotonic clock,
// which stops while the machine sleeps) or by being set. With
// TFD_TIMER_CANCEL_ON_SET any set of the clock (resume included) also
// ends the wait, so the scheduler looks again once after every jump.
// Waiting costs no wakeup at all: the fd sits in Go's netpoller. Where no
// timerfd can be had, coarseAt re-checks instead.
func (SystemClock) At(t time.Time) (<-chan time.Time, func()) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return coarseAt(t)
	}
	// A zero expiry would disarm the timer; anything in the past fires at once.
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(t.UnixNano(), 1))}
	if err := unix.TimerfdSettime(fd, unix.TFD_TIMER_ABSTIME|unix.TFD_TIMER_CANCEL_ON_SET, &spec, nil); err != nil {
		unix.Close(fd)
		return coarseAt(t)
	}
	f := os.NewFile(uintptr(fd), "timerfd")
	fired := make(chan time.Time, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var expirations [8]byte
		// ECANCELED: the clock was set; closed: stopped.
		if _, err := f.Read(expirations[:]); err == nil || errors.Is(err, unix.ECANCELED) {
			fired <- time.Now()
		}
	}()
	return fired, sync.OnceFunc(func() {
		f.Close() // ends the Read above
		<-done
	})
}
