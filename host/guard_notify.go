package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"
)

// A small notify-with-actions client for the Guard, on its own bus
// connection per question (questions are rare: one per program per
// guard_window), so it shares nothing with the host's Notifier.

const (
	guardNotifyName  = "org.freedesktop.Notifications"
	guardNotifyPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	guardNotifyIface = "org.freedesktop.Notifications"
)

// guardQuestion is one notification with Allow and Deny actions.
type guardQuestion struct {
	summary, body string
	allow         string // the Allow button's label, "Allow for 10 min"
	expire        time.Duration
}

type guardAnswer int

const (
	answerNone   guardAnswer = iota // no answer before ctx ended
	answerAllow                     // ActionInvoked "allow"
	answerDeny                      // ActionInvoked "deny"
	answerClosed                    // NotificationClosed without an action
)

// errNoNotifications is the reason when nobody can be asked.
var errNoNotifications = errors.New("it is guarded and there is no one to ask: no notification server is running on the session bus")

// guardBusAddress is addr, else the session bus the user's programs use.
// It never autolaunches a bus (which would leave a stray dbus-daemon and
// ask no one).
func guardBusAddress(addr string) (string, error) {
	if addr != "" {
		return addr, nil
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a, nil
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if st, err := os.Stat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p, nil
		}
	}
	return "", errors.New("it is guarded and there is no one to ask: there is no session bus for notifications")
}

// askOnBus shows q and waits for the answer until ctx ends. It asks only
// a notification server that pin trusts (notify_pin.go), and only signals
// sent by the unique bus name that owned org.freedesktop.Notifications
// when the question was sent count; anyone else on the bus can emit a
// signal with the same name, path and interface.
func askOnBus(ctx context.Context, addr string, q guardQuestion, pin *notifyPin) (guardAnswer, error) {
	addr, err := guardBusAddress(addr)
	if err != nil {
		return answerNone, err
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return answerNone, fmt.Errorf("it is guarded and there is no one to ask: cannot reach the session bus: %v", err)
	}
	defer conn.Close()

	owner, err := notificationOwner(ctx, conn)
	if err != nil {
		return answerNone, err
	}
	server, err := serverOf(ctx, conn, owner)
	if err != nil {
		return answerNone, err
	}
	if err := pin.check(server); err != nil {
		return answerNone, err
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)
	if err := conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender(owner),
		dbus.WithMatchObjectPath(guardNotifyPath),
		dbus.WithMatchInterface(guardNotifyIface),
	); err != nil {
		return answerNone, fmt.Errorf("could not ask: watch the notification server: %v", err)
	}

	hints := map[string]dbus.Variant{
		"urgency":  dbus.MakeVariant(byte(2)), // critical: stays until answered
		"category": dbus.MakeVariant("presence"),
		"resident": dbus.MakeVariant(false),
	}
	actions := []string{"allow", q.allow, "deny", "Deny"}
	var id uint32
	// Sent to the unique name, so the question goes to the server whose
	// answers are accepted.
	obj := conn.Object(owner, guardNotifyPath)
	// Not cut short by ctx: a question withdrawn while it is being shown
	// must get its id, so that it can be closed below.
	notifyCtx, cancelNotify := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	err = obj.CallWithContext(notifyCtx, guardNotifyIface+".Notify", 0,
		"tokentray", uint32(0), "dialog-password", q.summary, q.body, actions, hints, int32(q.expire/time.Millisecond),
	).Store(&id)
	cancelNotify()
	if err != nil {
		return answerNone, fmt.Errorf("could not ask: the notification server refused the question: %v", err)
	}

	for {
		select {
		case <-ctx.Done():
			// Take the question off the screen; its answer no longer counts.
			closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			obj.CallWithContext(closeCtx, guardNotifyIface+".CloseNotification", 0, id)
			cancel()
			return answerNone, nil
		case sig, ok := <-signals:
			if !ok {
				return answerNone, errors.New("could not ask: the session bus connection closed")
			}
			if a, done := readAnswer(sig, owner, id); done {
				return a, nil
			}
		}
	}
}

// readAnswer reads one signal: done when it is the answer to question id
// from the notification server owner. Everything else is ignored,
// including a forged ActionInvoked from another connection (sent to the
// whole bus or to us alone, which no match rule filters).
func readAnswer(sig *dbus.Signal, owner string, id uint32) (guardAnswer, bool) {
	if sig == nil || sig.Sender != owner || sig.Path != guardNotifyPath || len(sig.Body) < 2 {
		return answerNone, false
	}
	if got, ok := sig.Body[0].(uint32); !ok || got != id {
		return answerNone, false
	}
	switch sig.Name {
	case guardNotifyIface + ".ActionInvoked":
		switch action, _ := sig.Body[1].(string); action {
		case "allow":
			return answerAllow, true
		case "deny":
			return answerDeny, true
		}
		// "default" (a click on the body) or anything else: keep waiting.
	case guardNotifyIface + ".NotificationClosed":
		return answerClosed, true
	}
	return answerNone, false
}

// PinNotificationServer records the notification server running now as
// the one whose answers count (the host calls it at start). With none
// running, the first question pins the one it finds.
func (g *Guard) PinNotificationServer(ctx context.Context) {
	addr, err := guardBusAddress(g.opts.BusAddress)
	if err != nil {
		return
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return
	}
	defer conn.Close()
	var owner string
	if conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, guardNotifyName).Store(&owner) != nil {
		return // none running now
	}
	server, err := serverOf(ctx, conn, owner)
	if err == nil {
		err = g.pin.check(server)
	}
	if err != nil {
		g.opts.Log.Warn("the guard does not trust the notification server", "reason", err.Error())
		return
	}
	g.opts.Log.Info("the guard's questions go to this notification server", "pid", server.pid, "executable", server.exe)
}

// notificationOwner is the unique bus name of the notification server,
// starting it first when the bus can (D-Bus activation).
func notificationOwner(ctx context.Context, conn *dbus.Conn) (string, error) {
	var owner string
	bus := conn.BusObject()
	err := bus.CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, guardNotifyName).Store(&owner)
	if err == nil && owner != "" {
		return owner, nil
	}
	startCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var started uint32
	if bus.CallWithContext(startCtx, "org.freedesktop.DBus.StartServiceByName", 0, guardNotifyName, uint32(0)).Store(&started) == nil {
		if bus.CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, guardNotifyName).Store(&owner) == nil && owner != "" {
			return owner, nil
		}
	}
	return "", errNoNotifications
}
