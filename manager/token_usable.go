package manager

import "time"

// usableUntil is the rule for "can this token be used" (the views ask the
// same of a status, socket.Status.UsableFor): an expiry at least margin
// ahead of now; a zero expiry is never ahead.
func usableUntil(expiresAt, now time.Time, margin time.Duration) bool {
	return now.Add(margin).Before(expiresAt)
}
