package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/notifyserver"
	"github.com/tokentray/tokentray/manager"
)

// guardRig is a Guard on a private session bus with a real notification
// server on it.
type guardRig struct {
	t      *testing.T
	bus    string
	notify *notifyserver.Server
	guard  *Guard
}

func newGuardRig(t *testing.T, opts GuardOptions) *guardRig {
	t.Helper()
	bus := notifyserver.StartBus(t)
	r := &guardRig{t: t, bus: bus, notify: notifyserver.Start(t, bus)}
	opts.BusAddress = bus
	if opts.TrustedNotifyDirs == nil {
		opts.TrustedNotifyDirs = testBinaryDir(t)
	}
	r.guard = NewGuard(opts)
	t.Cleanup(r.guard.Close)
	return r
}

// testBinaryDir trusts the folder of this test binary, in which the test
// notification server (notifyserver, in this process) runs, the way the
// guard trusts /usr for xfce4-notifyd.
func testBinaryDir(t *testing.T) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{filepath.Dir(self) + "/"}
}

func readerFor(exe string) manager.Reader {
	return manager.Reader{PID: int32(os.Getpid()), UID: uint32(os.Getuid()), Exe: exe, Cmdline: exe + " -s https://api.example.com"}
}

// read is the question of a read of env by rd.
func read(env string, rd manager.Reader) manager.Question {
	return manager.Question{Env: env, Reader: rd, Action: manager.ActionRead}
}

// confirmAsync runs Confirm in the background; the channel gets its result.
func (r *guardRig) confirmAsync(env string, rd manager.Reader) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.guard.Confirm(context.Background(), read(env, rd)) }()
	return done
}

func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("Confirm did not return within 20s")
		return nil
	}
}

func wantDenied(t *testing.T, err error, reason string) *manager.DeniedError {
	t.Helper()
	var de *manager.DeniedError
	if !errors.As(err, &de) {
		t.Fatalf("Confirm = %v, want a *manager.DeniedError", err)
	}
	if !strings.Contains(de.Reason, reason) {
		t.Errorf("denied because %q, want it to say %q", de.Reason, reason)
	}
	return de
}

