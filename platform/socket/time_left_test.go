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
