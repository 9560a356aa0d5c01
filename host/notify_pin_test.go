//go:build linux

package host

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/notifyserver"
)

func TestNotifyPinTrustsOneSystemExecutable(t *testing.T) {
	p := notifyPin{}
	steps := []struct {
		server notifyServer
		why    string // "" when trusted
	}{
		{notifyServer{pid: 10, exe: "/tmp/notifyd"}, "the notification server /tmp/notifyd is not a system program"},
		{notifyServer{pid: 11, exe: ""}, "cannot tell which program the notification server (pid 11) is"},
		{notifyServer{pid: 12, exe: "/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd"}, ""}, // pinned
		{notifyServer{pid: 13, exe: "/usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd"}, ""}, // restarted
		{notifyServer{pid: 14, exe: "/usr/bin/python3"}, "changed from /usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd to /usr/bin/python3"},
		{notifyServer{pid: 15, exe: "/home/me/bin/dunst"}, "changed from /usr/lib/x86_64-linux-gnu/xfce4/notifyd/xfce4-notifyd to /home/me/bin/dunst"},
	}
	for _, s := range steps {
		err := p.check(s.server)
		switch {
		case s.why == "" && err != nil:
			t.Errorf("%+v: %v, want trusted", s.server, err)
		case s.why != "" && (err == nil || !strings.Contains(err.Error(), s.why) || !strings.Contains(err.Error(), "answer in tokentray's window")):
			t.Errorf("%+v: %v, want it refused because %s", s.server, err, s.why)
		}
	}
	if got, _ := p.current(); got.pid != 13 {
		t.Errorf("pinned %+v, want the restarted daemon (pid 13)", got)
	}
	if exe := executableOf(uint32(os.Getpid())); exe == "" || !filepath.IsAbs(exe) {
		t.Errorf("executableOf(self) = %q", exe)
	}
}

// notifyChild is a notification server in a process of its own, running
// the program exe (a copy of this test binary, or the binary itself).
type notifyChild struct {
	mu    sync.Mutex
	notes []string // summaries it was sent
}

func startNotifyChild(t *testing.T, exe, bus string) *notifyChild {
	t.Helper()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), notifyChildEnv+"="+bus)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := &notifyChild{}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("notification server %s did not start: %q", exe, lines.Text())
	}
	go func() {
		for lines.Scan() {
			c.mu.Lock()
			c.notes = append(c.notes, strings.TrimPrefix(lines.Text(), "notify "))
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *notifyChild) asked() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.notes...)
}

// pinnedRig is a Guard that pinned the in-process notification server
// (this test binary), which then went away, as a killed daemon does.
func pinnedRig(t *testing.T, trusted ...string) (*Guard, string) {
	t.Helper()
	bus := notifyserver.StartBus(t)
	first := notifyserver.Start(t, bus)
	g := NewGuard(GuardOptions{BusAddress: bus, TrustedNotifyDirs: append(testBinaryDir(t), trusted...)})
	t.Cleanup(g.Close)
	g.PinNotificationServer(context.Background())
	self, _ := os.Executable()
	if got, ok := g.pin.current(); !ok || got.exe != self {
		t.Fatalf("pinned %+v, want this test binary %s", got, self)
	}
	first.Stop()
	return g, bus
}

// A program that took the name after the pinned server went away is not
// asked, and its "allow" counts for nothing: with no window open the read
// is denied at once, saying why; with the window open it is asked there.
func TestGuardDoesNotAskANotificationServerThatReplacedThePinnedOne(t *testing.T) {
	other := t.TempDir()
	g, bus := pinnedRig(t, other+"/")
	self, _ := os.Executable()
	impostor := filepath.Join(other, "notifyd")
	copyExecutable(t, self, impostor)
	child := startNotifyChild(t, impostor, bus)

	err := g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/curl")))
	de := wantDenied(t, err, "the notification server changed from "+self+" to "+impostor)
	if !strings.Contains(de.Reason, "answer in tokentray's window") {
		t.Errorf("the reason %q does not say where to answer instead", de.Reason)
	}

	w := newTestWindow(t)
	g.SetWindowAsker(w.ch)
	done := make(chan error, 1)
	go func() { done <- g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/wget"))) }()
	q := w.next(t)
	w.answer(t, q.ID, true)
	if err := result(t, done); err != nil {
		t.Fatalf("allowed in the window: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // a question sent late would arrive by now
	if asked := child.asked(); len(asked) > 0 {
		t.Errorf("the replacement was asked %q", asked)
	}
}

// The same daemon restarted (the same executable, a new process) is
// trusted: asked, and its answer counts.
func TestGuardTrustsThePinnedNotificationServerRestarted(t *testing.T) {
	g, bus := pinnedRig(t)
	self, _ := os.Executable()
	child := startNotifyChild(t, self, bus)
	if err := g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/curl"))); err != nil {
		t.Fatalf("the restarted server's allow: Confirm = %v", err)
	}
	if asked := child.asked(); len(asked) != 1 || !strings.Contains(asked[0], "read the prod token") {
		t.Errorf("the restarted server was asked %q, want the question", asked)
	}
}

// By default only a notification server installed in a system folder is
// trusted; this test binary is not one.
func TestGuardDoesNotTrustANotificationServerOutsideSystemFolders(t *testing.T) {
	bus := notifyserver.StartBus(t)
	notify := notifyserver.Start(t, bus)
	g := NewGuard(GuardOptions{BusAddress: bus})
	defer g.Close()
	wantDenied(t, g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/curl"))), "is not a system program")
	if n := len(notify.Notifications()); n != 0 {
		t.Errorf("%d notifications shown by an untrusted server", n)
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// current is the server pinned so far (for the tests).
func (p *notifyPin) current() (notifyServer, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pinned == nil {
		return notifyServer{}, false
	}
	return *p.pinned, true
}
