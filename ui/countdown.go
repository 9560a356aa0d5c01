package ui

import (
	"fmt"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

// countdownText is the live line of a card: "expires in 1h 52m",
// "expired 3m 10s ago", or why there is no countdown. The words are the
// command line's (socket.FormatTimeLeft); seconds show in the last ten
// minutes, when the once-a-second redraw matters.
func countdownText(s socket.Status, now time.Time) string {
	if s.State == socket.StateAuthorizing {
		return loginLeftText(s.Login, now)
	}
	if s.ExpiresAt == nil {
		if s.State == socket.StateValid || s.State == socket.StateRefreshing {
			return "the provider gave no expiry"
		}
		return "no token"
	}
	left := s.ExpiresAt.Sub(now)
	if left > 0 {
		return "expires in " + socket.FormatTimeLeft(left)
	}
	return "expired " + socket.FormatTimeLeft(left) + " ago"
}

// lifetimeLeft is the share of the token's lifetime still ahead, in [0,1];
// ok is false when neither the status nor the token's claims say when it
// was issued.
func lifetimeLeft(s socket.Status, now time.Time) (share float64, ok bool) {
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

// loginLeftText is the countdown of a running login: "waiting for you to
// authorize — 4:12 left".
func loginLeftText(l *socket.LoginInfo, now time.Time) string {
	const waiting = "waiting for you to authorize"
	if l == nil || l.ExpiresAt.IsZero() {
		return waiting
	}
	left := l.ExpiresAt.Sub(now)
	if left <= 0 {
		return waiting + " — time is up"
	}
	secs := int64((left + time.Second - 1) / time.Second)
	if secs >= 3600 {
		return fmt.Sprintf("%s — %d:%02d:%02d left", waiting, secs/3600, secs/60%60, secs%60)
	}
	return fmt.Sprintf("%s — %d:%02d left", waiting, secs/60, secs%60)
}
