package host

import (
	"strings"
	"testing"

	"github.com/tokentray/tokentray/manager"
)

func TestHostNotifiesWhatNeedsTheUserAndStaysQuietOtherwise(t *testing.T) {
	for _, tc := range []struct {
		ev      manager.Event
		summary string // "" for no notification
	}{
		{manager.Event{Kind: manager.EventLoginDone, Env: "zepto"}, "Signed in to zepto"},
		{manager.Event{Kind: manager.EventNeedsLogin, Env: "zepto"}, "zepto needs you to sign in again"},
		{manager.Event{Kind: manager.EventUnreachable, Env: "zepto", Message: "dial tcp: connection refused"}, "zepto: provider unreachable"},
		{manager.Event{Kind: manager.EventLoginFailed, Env: "zepto", Message: "zepto: authorization failed: authorization timed out after 5m0s"}, "Sign-in to zepto timed out"},
		{manager.Event{Kind: manager.EventLoginFailed, Env: "zepto", Message: "zepto: authorization failed: access_denied"}, "Sign-in to zepto did not finish"},
		{manager.Event{Kind: manager.EventLoginFailed, Env: "zepto", Message: "zepto: authorization failed: authorization canceled"}, ""},
		{manager.Event{Kind: manager.EventState, Env: "zepto"}, ""},
		{manager.Event{Kind: manager.EventRefreshFailed, Env: "zepto"}, ""},
	} {
		n, ok := notificationFor(tc.ev)
		if got := map[bool]string{true: n.summary}[ok]; got != tc.summary {
			t.Errorf("%s %q: notification %q, want %q", tc.ev.Kind, tc.ev.Message, got, tc.summary)
		}
		if ok && tc.ev.Message != "" && tc.ev.Kind != manager.EventLoginDone && !strings.Contains(n.body, tc.ev.Message) {
			t.Errorf("%s: body %q does not carry the engine's message", tc.ev.Kind, n.body)
		}
	}
}