func TestGuardAsksWithAllowAndDenyAndAllowApproves(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	done := r.confirmAsync("zepto-production", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	if want := []string{"allow", "Allow for 10 min", "deny", "Deny"}; !slices.Equal(note.Actions, want) {
		t.Errorf("actions %q, want %q", note.Actions, want)
	}
	if note.Expire != 60000 {
		t.Errorf("expire %d ms, want 60000", note.Expire)
	}
	if !strings.Contains(note.Summary, "curl") || !strings.Contains(note.Summary, "zepto-production") {
		t.Errorf("summary %q does not name the reader and the environment", note.Summary)
	}
	if !strings.Contains(note.Body, "/usr/bin/curl") {
		t.Errorf("body %q does not name the executable", note.Body)
	}
	if err := r.notify.Invoke(note.ID, "allow"); err != nil {
		t.Fatal(err)
	}
	if err := result(t, done); err != nil {
		t.Fatalf("allowed read: Confirm = %v", err)
	}
}

func TestGuardDenyDenies(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	done := r.confirmAsync("zepto-production", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	if err := r.notify.Invoke(note.ID, "deny"); err != nil {
		t.Fatal(err)
	}
	de := wantDenied(t, result(t, done), "Deny")
	if de.Env != "zepto-production" || de.Reader.Exe != "/usr/bin/curl" {
		t.Errorf("denied error %+v does not say who and what", de)
	}
	// A deny is not remembered as an approval, nor as a deny: ask again.
	done = r.confirmAsync("zepto-production", readerFor("/usr/bin/curl"))
	note = r.notify.Wait(t, 2, 10*time.Second)
	r.notify.Invoke(note.ID, "allow")
	if err := result(t, done); err != nil {
		t.Fatalf("second question, allowed: %v", err)
	}
}

func TestGuardDismissedNotificationDenies(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	r.notify.Dismiss(note.ID)
	wantDenied(t, result(t, done), "closed without an answer")
}

func TestGuardNoAnswerInTimeDeniesAndTakesTheQuestionAway(t *testing.T) {
	r := newGuardRig(t, GuardOptions{Timeout: 400 * time.Millisecond})
	start := time.Now()
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	if note.Expire != 400 {
		t.Errorf("expire %d ms, want the timeout (400)", note.Expire)
	}
	wantDenied(t, result(t, done), "no answer within")
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("denied after %s, before the timeout", took)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(r.notify.Closed(), note.ID) {
		if time.Now().After(deadline) {
			t.Fatal("the unanswered notification was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGuardIgnoresAForgedAnswerFromAnotherConnection(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	rogue := notifyserver.NewRogue(t, r.bus)
	done := r.confirmAsync("prod", readerFor("/usr/bin/curl"))
	note := r.notify.Wait(t, 1, 10*time.Second)
	// Broadcast and sent straight to the guard's connection.
	if err := rogue.Forge(note.ID, "allow", note.Sender); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("a forged ActionInvoked answered the question: Confirm = %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	r.notify.Invoke(note.ID, "deny")
	wantDenied(t, result(t, done), "Deny")
}

func TestGuardWithoutANotificationServerDenies(t *testing.T) {
	bus := notifyserver.StartBus(t)
	g := NewGuard(GuardOptions{BusAddress: bus})
	defer g.Close()
	err := g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/curl")))
	wantDenied(t, err, "no notification server")
}

func TestGuardWithoutASessionBusDenies(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	g := NewGuard(GuardOptions{})
	defer g.Close()
	wantDenied(t, g.Confirm(context.Background(), read("prod", readerFor("/usr/bin/curl"))), "no session bus")
}

// fakeNow is a clock the test moves.
type fakeNow struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeNow) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeNow) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestGuardApprovalCoversOneExecutableForTheWindow(t *testing.T) {
	clock := &fakeNow{now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	r := newGuardRig(t, GuardOptions{Window: 10 * time.Minute, Now: clock.Now})
	curl := readerFor("/usr/bin/curl")

	done := r.confirmAsync("prod", curl)
	note := r.notify.Wait(t, 1, 10*time.Second)
	r.notify.Invoke(note.ID, "allow")
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}

	// The same program within the window: no question.
	clock.Add(9 * time.Minute)
	if err := r.guard.Confirm(context.Background(), read("prod", curl)); err != nil {
		t.Fatalf("approved program within the window: %v", err)
	}
	if n := len(r.notify.Notifications()); n != 1 {
		t.Fatalf("%d notifications, want 1 (the approval covers the same program)", n)
	}

	// Another program, or another environment: asked.
	done = r.confirmAsync("prod", readerFor("/usr/bin/python3"))
	note = r.notify.Wait(t, 2, 10*time.Second)
	if !strings.Contains(note.Summary, "python3") {
		t.Errorf("second question %q is not about python3", note.Summary)
	}
	r.notify.Invoke(note.ID, "deny")
	wantDenied(t, result(t, done), "Deny")

	done = r.confirmAsync("other-prod", curl)
	note = r.notify.Wait(t, 3, 10*time.Second)
	r.notify.Invoke(note.ID, "deny")
	wantDenied(t, result(t, done), "Deny")

	// Past the window: asked again.
	clock.Add(2 * time.Minute)
	done = r.confirmAsync("prod", curl)
	note = r.notify.Wait(t, 4, 10*time.Second)
	r.notify.Invoke(note.ID, "deny")
	wantDenied(t, result(t, done), "Deny")
}

func TestGuardConcurrentReadsOfOneProgramShareOneQuestion(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	var dones []<-chan error
	for range 5 {
		dones = append(dones, r.confirmAsync("prod", readerFor("/usr/bin/curl")))
	}
	note := r.notify.Wait(t, 1, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // let every reader join
	r.notify.Invoke(note.ID, "allow")
	for _, d := range dones {
		if err := result(t, d); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.notify.Notifications()); n != 1 {
		t.Errorf("%d notifications for 5 concurrent reads, want 1", n)
	}
}

func TestGuardUnknownExecutableIsAskedEveryTime(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	unknown := readerFor("")
	for i := 1; i <= 2; i++ {
		done := r.confirmAsync("prod", unknown)
		note := r.notify.Wait(t, i, 10*time.Second)
		r.notify.Invoke(note.ID, "allow")
		if err := result(t, done); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOneAllowCoversOneProgramNotEveryScript: scripts share their
// interpreter (and `tokentray token`); an approval names and covers the
// program that asked, its command line included.
func TestOneAllowCoversOneProgramNotEveryScript(t *testing.T) {
	r := newGuardRig(t, GuardOptions{})
	deploy := manager.Reader{PID: 77, UID: uint32(os.Getuid()), Exe: "/usr/bin/python3", Cmdline: "/usr/bin/python3 deploy.py",
		Through: "/usr/bin/tokentray token prod", Session: "session:3"}
	done := r.confirmAsync("prod", deploy)
	note := r.notify.Wait(t, 1, 10*time.Second)
	if !strings.Contains(note.Summary, "python3 deploy.py") || !strings.Contains(note.Body, "tokentray token prod") {
		t.Errorf("the question %q / %q does not name the script and the command it ran", note.Summary, note.Body)
	}
	r.notify.Invoke(note.ID, "allow")
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	if err := r.guard.Confirm(context.Background(), read("prod", deploy)); err != nil {
		t.Fatalf("the approved script again: %v", err)
	}
	// Another script of the same interpreter, and the same script in
	// another login session: asked again.
	other := deploy
	other.Cmdline = "/usr/bin/python3 exfiltrate.py"
	elsewhere := deploy
	elsewhere.Session = "session:9"
	for i, rd := range []manager.Reader{other, elsewhere} {
		done := r.confirmAsync("prod", rd)
		note := r.notify.Wait(t, 2+i, 10*time.Second)
		r.notify.Invoke(note.ID, "deny")
		wantDenied(t, result(t, done), "Deny")
	}
}
