package manager

import "time"

// UsableFor says whether s holds an access token that stays valid for at
// least margin after now. It is the one rule for "can this token be used":
// the engine's reads, the tray and the window all ask it.
func (s Status) UsableFor(now time.Time, margin time.Duration) bool {
	return s.ExpiresAt != nil && usableUntil(*s.ExpiresAt, now, margin)
}

// usableUntil is the rule itself, for the engine's own token too: an
// expiry at least margin ahead (a zero expiry is never ahead).
func usableUntil(expiresAt, now time.Time, margin time.Duration) bool {
	return now.Add(margin).Before(expiresAt)
}
