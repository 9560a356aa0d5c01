package platform

import (
	"os"
	"strings"
	"testing"
	"time"
)

// Without a notification server on the bus (scripts/testenv.sh runs
// none), Notify says so instead of blocking or panicking: the host logs
// that once and carries on.
func TestNotifyWithoutANotificationServerReturnsAnError(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("no session bus: run under scripts/testenv.sh")
	}
	n, err := NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var has bool
	if err := n.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, notifyService).Store(&has); err != nil || has {
		t.Skip("a notification server runs on this bus")
	}
	var activatable []string
	_ = n.conn.BusObject().Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable)
	for _, a := range activatable {
		if a == notifyService {
			t.Skip("a notification server can be started on this bus")
		}
	}
	start := time.Now()
	err = n.NotifyAs("env", "Copied the token of env", "body", time.Second)
	if err == nil || !strings.Contains(err.Error(), "Copied the token of env") {
		t.Errorf("Notify = %v, want an error naming the notification", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Notify took %v without a server", d)
	}
}
