package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestStatusTableSaysTimeLeftAndWhatToDoNext(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour + 52*time.Minute)
	old := now.Add(-3 * time.Minute)
	noKeychain := "no Secret Service on the session bus: tokens are kept in memory only"
	var out bytes.Buffer
	writeStatusTable(&out, []socket.Status{
		{Name: "zepto-sandbox", State: socket.StateValid, ExpiresAt: &exp, Warning: noKeychain},
		{Name: "campaignflow", State: socket.StateNeedsLogin, Next: &socket.Next{Action: socket.NextLogin}, Warning: noKeychain},
		// No typed next: the text of an older daemon is shown as it came.
		{Name: "cf-test", State: socket.StateExpired, ExpiresAt: &old, Error: "provider unreachable", NextStep: "retrying", Warning: noKeychain},
	}, now)
	want := "zepto-sandbox  valid        expires in 1h 52m\n" +
		"campaignflow   needs_login  no token           run `tokentray login campaignflow`\n" +
		"cf-test        expired      expired 3m ago     provider unreachable; retrying\n" +
		"warning: " + noKeychain + "\n"
	if out.String() != want {
		t.Errorf("status table:\n%s\nwant:\n%s", out.String(), want)
	}
}
