package ui

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/tokentray/tokentray/platform/socket"
)

// guardPipes are the host's end of a real channel to the window (a
// connected socket pair, as host/guard_window.go makes it): the test
// writes questions and reads the answers.
type guardPipes struct {
	questions *os.File // the host's end
	answers   *bufio.Scanner
}

func withGuardChannel(t *testing.T, w *testWin) *guardPipes {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		_ = syscall.SetNonblock(fd, true) // pollable: Close ends a blocked read
	}
	hostEnd, windowEnd := os.NewFile(uintptr(fds[0]), "host"), os.NewFile(uintptr(fds[1]), "window")
	t.Cleanup(func() { hostEnd.Close(); windowEnd.Close(); w.guardReads.Wait() })
	w.watchGuardQuestions(windowEnd)
	return &guardPipes{questions: hostEnd, answers: bufio.NewScanner(hostEnd)}
}

func (p *guardPipes) ask(t *testing.T, q socket.GuardQuestion) {
	t.Helper()
	line, _ := json.Marshal(q)
	if _, err := p.questions.Write(append(line, '\n')); err != nil {
		t.Fatal(err)
	}
}

func (p *guardPipes) answer(t *testing.T) socket.GuardAnswer {
	t.Helper()
	got := make(chan socket.GuardAnswer, 1)
	go func() {
		var a socket.GuardAnswer
		if p.answers.Scan() {
			json.Unmarshal(p.answers.Bytes(), &a)
		}
		got <- a
	}()
	select {
	case a := <-got:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no answer on the channel within 10 s")
		return socket.GuardAnswer{}
	}
}

func offlineWindow(t *testing.T) *testWin {
	dir, err := os.MkdirTemp("", "tt-ui-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return openWindow(t, filepath.Join(dir, "none.sock"))
}

func question(id uint64) socket.GuardQuestion {
	return socket.GuardQuestion{ID: id, Env: "zepto-production", Reader: "curl (pid 42)",
		Command: "curl -s https://api.example.com", Deadline: time.Now().Add(time.Minute), Allow: "Allow for 10 min"}
}

func TestGuardQuestionAllowForTenMinutesAnswersOnTheChannel(t *testing.T) {
	w := offlineWindow(t)
	p := withGuardChannel(t, w)
	p.ask(t, question(7))
	top := func() fyne.CanvasObject { return w.win.Canvas().Overlays().Top() }
	w.until(t, "the question", func() bool { return top() != nil })
	text := shownText(top())
	for _, want := range []string{"Allow curl (pid 42) to read the token of zepto-production?",
		"Command: curl -s https://api.example.com", "No answer in"} {
		if !strings.Contains(text, want) {
			t.Errorf("the question does not say %q:\n%s", want, text)
		}
	}
	test.Tap(button(t, top(), "Allow for 10 min"))
	if a := p.answer(t); a.ID != 7 || !a.Allow {
		t.Fatalf("answer %+v, want allow for 7", a)
	}
	if top() != nil {
		t.Error("the question stays on screen after the answer")
	}
}

func TestGuardQuestionEscapeDenies(t *testing.T) {
	w := offlineWindow(t)
	p := withGuardChannel(t, w)
	p.ask(t, question(3))
	w.until(t, "the question", func() bool { return w.win.Canvas().Overlays().Top() != nil })
	w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if a := p.answer(t); a.ID != 3 || a.Allow {
		t.Fatalf("answer %+v, want deny for 3", a)
	}
}

func TestGuardQuestionAnsweredElsewhereIsTakenAway(t *testing.T) {
	w := offlineWindow(t)
	p := withGuardChannel(t, w)
	p.ask(t, question(5))
	w.until(t, "the question", func() bool { return w.win.Canvas().Overlays().Top() != nil })
	p.ask(t, socket.GuardQuestion{ID: 5, Done: true})
	w.until(t, "the question taken away", func() bool { return w.win.Canvas().Overlays().Top() == nil })
	// Taken away is not an answer: the next thing on the channel is the
	// answer to the next question.
	p.ask(t, question(6))
	w.until(t, "the next question", func() bool { return w.win.Canvas().Overlays().Top() != nil })
	test.Tap(button(t, w.win.Canvas().Overlays().Top(), labelGuardDeny))
	if a := p.answer(t); a.ID != 6 || a.Allow {
		t.Fatalf("answer %+v, want deny for 6", a)
	}
}
