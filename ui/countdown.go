package ui

import (
	"fmt"
	"time"

	"github.com/tokentray/tokentray/manager"
)

// countdownText is the live line of a card: "expires in 1:52:07",
// "expired 0:03:10 ago", or why there is no countdown.
func countdownText(s manager.Status, now time.Time) string {
	if s.ExpiresAt == nil {
		if s.State == manager.StateValid || s.State == manager.StateRefreshing {
			return "the provider gave no expiry"
		}
		return "no token"
	}
	left := s.ExpiresAt.Sub(now)
	if left > 0 {
		return "expires in " + clock(left)
	}
	return "expired " + clock(-left) + " ago"
}

// clock formats a duration as h:mm:ss (seconds rounded down, so it never
// shows more time than is left), with days in front past 24 hours.
func clock(d time.Duration) string {
	secs := int64(d / time.Second)
	days, h, m, s := secs/86400, secs/3600%24, secs/60%60, secs%60
	if days > 0 {
		return fmt.Sprintf("%dd %d:%02d:%02d", days, h, m, s)
	}
	return fmt.Sprintf("%d:%02d:%02d", h, m, s)
}

// lifetimeLeft is the share of the token's lifetime still ahead, in [0,1];
// ok is false when neither the status nor the token's claims say when it
// was issued.
func lifetimeLeft(s manager.Status, now time.Time) (share float64, ok bool) {
	if s.ExpiresAt == nil {
		return 0, false
	}
	var issued time.Time
	switch {
	case s.IssuedAt != nil:
		issued = *s.IssuedAt
	case s.Claims != nil && !s.Claims.IssuedAt.IsZero():
		issued = s.Claims.IssuedAt // a JWT says when it was made
	default:
		return 0, false
	}
	total := s.ExpiresAt.Sub(issued)
	if total <= 0 {
		return 0, false
	}
	share = float64(s.ExpiresAt.Sub(now)) / float64(total)
	return min(max(share, 0), 1), true
}
