//go:build linux

package manager

import (
	"testing"
	"time"
)

func TestSystemClockAtFiresWhenTheWallClockGetsThere(t *testing.T) {
	var c SystemClock
	at := c.Now().Add(50 * time.Millisecond)
	fired, stop := c.At(at)
	defer stop()
	select {
	case <-fired:
		if now := c.Now(); now.Before(at) {
			t.Errorf("fired at %v, %v before it was due", now, at.Sub(now))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a timer 50 ms ahead did not fire within 5 s")
	}

	past, stopPast := c.At(c.Now().Add(-time.Hour))
	defer stopPast()
	select {
	case <-past:
	case <-time.After(5 * time.Second):
		t.Fatal("a time in the past did not fire at once")
	}
}

func TestSystemClockAtStopsWithoutFiring(t *testing.T) {
	var c SystemClock
	fired, stop := c.At(c.Now().Add(time.Hour))
	done := make(chan struct{})
	go func() { stop(); stop(); close(done) }() // twice is fine
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not return")
	}
	select {
	case <-fired:
		t.Fatal("a stopped timer fired")
	default:
	}
}
