package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/notifyserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// TestMain lets the test binary stand in for the window child that
// openWindow starts (tokentray-window --socket PATH): it answers the
// first guard question on the channel the host passed, and exits. As
// "thief" it plays another process holding a copy of the window's end
// (guard_sender_test.go), and with notifyChildEnv a notification server
// that answers "allow" to everything (notify_pin_test.go).
func TestMain(m *testing.M) {
	switch os.Getenv("TOKENTRAY_TEST_WINDOW_CHILD") {
	case "allow":
		os.Exit(guardChild())
	case "thief":
		os.Exit(thiefChild())
	}
	if bus := os.Getenv(notifyChildEnv); bus != "" { // notify_pin_test.go
		if err := notifyserver.Run(bus, "allow"); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// notifyChildEnv makes the test binary a notification server on the bus
// it names, answering "allow" to every question.
const notifyChildEnv = "TOKENTRAY_TEST_NOTIFY_SERVER"

func guardChild() int {
	if os.Getenv(socket.GuardChannelEnv) != "3" {
		return 3
	}
	ch := os.NewFile(3, "guard-channel")
	_ = socket.ReadGuardQuestions(ch, func(q socket.GuardQuestion) {
		if !q.Done && q.Env == "prod" && socket.WriteGuardAnswer(ch, q.ID, true) == nil {
			os.Exit(0) // answered: the window closes
		}
	})
	return 4 // the channel ended without a question
}

// thiefChild writes "allow" for the first questions into fd 3, as a
// program would that took a copy of the window's end of the channel
// (pidfd_getfd(2) in the window's first milliseconds), and exits.
func thiefChild() int {
	ch := os.NewFile(3, "stolen-guard-channel")
	for id := uint64(1); id <= 3; id++ {
		if socket.WriteGuardAnswer(ch, id, true) != nil {
			return 1
		}
	}
	return 0
}

func TestHostAsksTheGuardQuestionInItsWindowChild(t *testing.T) {
	t.Setenv("TOKENTRAY_TEST_WINDOW_CHILD", "allow")
	// A session bus with no notification server: only the window can ask.
	bus := notifyserver.StartBus(t)
	h := &host{log: slog.New(slog.NewTextHandler(io.Discard, nil)), socketPath: "/nonexistent/s.sock", quit: make(chan struct{}),
		guard: NewGuard(GuardOptions{BusAddress: bus}), findWindow: os.Executable}
	defer h.guard.Close()
	if err := h.openWindow(); err != nil {
		t.Fatal(err)
	}
	defer h.closeWindow()
	reader := manager.Reader{PID: 42, Exe: "/usr/bin/curl", Cmdline: "curl -s https://api.example.com"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.guard.Confirm(ctx, read("prod", reader)); err != nil {
		t.Fatalf("the window child allowed the read: Confirm = %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.windowRunning() {
		if time.Now().After(deadline) {
			t.Fatal("the window child did not exit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// With the window gone the guard has no one to ask again.
	err := h.guard.Confirm(ctx, read("prod", manager.Reader{PID: 43, Exe: "/usr/bin/wget"}))
	var de *manager.DeniedError
	if !errors.As(err, &de) || !strings.Contains(de.Reason, "no notification server") {
		t.Fatalf("after the window closed: Confirm = %v, want denied: no one to ask", err)
	}
}
