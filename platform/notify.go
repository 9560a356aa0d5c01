package platform

import (
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// Notifier shows desktop notifications over D-Bus
// (org.freedesktop.Notifications) with an expiry, so none stays on screen
// for long. Notifications sent with the same key replace each other (one
// per environment, not a pile). Safe for concurrent use.
type Notifier struct {
	conn *dbus.Conn
	mu   sync.Mutex
	ids  map[string]uint32 // key → id of its last notification
}

const (
	notifyService = "org.freedesktop.Notifications"
	notifyPath    = "/org/freedesktop/Notifications"
	// DefaultNotifyExpire is how long a notification stays when the caller
	// gives no expiry.
	DefaultNotifyExpire = 8 * time.Second
)

// NewNotifier connects to the session bus. It does not require a
// notification server to run yet (they are often started on demand):
// Notify returns the error when none answers.
func NewNotifier() (*Notifier, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("notifications: session bus: %w", err)
	}
	return &Notifier{conn: conn, ids: map[string]uint32{}}, nil
}

// Notify shows a notification that expires after expire (<= 0: the
// default 8 s).
func (n *Notifier) Notify(summary, body string, expire time.Duration) error {
	return n.NotifyAs("", summary, body, expire)
}

// NotifyAs is Notify replacing the previous notification sent with the
// same key (for example the environment's name); "" replaces nothing.
func (n *Notifier) NotifyAs(key, summary, body string, expire time.Duration) error {
	if expire <= 0 {
		expire = DefaultNotifyExpire
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var replaces uint32
	if key != "" {
		replaces = n.ids[key]
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	var id uint32
	call := n.conn.Object(notifyService, notifyPath).Call(notifyService+".Notify", 0,
		"tokentray", replaces, "dialog-password", summary, body, []string{}, hints, int32(expire/time.Millisecond))
	if err := call.Store(&id); err != nil {
		return fmt.Errorf("notification %q: %w", summary, err)
	}
	if key != "" {
		n.ids[key] = id
	}
	return nil
}

// Close disconnects from the bus.
func (n *Notifier) Close() error { return n.conn.Close() }
