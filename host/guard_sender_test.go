//go:build linux

package host

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

// TestGuardChannelReadsOnlyWhatTheWindowWrote: answers written into the
// channel by another process than the window child count for nothing.
// Here the window is this test process and the thief a child holding a
// copy of the window's end.
func TestGuardChannelReadsOnlyWhatTheWindowWrote(t *testing.T) {
	w := newTestWindow(t)
	answer := make(chan bool, 1)
	go func() {
		allow, _ := w.ch.Ask(context.Background(), socket.GuardQuestion{Env: "prod", Reader: "curl (pid 42)"})
		answer <- allow
	}()
	q := w.next(t)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	thief := exec.Command(self)
	thief.Env = append(os.Environ(), "TOKENTRAY_TEST_WINDOW_CHILD=thief")
	thief.ExtraFiles = []*os.File{w.answers}
	if out, err := thief.CombinedOutput(); err != nil {
		t.Fatalf("thief: %v %s", err, out)
	}
	// The thief's "allow" is in the socket ahead of the window's answer.
	w.answer(t, q.ID, false)
	select {
	case allow := <-answer:
		if allow {
			t.Fatal("the thief's answer was taken: the read was allowed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the window's own answer did not arrive")
	}
}
