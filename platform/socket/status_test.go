package socket

import (
	"testing"
	"time"
)

func TestUsableForKeepsAMarginBeforeExpiry(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, c := range []struct {
		name    string
		expires *time.Time
		margin  time.Duration
		want    bool
	}{
		{"no token", nil, 0, false},
		{"expired", at(-time.Second), 0, false},
		{"expires now", at(0), 0, false},
		{"valid, no margin asked", at(time.Second), 0, true},
		{"valid past the margin", at(2 * time.Minute), time.Minute, true},
		{"within the margin", at(30 * time.Second), time.Minute, false},
	} {
		if got := (Status{ExpiresAt: c.expires}).UsableFor(now, c.margin); got != c.want {
			t.Errorf("%s: UsableFor = %v, want %v", c.name, got, c.want)
		}
	}
}
