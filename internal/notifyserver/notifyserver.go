// Package notifyserver is a real org.freedesktop.Notifications peer for
// tests: a small godbus service on a (private) session bus that records
// every notification and answers one when the test says so, plus a rogue
// connection that forges answers, which a careful client must ignore.
package notifyserver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	Name  = "org.freedesktop.Notifications"
	Path  = dbus.ObjectPath("/org/freedesktop/Notifications")
	Iface = "org.freedesktop.Notifications"
)

// StartBus runs a private dbus-daemon for the test and returns its
// address; the test is skipped when dbus-daemon is not installed. The
// daemon is stopped when the test ends.
func StartBus(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	// A bus of its own with no service directories: nothing on it is
	// started on demand (a notification server installed on the machine,
	// such as xfce4-notifyd, would otherwise answer in the test's place).
	// Its own directory that others may pass through (0711), so that a
	// process of another user can reach the socket.
	dir, err := os.MkdirTemp("", "tt-bus-")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		cancel()
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(busConfig(dir)), 0o600); err != nil {
		cancel()
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case addr := <-lines:
		if addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return addr
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not print its address within 10s")
	}
	return ""
}

// Notification is one Notify call as the server received it.
type Notification struct {
	ID      uint32
	Sender  string // the unique bus name of the caller
	AppName string
	Summary string
	Body    string
	Actions []string // key, label, key, label, ...
	Hints   map[string]dbus.Variant
	Expire  int32 // milliseconds
}

// Server owns org.freedesktop.Notifications on a bus.
type Server struct {
	conn *dbus.Conn
	// answer, when set, is the action the server invokes on every
	// notification with actions, as a user who always clicks it would.
	answer   string
	announce bool // print every notification on stdout (Run)

	mu     sync.Mutex
	notes  []Notification
	closed []uint32 // ids the client closed (CloseNotification)
	nextID uint32
	added  chan struct{} // closed and replaced on every Notify
}

// Start connects to the bus at addr and owns the notification name.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	s, err := serve(connect(t, addr), "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Run serves the notification name on the bus at addr from a program of
// its own (a test binary started as a child), answering every question
// with answer ("allow"), until the process ends. It prints "ready" on
// stdout once it owns the name, and "notify SUMMARY" for every
// notification it is sent.
func Run(addr, answer string) error {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return err
	}
	s, err := serve(conn, answer)
	if err != nil {
		return err
	}
	s.announce = true
	fmt.Println("ready")
	select {}
}

func serve(conn *dbus.Conn, answer string) (*Server, error) {
	s := &Server{conn: conn, answer: answer, added: make(chan struct{})}
	if err := conn.Export(methods{s}, Path, Iface); err != nil {
		return nil, err
	}
	reply, err := conn.RequestName(Name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("own %s: reply %v, %v", Name, reply, err)
	}
	return s, nil
}

// Stop gives the name up and disconnects, as a notification server that
// is killed does.
func (s *Server) Stop() { s.conn.Close() }

func connect(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect to %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// UniqueName is the server's unique bus name.
func (s *Server) UniqueName() string { return s.conn.Names()[0] }

// Notifications returns what was shown so far.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notes...)
}

// Closed returns the ids the client took off the screen.
func (s *Server) Closed() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint32(nil), s.closed...)
}

// Wait returns the n-th notification (1-based), waiting up to timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) Notification {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		if len(s.notes) >= n {
			note := s.notes[n-1]
			s.mu.Unlock()
			return note
		}
		added := s.added
		s.mu.Unlock()
		select {
		case <-added:
		case <-deadline:
			t.Fatalf("notification %d did not come within %s (have %d)", n, timeout, len(s.Notifications()))
		}
	}
}

// Invoke answers notification id with action ("allow", "deny", ...) the
// way a notification server does when the user clicks a button:
// ActionInvoked, then NotificationClosed (reason 2, dismissed).
func (s *Server) Invoke(id uint32, action string) error {
	if err := s.conn.Emit(Path, Iface+".ActionInvoked", id, action); err != nil {
		return err
	}
	return s.conn.Emit(Path, Iface+".NotificationClosed", id, uint32(2))
}

// Dismiss closes notification id without an action (reason 2).
func (s *Server) Dismiss(id uint32) error {
	return s.conn.Emit(Path, Iface+".NotificationClosed", id, uint32(2))
}

// methods is what the server exports on the bus.
type methods struct{ s *Server }

func (m methods) Notify(sender dbus.Sender, appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, expire int32) (uint32, *dbus.Error) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id := replacesID
	if id == 0 {
		s.nextID++
		id = s.nextID
	}
	s.notes = append(s.notes, Notification{ID: id, Sender: string(sender), AppName: appName, Summary: summary,
		Body: body, Actions: actions, Hints: hints, Expire: expire})
	close(s.added)
	s.added = make(chan struct{})
	if s.announce {
		fmt.Println("notify", summary)
	}
	if s.answer != "" && len(actions) > 0 {
		go func() { // after the reply, so the caller knows the id
			time.Sleep(50 * time.Millisecond)
			s.Invoke(id, s.answer)
		}()
	}
	return id, nil
}

func (m methods) CloseNotification(id uint32) *dbus.Error {
	m.s.mu.Lock()
	m.s.closed = append(m.s.closed, id)
	m.s.mu.Unlock()
	return nil
}

func (m methods) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body"}, nil
}

func (m methods) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "tokentray-test-notifications", "tokentray", "1", "1.2", nil
}

// Rogue is another connection on the bus, which anyone can open.
type Rogue struct{ conn *dbus.Conn }

// NewRogue connects to the bus at addr.
func NewRogue(t testing.TB, addr string) *Rogue {
	t.Helper()
	return &Rogue{conn: connect(t, addr)}
}

// Forge emits ActionInvoked(id, action) with the notification server's
// path and interface, to the whole bus and, when dest is set, to dest
// alone as well (a unicast signal passes every match rule).
func (r *Rogue) Forge(id uint32, action, dest string) error {
	if err := r.conn.Emit(Path, Iface+".ActionInvoked", id, action); err != nil {
		return err
	}
	if dest == "" {
		return nil
	}
	msg := &dbus.Message{
		Type: dbus.TypeSignal,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:        dbus.MakeVariant(Path),
			dbus.FieldInterface:   dbus.MakeVariant(Iface),
			dbus.FieldMember:      dbus.MakeVariant("ActionInvoked"),
			dbus.FieldDestination: dbus.MakeVariant(dest),
			dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(id, action)),
		},
		Body: []any{id, action},
	}
	call := r.conn.Send(msg, make(chan *dbus.Call, 1))
	if call.Err != nil {
		return fmt.Errorf("forge a unicast ActionInvoked: %w", call.Err)
	}
	return nil
}

// busConfig is a session-like bus listening in dir, with no service
// directories, every name free to own, and open to every local user (an
// e2e test runs the host as another user on it).
func busConfig(dir string) string {
	return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=` + dir + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
}
