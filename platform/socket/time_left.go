package socket

import (
	"fmt"
	"time"
)

// FormatTimeLeft is how every view says how long a token lasts: the two
// largest units, rounded down so it never promises too much, without a
// zero second unit: "2d 3h", "1h 52m", "2h", "12m", "4m 10s", "45s".
// Seconds show only under ten minutes. `tokentray status` prints it, so
// the format is contract output. A negative d is formatted as its size.
func FormatTimeLeft(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Second)
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	mins, secs := int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	two := func(a int, ua string, b int, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%d%s", a, ua)
		}
		return fmt.Sprintf("%d%s %d%s", a, ua, b, ub)
	}
	switch {
	case days > 0:
		return two(days, "d", hours, "h")
	case hours > 0:
		return two(hours, "h", mins, "m")
	case mins >= 10:
		return fmt.Sprintf("%dm", mins)
	case mins > 0:
		return two(mins, "m", secs, "s")
	default:
		return fmt.Sprintf("%ds", secs)
	}
}

// RetryIn says when the engine tries again, in the same words in every
// view: the time left, counted up to the next second, and the local clock
// time, "retrying in 40 s (11:00:12)", "retrying in 2m 5s (11:02:17)".
func RetryIn(at *time.Time, now time.Time) string {
	if at == nil || at.IsZero() {
		return "retrying soon"
	}
	left := at.Sub(now)
	if left <= 0 {
		return "retrying now"
	}
	left = (left + time.Second - 1).Truncate(time.Second)
	in := seconds(left)
	clock := at.Truncate(time.Second) // the second it will have happened by
	if clock.Before(*at) {
		clock = clock.Add(time.Second)
	}
	return fmt.Sprintf("retrying in %s (%s)", in, clock.Local().Format("15:04:05"))
}
