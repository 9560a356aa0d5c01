//go:build linux

package e2e

// A program of the host's own user against the guard's private channel to
// the window child: it asks the host to open its window and races the
// child's start for the channel's descriptor, to write "allow" into it
// while its own guarded read waits. Everything runs as nobody, a user
// without capabilities: root may open any process's descriptors.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/notifyserver"
	"github.com/tokentray/tokentray/internal/oauthserver"
)

// raceReport is e2e/testdata/attacker's window-race report.
type raceReport struct {
	HostPID   int            `json:"host_pid"`
	Children  []int          `json:"children"`
	Opened    []string       `json:"opened"`
	Errors    map[string]int `json:"errors"`
	Written   int            `json:"written"`
	WindowErr string         `json:"window_err"`
}

func TestSameUserCannotAnswerTheGuardThroughTheWindowChild(t *testing.T) {
	uid, gid := nobodyIDs(t)
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY: the window needs an X server (run under scripts/testenv.sh)")
	}
	srv := oauthserver.Start(t, oauthserver.Options{})
	// A bus nobody may use, with a tray host on it (so the host starts
	// hidden and opens its window when asked) and no notification server
	// (so the window is the only place the question is asked).
	bus := notifyserver.StartBus(t)
	fakeTrayHost(t, bus)

	n := newNobodyHome(t, uid, gid)
	env := "prod-window"
	if err := os.WriteFile(n.config, []byte(clientCredentialsConfig(srv, env)+"guard = \"confirm\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := n.environ("DISPLAY="+os.Getenv("DISPLAY"), "DBUS_SESSION_BUS_ADDRESS="+bus, "TOKENTRAY_LOG_LEVEL=debug")
	host := n.start(environ, "--hidden")
	t.Cleanup(func() { // before the host is killed: the window holds its log pipe
		for _, c := range childrenOf(host.pid()) {
			_ = syscall.Kill(c, syscall.SIGKILL)
		}
	})
	secret := n.command(context.Background(), environ, "secret", "set", env)
	secret.Stdin = strings.NewReader(oauthserver.DefaultClientSecret)
	if out, err := secret.CombinedOutput(); err != nil {
		t.Fatalf("secret set as nobody: %v: %s", err, out)
	}

	if c := childrenOf(host.pid()); len(c) > 0 {
		t.Fatalf("the host started hidden has children %v before anyone asked for its window:\n%s", c, host.logs)
	}

	attacker := buildAttacker(t)
	race := exec.Command(attacker, "window-race", n.socket, "8s")
	race.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	race.Dir = "/"
	race.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
	var raceOut, raceErr syncBuffer
	race.Stdout, race.Stderr = &raceOut, &raceErr
	if err := race.Start(); err != nil {
		t.Fatal(err)
	}
	raced := make(chan error, 1)
	go func() { raced <- race.Wait() }()

	// Once the window is up, the attacker's own read of the guarded
	// environment asks there, and waits.
	waitFor(t, "the window the attacker asked for", 20*time.Second, func() bool {
		return len(childrenOf(host.pid())) > 0 && visibleWindow("tokentray") != ""
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	read := n.command(ctx, environ, "token", env)
	var readOut, readErr syncBuffer
	read.Stdout, read.Stderr = &readOut, &readErr
	if err := read.Start(); err != nil {
		t.Fatal(err)
	}
	readDone := make(chan error, 1)
	go func() { readDone <- read.Wait() }()

	select {
	case err := <-raced:
		if err != nil {
			t.Fatalf("attacker: %v\n%s", err, raceErr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the attacker did not finish")
	}
	var rep raceReport
	if err := json.Unmarshal([]byte(raceOut.String()), &rep); err != nil {
		t.Fatalf("attacker report %q: %v", raceOut.String(), err)
	}
	t.Logf("attacker: host %d, children %v, opened %v, %d bytes of answers written, errors %v",
		rep.HostPID, rep.Children, rep.Opened, rep.Written, rep.Errors)
	if rep.WindowErr != "" || len(rep.Children) == 0 {
		t.Fatalf("the attack did not start: POST /v1/window: %q, children seen %v\n%s", rep.WindowErr, rep.Children, host.logs)
	}

	// The read must still be waiting: nothing the attacker wrote counted.
	select {
	case err := <-readDone:
		if err == nil || readOut.String() != "" {
			t.Errorf("the attacker's guarded read was approved (exit %v, %d bytes on stdout)\nhost log:\n%s", err, len(readOut.String()), host.logs)
		} else {
			t.Errorf("the guarded read ended without an answer from the user: %v: %s", err, readErr.String())
		}
	default:
		cancel()
		<-readDone
	}

	// The channel (fd 3) was never opened through /proc: a socket cannot
	// be (ENXIO), and once the window is not dumpable nothing of it can
	// (EACCES). A copy taken with pidfd_getfd in the window's first
	// milliseconds (before its constructor ran) is possible; what it
	// wrote did not count (the host reads only the window's own writes).
	tried := 0
	for _, o := range rep.Opened {
		if strings.Contains(o, "/3 via proc") {
			t.Errorf("the attacker opened the guard's channel: %s", o)
		}
	}
	for what, count := range rep.Errors {
		if strings.HasPrefix(what, "fd3 via proc: ") {
			tried += count
			if errno := strings.TrimPrefix(what, "fd3 via proc: "); errno != "ENXIO" && errno != "EACCES" {
				t.Errorf("opening the channel (fd 3) failed %d times with %s, want ENXIO or EACCES", count, errno)
			}
		}
	}
	if tried == 0 {
		t.Errorf("the attacker never tried the window's fd 3: %+v", rep)
	}
	if visibleWindow("tokentray") == "" {
		t.Errorf("the window is gone after the attack:\n%s", host.logs)
	}
}

// fakeTrayHost owns org.kde.StatusNotifierWatcher on the bus at addr
// and accepts every item, as a panel's tray would.
func fakeTrayHost(t *testing.T, addr string) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Export(trayWatcher{}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.kde.StatusNotifierWatcher: %v %v", reply, err)
	}
}

type trayWatcher struct{}

func (trayWatcher) RegisterStatusNotifierItem(string) *dbus.Error { return nil }
