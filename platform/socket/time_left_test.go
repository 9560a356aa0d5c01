package socket

import (
	"testing"
	"time"
)

func TestFormatTimeLeftReadsLikeAPerson(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{time.Hour + 52*time.Minute + 30*time.Second, "1h 52m"},
		{2*time.Hour - 500*time.Millisecond, "1h 59m"},
		{2 * time.Hour, "2h"},
		{4*time.Minute + 10*time.Second, "4m 10s"},
		{12*time.Minute + 40*time.Second, "12m"},
		{45 * time.Second, "45s"},
		{0, "0s"},
		{51 * time.Hour, "2d 3h"},
		{-3 * time.Minute, "3m"},
	} {
		if got := FormatTimeLeft(c.in); got != c.want {
			t.Errorf("FormatTimeLeft(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The command line and the window say when the engine retries in the
// same words: the time left to the second, and the clock time.
func TestRetryInSaysTheTimeLeftAndTheClockTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 11, 0, 0, 0, time.Local).Add(-28 * time.Second)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, tc := range []struct {
		at   *time.Time
		want string
	}{
		{nil, "retrying soon"},
		{at(-time.Second), "retrying now"},
		{at(39*time.Second + 100*time.Millisecond), "retrying in 40 s (11:00:12)"},
		{at(40 * time.Second), "retrying in 40 s (11:00:12)"},
		{at(2*time.Minute + 5*time.Second), "retrying in 2m 5s (11:01:37)"},
		{at(90 * time.Minute), "retrying in 1h 30m (12:29:32)"},
	} {
		if got := RetryIn(tc.at, now); got != tc.want {
			t.Errorf("RetryIn(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
}
