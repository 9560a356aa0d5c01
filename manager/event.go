package manager

import "time"

// EventKind says what happened. Views mostly re-read Status on any event;
// the kinds exist for notifications.
type EventKind string

const (
	EventState         EventKind = "state"                // an environment's Status changed
	EventLoginDone     EventKind = "login_done"           // authorization finished, tokens stored
	EventLoginFailed   EventKind = "login_failed"         // authorization denied, timed out or canceled
	EventNeedsLogin    EventKind = "needs_login"          // the refresh token was rejected
	EventRefreshFailed EventKind = "refresh_failed"       // a refresh failed; retrying with backoff
	EventUnreachable   EventKind = "provider_unreachable" // failing for longer than a few minutes
	EventWarning       EventKind = "warning"              // e.g. a save to the keychain failed
	EventConfig        EventKind = "config"               // environments added, removed or changed
	EventRead          EventKind = "read"                 // a token was handed out; Read says to whom (no Status)
)

// Event is one change, with the environment's Status after it.
type Event struct {
	Kind    EventKind
	Env     string
	Status  *Status
	Message string
	Read    *Read // EventRead`
	Time    time.Time
}
