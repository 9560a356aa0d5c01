package platform

import (
	"os"
	"slices"
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

// With a notification server on the bus (xfce4-notifyd, which
// scripts/deps.sh installs and the bus starts on demand), a notification
// goes through, and a second one for the same key replaces the first.
func TestNotifyReachesTheNotificationServer(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("no session bus or display: run under scripts/testenv.sh")
	}
	n, err := NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var activatable []string
	_ = n.conn.BusObject().Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable)
	var has bool
	_ = n.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, notifyService).Store(&has)
	if !has && !slices.Contains(activatable, notifyService) {
		t.Skip("no notification server on this bus (apt-get install xfce4-notifyd)")
	}
	if err := n.NotifyAs("env", "Copied the token of env", "clears in 3 s", 2*time.Second); err != nil {
		t.Fatalf("Notify with a server: %v", err)
	}
	if err := n.NotifyAs("env", "Copied the token of env again", "clears in 3 s", 2*time.Second); err != nil {
		t.Fatalf("a second Notify for the same key: %v", err)
	}
}
