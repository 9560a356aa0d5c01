//go:build unix

package host

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/notifyserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// testWindow is the window's end of a real guard channel (the socket
// pair the host passes to its window child): it collects the host's
// messages and answers on request.
type testWindow struct {
	ch       *GuardChannel
	answers  *os.File // the window's end: it reads questions and writes answers here
	messages chan socket.GuardQuestion
	ended    chan struct{}
}

func newTestWindow(t *testing.T) *testWindow {
	t.Helper()
	conn, end, err := newWindowChannel()
	if err != nil {
		t.Fatal(err)
	}
	// The window here is this test process; the host reads only its writes.
	w := &testWindow{ch: NewGuardChannel(onlyFrom(conn, os.Getpid())), answers: end, messages: make(chan socket.GuardQuestion, 16), ended: make(chan struct{})}
	served := make(chan struct{})
	go func() { w.ch.Serve(); close(served) }()
	go func() {
		defer close(w.ended)
		_ = socket.ReadGuardQuestions(end, func(q socket.GuardQuestion) { w.messages <- q })
	}()
	t.Cleanup(func() {
		w.closeWindow() // the window exits: the host's Serve ends
		<-served
		w.ch.Close()
		<-w.ended
	})
	return w
}

// closeWindow is the window process ending: its end of the socket closes.
func (w *testWindow) closeWindow() { _ = syscall.Shutdown(int(w.answers.Fd()), syscall.SHUT_RDWR) }

func (w *testWindow) next(t *testing.T) socket.GuardQuestion {
	t.Helper()
	select {
	case q := <-w.messages:
		return q
	case <-time.After(10 * time.Second):
		t.Fatal("the window got no message within 10s")
		return socket.GuardQuestion{}
	}
}

func (w *testWindow) answer(t *testing.T, id uint64, allow bool) {
	t.Helper()
	if err := socket.WriteGuardAnswer(w.answers, id, allow); err != nil {
		t.Fatal(err)
	}
}

func waitClosed(t *testing.T, r *guardRig, id uint32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(r.notify.Closed(), id) {
		if time.Now().After(deadline) {
			t.Fatal("the notification was not withdrawn")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGuardAllowInTheWindowClosesTheNotification(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	w := newTestWindow(t)
	r.guard.SetWindowAsker(w.ch)
	done := r.confirmAsync("zepto-production", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	q := w.next(t)
	if q.Done || q.Env != "zepto-production" || !strings.HasPrefix(q.Reader, "curl -s https://api.example.com (pid ") ||
		!strings.Contains(q.Command, "/usr/bin/curl -s https://api.example.com") {
		t.Errorf("window question %+v does not say who asks for what", q)
	}
	if left := time.Until(q.Deadline); left < 50*time.Second || left > 61*time.Second {
		t.Errorf("deadline %s from now, want about 60 s", left)
	}
	w.answer(t, q.ID, true)
	if err := result(t, done); err != nil {
		t.Fatalf("allowed in the window: Confirm = %v", err)
	}
	waitClosed(t, r, note.ID)
	// The approval is remembered like one from the notification.
	if err := r.guard.Confirm(context.Background(), read("zepto-production", readerFor("/usr/bin/curl"))); err != nil {
		t.Fatalf("approved program again: %v", err)
	}
}

func TestGuardDenyInTheWindowDenies(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	w := newTestWindow(t)
	r.guard.SetWindowAsker(w.ch)
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	q := w.next(t)
	w.answer(t, q.ID, false)
	wantDenied(t, result(t, done), "you chose Deny in the window")
	waitClosed(t, r, note.ID)
}

func TestGuardAnswerInTheNotificationWithdrawsTheWindowQuestion(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	w := newTestWindow(t)
	r.guard.SetWindowAsker(w.ch)
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	q := w.next(t)
	r.notify.Invoke(note.ID, "allow")
	if err := result(t, done); err != nil {
		t.Fatalf("allowed in the notification: %v", err)
	}
	if d := w.next(t); !d.Done || d.ID != q.ID {
		t.Fatalf("window got %+v, want done for question %d", d, q.ID)
	}
	// A late answer in the window for the withdrawn question counts for nothing.
	w.answer(t, q.ID, false)
}

func TestGuardWithoutANotificationServerAsksInTheWindow(t *testing.T) {
	bus := notifyserver.StartBus(t)
	g := NewGuard(GuardOptions{BusAddress: bus})
	defer g.Close()
	w := newTestWindow(t)
	g.SetWindowAsker(w.ch)
	done := make(chan error, 1)
	go func() { done <- g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/curl"))) }()
	q := w.next(t)
	w.answer(t, q.ID, true)
	if err := result(t, done); err != nil {
		t.Fatalf("allowed in the window alone: %v", err)
	}
}

func TestGuardWindowQuestionTimesOutAndIsWithdrawn(t *testing.T) {
	r := newGuardRig(t, GuardOptions{Timeout: 400 * time.Millisecond})
	w := newTestWindow(t)
	r.guard.SetWindowAsker(w.ch)
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	q := w.next(t)
	wantDenied(t, result(t, done), "no answer within")
	if d := w.next(t); !d.Done || d.ID != q.ID {
		t.Fatalf("window got %+v, want done for question %d", d, q.ID)
	}
}

func TestGuardWindowClosedLeavesTheNotification(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	w := newTestWindow(t)
	r.guard.SetWindowAsker(w.ch)
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	w.next(t)
	w.closeWindow() // the window exits without answering
	select {
	case err := <-done:
		t.Fatalf("the window closing answered the question: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	r.notify.Invoke(note.ID, "deny")
	wantDenied(t, result(t, done), "Deny in the notification")
}

// guard_window changed in the settings (PUT /v1/settings, as the window's
// Settings send it) labels the next question's Allow.
func TestGuardWindowChangedInTheSettingsLabelsTheNextAllow(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	w := newTestWindow(t)
	r.guard.SetWindowAsker(w.ch)
	edit := newEditRig(t, twoEnvConfig)
	edit.cf.OnApply(followConfig(newProxies(edit.m, slog.New(slog.DiscardHandler)), r.guard))
	if _, err := edit.client.PutSettings(context.Background(), socket.Settings{GuardWindow: "15m"}); err != nil {
		t.Fatal(err)
	}
	done := r.confirmAsync("zepto-production", readerFor("/usr/bin/curl"))
	q := w.next(t)
	if q.Allow != "Allow for 15 min" {
		t.Errorf("the window's question offers %q, want Allow for 15 min", q.Allow)
	}
	if note := r.notify.Wait(t, 1, 10*time.Second); !slices.Contains(note.Actions, "Allow for 15 min") {
		t.Errorf("the notification offers %q, want Allow for 15 min", note.Actions)
	}
	w.answer(t, q.ID, false)
	_ = result(t, done)
}
