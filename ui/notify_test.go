package ui

import (
	"strings"
	"testing"

	"github.com/tokentray/tokentray/manager"
)

func TestNotificationsOnlyForWhatNeedsTheUser(t *testing.T) {
	s := validStatus("zepto-sandbox")
	for _, tc := range []struct {
		ev    manager.Event
		title string // "" for no notification
	}{
		{manager.Event{Kind: manager.EventLoginDone, Env: "zepto-sandbox"}, "Signed in to zepto-sandbox"},
		{manager.Event{Kind: manager.EventNeedsLogin, Env: "zepto-sandbox"}, "zepto-sandbox needs you to sign in again"},
		{manager.Event{Kind: manager.EventUnreachable, Env: "zepto-sandbox", Status: &s}, "zepto-sandbox: provider unreachable"},
		{manager.Event{Kind: manager.EventState, Env: "zepto-sandbox"}, ""},
		{manager.Event{Kind: manager.EventRefreshFailed, Env: "zepto-sandbox"}, ""},
	} {
		n := notificationFor(tc.ev)
		switch {
		case tc.title == "" && n != nil:
			t.Errorf("%s: unexpected notification %q", tc.ev.Kind, n.Title)
		case tc.title != "" && (n == nil || n.Title != tc.title):
			t.Errorf("%s: notification = %+v, want title %q", tc.ev.Kind, n, tc.title)
		}
	}
	n := notificationFor(manager.Event{Kind: manager.EventUnreachable, Env: "x", Status: &s})
	if !strings.Contains(n.Content, "good until") {
		t.Errorf("unreachable notification %q does not say how long the token lasts", n.Content)
	}
}
