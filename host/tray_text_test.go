package host

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/tray"
)

// A failed "Get new token" from the tray: the notification's title names
// the environment and the action, its body what went wrong, once.
func TestTrayNotificationNamesTheEnvironmentOnce(t *testing.T) {
	pe := &manager.ProviderError{Env: "cc-local", Host: "127.0.0.1:9", Cause: "connection refused", Err: errors.New("dial")}
	if got := trayActionTitle(tray.ActionGetToken, "cc-local"); got != "Get a new token for cc-local" {
		t.Errorf("title %q", got)
	}
	if got := errorText(pe); got != "can't reach 127.0.0.1:9: connection refused" {
		t.Errorf("body %q, want the failure without the environment's name", got)
	}
	// Wrapped with more to say, the whole text stays.
	if got := errorText(fmt.Errorf("wait for the refresh of cc-local: %w", pe)); got != "wait for the refresh of cc-local: cc-local: can't reach 127.0.0.1:9: connection refused" {
		t.Errorf("wrapped body %q", got)
	}
	if got := trayActionTitle(tray.ActionRefresh, "web"); got != "Refresh web" {
		t.Errorf("refresh title %q", got)
	}
}
