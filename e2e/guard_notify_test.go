//go:build linux

package e2e

// The guard's notification server pinned, end to end: the desktop host
// under the private session, where xfce4-notifyd is the real notification
// server (D-Bus activated from /usr). A program of the same user kills it
// and takes org.freedesktop.Notifications with a server that answers
// "allow" to everything; the host must not ask it. xfce4-notifyd started
// again from the same file is trusted again.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

const notifyName = "org.freedesktop.Notifications"

func TestGuardDoesNotAskANotificationServerThatReplacedXfce4Notifyd(t *testing.T) {
	requireDesktop(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pid, exe := startNotifyd(t, conn)
	if !strings.HasPrefix(exe, "/usr/") {
		t.Skipf("the session's notification server is %s, not a system one", exe)
	}
	t.Logf("notification server: pid %d, %s", pid, exe)

	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("prod")
	h.writeConfig(clientCredentialsConfig(srv, env) + "guard = \"confirm\"\n")
	app := h.startDesktop([]string{"--hidden"})
	waitTrayItem(t, conn, app.pid(), 20*time.Second)
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)
	if !strings.Contains(app.logs.String(), exe) {
		t.Fatalf("the host did not pin %s at start:\n%s", exe, app.logs)
	}

	// Same user: kill the daemon, take the name, answer "allow".
	if err := syscall.Kill(int(pid), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the notification name to be free", 10*time.Second, func() bool { return nameOwner(conn) == "" })
	impostor := startImpostor(t)
	t.Logf("impostor: %s", impostor.path)

	r := h.run("", "token", env)
	h.wantFailure(r, 5, "the notification server changed from "+exe+" to "+impostor.path)
	if !strings.Contains(r.stderr, "answer in tokentray's window") {
		t.Errorf("the denial does not say where to answer instead: %s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a denied read printed %q", r.stdout)
	}
	const refused = "the guard's question is not shown in the notification"
	if !strings.Contains(app.logs.String(), refused) {
		t.Errorf("the host did not log why it did not ask:\n%s", app.logs)
	}
	time.Sleep(300 * time.Millisecond)
	for _, s := range impostor.notes() {
		if strings.Contains(s, env) {
			t.Errorf("the impostor was asked: %q", s)
		}
	}

	// The impostor gone, xfce4-notifyd comes back from the same file: the
	// question goes there again, and the read waits for the user.
	impostor.stop()
	waitFor(t, "the notification name to be free", 10*time.Second, func() bool { return nameOwner(conn) == "" })
	again, exeAgain := startNotifyd(t, conn)
	if exeAgain != exe || again == pid {
		t.Fatalf("restarted notification server: pid %d %s, want a new process of %s", again, exeAgain, exe)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	read := exec.CommandContext(ctx, binary, "token", env)
	read.Env = h.environ()
	var stderr syncBuffer
	read.Stderr = &stderr
	if err := read.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- read.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("with xfce4-notifyd back the read ended at once (%v): %s\n%s", err, stderr.String(), app.logs)
	case <-time.After(3 * time.Second):
	}
	if n := strings.Count(app.logs.String(), refused); n != 1 {
		t.Errorf("the host refused the restarted server too (%d refusals logged):\n%s", n, app.logs)
	}
	cancel()
	<-done
}

// startNotifyd starts the session's notification server (D-Bus
// activation, as the first notification would) and returns its pid and
// executable.
func startNotifyd(t *testing.T, conn *dbus.Conn) (uint32, string) {
	t.Helper()
	var started uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.StartServiceByName", 0, notifyName, uint32(0)).Store(&started); err != nil {
		t.Skipf("no notification server to start on the session bus: %v", err)
	}
	owner := nameOwner(conn)
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, owner).Store(&pid); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		t.Fatal(err)
	}
	return pid, exe
}

func nameOwner(conn *dbus.Conn) string {
	var owner string
	_ = conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, notifyName).Store(&owner)
	return owner
}

// impostor is e2e/testdata/attacker serving the notification name.
type impostor struct {
	path string
	cmd  *exec.Cmd
	mu   sync.Mutex
	seen []string
}

func startImpostor(t *testing.T) *impostor {
	t.Helper()
	im := &impostor{path: buildAttacker(t)}
	im.cmd = exec.Command(im.path, "notify-server", sessionBus, "allow")
	im.cmd.Stderr = os.Stderr
	out, err := im.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := im.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(im.stop)
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("the impostor did not take the name: %q", lines.Text())
	}
	go func() {
		for lines.Scan() {
			im.mu.Lock()
			im.seen = append(im.seen, lines.Text())
			im.mu.Unlock()
		}
	}()
	return im
}

func (im *impostor) notes() []string {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.seen...)
}

func (im *impostor) stop() {
	if im.cmd.ProcessState == nil {
		_ = im.cmd.Process.Kill()
		_ = im.cmd.Wait()
	}
}
