package host

import (
	"context"
	"errors"
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
// openWindow starts (`tokentray window --socket PATH`): it answers the
// first guard question on the channel the host passed, and exits.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "window" && os.Getenv("TOKENTRAY_TEST_WINDOW_CHILD") == "allow" {
		os.Exit(guardChild())
	}
	os.Exit(m.Run())
}

func guardChild() int {
	if os.Getenv("TOKENTRAY_GUARD_FDS") != "3,4" {
		return 3
	}
	questions, answers := os.NewFile(3, "guard-questions"), os.NewFile(4, "guard-answers")
	_ = socket.ReadGuardQuestions(questions, func(q socket.GuardQuestion) {
		if !q.Done && q.Env == "prod" && socket.WriteGuardAnswer(answers, q.ID, true) == nil {
			os.Exit(0) // answered: the window closes
		}
	})
	return 4 // the channel ended without a question
}

func TestHostAsksTheGuardQuestionInItsWindowChild(t *testing.T) {
	t.Setenv("TOKENTRAY_TEST_WINDOW_CHILD", "allow")
	// A session bus with no notification server: only the window can ask.
	bus := notifyserver.StartBus(t)
	h := &host{log: slog.New(slog.NewTextHandler(io.Discard, nil)), socketPath: "/nonexistent/s.sock", quit: make(chan struct{}),
		guard: NewGuard(GuardOptions{BusAddress: bus})}
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
