//go:build linux

package e2e

// Helpers of desktop_test.go: the desktop app under the private X and
// D-Bus session of scripts/testenv.sh, its tray item on the bus, the X
// clipboard, screenshots and /proc readings.

import (
	xbin "encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

func requireDesktop(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY: the desktop test needs an X server (run under scripts/testenv.sh, which starts Xvfb and xfce4-panel)")
	}
	requireKeychain(t)
	if os.Getenv("TOKENTRAY_TEST_TRAY") != "1" {
		t.Skip("no tray host on the session bus (TOKENTRAY_TEST_TRAY unset): scripts/testenv.sh sets it once xfce4-panel is up")
	}
}

// startDesktop runs `tokentray ARGS...` with the display, so it is the
// desktop host (tray, clipboard, window on demand), and returns at once.
// extra are more environment variables.
func (h *home) startDesktop(args []string, extra ...string) *daemon {
	h.t.Helper()
	return h.spawn(args, append([]string{"DISPLAY=" + os.Getenv("DISPLAY")}, extra...)...)
}

// property reads a property of the tray item (org.kde.StatusNotifierItem).
func (ti trayItem) property(t *testing.T, name string) any {
	t.Helper()
	v, err := ti.conn.Object(ti.service, ti.path).GetProperty("org.kde.StatusNotifierItem." + name)
	if err != nil {
		t.Fatalf("tray item property %s: %v", name, err)
	}
	return v.Value()
}

// trayItem is the app's StatusNotifierItem and its dbusmenu.
type trayItem struct {
	conn    *dbus.Conn
	service string
	path    dbus.ObjectPath // the StatusNotifierItem
	menu    dbus.ObjectPath
}

// waitTrayItem waits until the tray host lists an item owned by pid.
func waitTrayItem(t *testing.T, conn *dbus.Conn, pid int, within time.Duration) trayItem {
	t.Helper()
	watcher := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher")
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		v, err := watcher.GetProperty("org.kde.StatusNotifierWatcher.RegisteredStatusNotifierItems")
		if err == nil {
			items, _ := v.Value().([]string)
			for _, it := range items {
				service, path := splitItem(it)
				var owner uint32
				if conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, service).Store(&owner) != nil || int(owner) != pid {
					continue
				}
				mv, err := conn.Object(service, path).GetProperty("org.kde.StatusNotifierItem.Menu")
				if err != nil {
					continue
				}
				return trayItem{conn: conn, service: service, path: path, menu: mv.Value().(dbus.ObjectPath)}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no tray item of pid %d registered with the StatusNotifierWatcher within %v", pid, within)
	return trayItem{}
}

// splitItem splits a watcher entry ("service/path" or "service").
func splitItem(it string) (string, dbus.ObjectPath) {
	if i := strings.Index(it, "/"); i > 0 {
		return it[:i], dbus.ObjectPath(it[i:])
	}
	return it, "/StatusNotifierItem"
}

// menuEntry is one node of the tray menu as the tray host reads it.
type menuEntry struct {
	ID       int32
	Label    string
	Enabled  bool
	Checked  bool // a checkbox ticked (toggle-state 1)
	Children []menuEntry
}

// layout reads the whole menu with com.canonical.dbusmenu.GetLayout.
func (ti trayItem) layout(t *testing.T) menuEntry {
	t.Helper()
	var revision uint32
	var root []any
	call := ti.conn.Object(ti.service, ti.menu).Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&revision, &root); err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	return parseEntry(root)
}

func parseEntry(node []any) menuEntry {
	e := menuEntry{Enabled: true}
	e.ID, _ = node[0].(int32)
	props, _ := node[1].(map[string]dbus.Variant)
	if l, ok := props["label"]; ok {
		e.Label, _ = l.Value().(string)
	}
	if en, ok := props["enabled"]; ok {
		e.Enabled, _ = en.Value().(bool)
	}
	if ts, ok := props["toggle-state"]; ok {
		state, _ := ts.Value().(int32)
		e.Checked = state == 1
	}
	children, _ := node[2].([]dbus.Variant)
	for _, c := range children {
		if inner, ok := c.Value().([]any); ok {
			e.Children = append(e.Children, parseEntry(inner))
		}
	}
	return e
}

// find returns the first entry (depth first) whose label starts with prefix.
func (e menuEntry) find(prefix string) (menuEntry, bool) {
	return e.findBy(func(label string) bool { return strings.HasPrefix(label, prefix) })
}

// findEnv returns the submenu of environment env whose title starts with
// state ("● valid"): the tray puts the state first and the name last.
func (e menuEntry) findEnv(state, env string) (menuEntry, bool) {
	return e.findBy(func(label string) bool {
		return strings.HasPrefix(label, state) && strings.HasSuffix(label, "  "+env)
	})
}

func (e menuEntry) findBy(match func(label string) bool) (menuEntry, bool) {
	for _, c := range e.Children {
		if match(c.Label) {
			return c, true
		}
		if f, ok := c.findBy(match); ok {
			return f, true
		}
	}
	return menuEntry{}, false
}

func (e menuEntry) String() string {
	var b strings.Builder
	var walk func(menuEntry, string)
	walk = func(e menuEntry, indent string) {
		for _, c := range e.Children {
			fmt.Fprintf(&b, "%s%q (id %d, enabled %v)\n", indent, c.Label, c.ID, c.Enabled)
			walk(c, indent+"  ")
		}
	}
	walk(e, "")
	return b.String()
}

// click sends what a tray host sends when the user clicks an entry.
func (ti trayItem) click(t *testing.T, id int32) {
	t.Helper()
	call := ti.conn.Object(ti.service, ti.menu).Call("com.canonical.dbusmenu.Event", 0,
		id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	if call.Err != nil {
		t.Fatalf("dbusmenu Event clicked %d: %v", id, call.Err)
	}
}

// countLayoutUpdates counts the LayoutUpdated signals of item's menu: each
// makes the tray host read the menu again.
func countLayoutUpdates(t *testing.T, conn *dbus.Conn, item trayItem) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	match := []dbus.MatchOption{
		dbus.WithMatchSender(item.service),
		dbus.WithMatchObjectPath(item.menu),
		dbus.WithMatchInterface("com.canonical.dbusmenu"),
		dbus.WithMatchMember("LayoutUpdated"),
	}
	if err := conn.AddMatchSignal(match...); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *dbus.Signal, 1024)
	conn.Signal(ch)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case sig, ok := <-ch:
				if !ok {
					return // the connection closed
				}
				if sig.Sender == item.service && sig.Path == item.menu && sig.Name == "com.canonical.dbusmenu.LayoutUpdated" {
					n.Add(1)
				}
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() {
		conn.RemoveSignal(ch)
		_ = conn.RemoveMatchSignal(match...)
		close(stop)
		<-done
	})
	return &n
}

// xclipboard reads the X clipboard.
func xclipboard() string {
	out, _ := exec.Command("xclip", "-selection", "clipboard", "-o").Output()
	return string(out)
}

// xdotool runs xdotool and returns its trimmed output.
func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// visibleWindow returns the id of the mapped window called name, or "".
func visibleWindow(name string) string {
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+name+"$").Output()
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// screenshot saves the window (or "root") as NAME.png: into docs/ when
// TOKENTRAY_SCREENSHOTS=1, so the README's pictures come from this test,
// otherwise into the test's temp dir.
func screenshot(t *testing.T, window, name string, crop string) string {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv("TOKENTRAY_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs")
	}
	path := filepath.Join(dir, name+".png")
	args := []string{"-window", window}
	if crop != "" {
		args = append(args, "-crop", crop)
	}
	args = append(args, path)
	if out, err := exec.Command("import", args...).CombinedOutput(); err != nil {
		t.Fatalf("import %s: %v: %s", name, err, out)
	}
	t.Logf("screenshot %s", path)
	return path
}

// closeWindowLikeTheWM sends the window what a window manager sends when
// the user clicks its close button: a WM_PROTOCOLS ClientMessage carrying
// WM_DELETE_WINDOW (ICCCM 4.2.8.1). Xvfb runs no window manager and
// xdotool only destroys windows or kills clients, so the few X11 requests
// are written here by hand on the display's unix socket.
func closeWindowLikeTheWM(t *testing.T, window string) {
	t.Helper()
	id, err := strconv.ParseUint(window, 10, 32)
	if err != nil {
		t.Fatalf("window id %q: %v", window, err)
	}
	disp := strings.TrimPrefix(os.Getenv("DISPLAY"), ":")
	disp, _, _ = strings.Cut(disp, ".")
	conn, err := net.Dial("unix", "/tmp/.X11-unix/X"+disp)
	if err != nil {
		t.Fatalf("connect to the X server: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	le := xbin.LittleEndian
	// Connection setup: little endian, protocol 11.0, no authorization
	// (Xvfb of scripts/testenv.sh has none).
	setup := make([]byte, 12)
	setup[0] = 'l'
	le.PutUint16(setup[2:], 11)
	if _, err := conn.Write(setup); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		t.Fatalf("X setup: %v", err)
	}
	if head[0] != 1 {
		t.Fatalf("the X server refused the connection (status %d)", head[0])
	}
	if _, err := io.ReadFull(conn, make([]byte, int(le.Uint16(head[6:]))*4)); err != nil {
		t.Fatalf("X setup: %v", err)
	}
	intern := func(name string) uint32 {
		pad := (4 - len(name)%4) % 4
		req := make([]byte, 8+len(name)+pad)
		req[0] = 16 // InternAtom, only-if-exists false
		le.PutUint16(req[2:], uint16(len(req)/4))
		le.PutUint16(req[4:], uint16(len(name)))
		copy(req[8:], name)
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
		reply := make([]byte, 32)
		if _, err := io.ReadFull(conn, reply); err != nil || reply[0] != 1 {
			t.Fatalf("InternAtom %s: %v (reply type %d)", name, err, reply[0])
		}
		return le.Uint32(reply[8:])
	}
	protocols, del := intern("WM_PROTOCOLS"), intern("WM_DELETE_WINDOW")
	req := make([]byte, 44)
	req[0] = 25 // SendEvent, propagate false
	le.PutUint16(req[2:], 11)
	le.PutUint32(req[4:], uint32(id)) // destination
	le.PutUint32(req[8:], 0)          // event mask 0: to the window's client
	ev := req[12:]
	ev[0] = 33 // ClientMessage
	ev[1] = 32 // format
	le.PutUint32(ev[4:], uint32(id))
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], del)
	le.PutUint32(ev[16:], 0) // CurrentTime
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	// A round trip, so the event is sent before the connection closes.
	intern("WM_DELETE_WINDOW")
}

// childrenOf lists the pids whose parent is pid.
func childrenOf(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue
		}
		s := string(data)
		rest := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(rest) > 1 {
			if ppid, _ := strconv.Atoi(rest[1]); ppid == pid {
				out = append(out, child)
			}
		}
	}
	return out
}

// windowChild is the pid of the host's window child (tokentray-window),
// or 0.
func windowChild(host int) int {
	for _, c := range childrenOf(host) {
		if isWindowProcess(c) {
			return c
		}
	}
	return 0
}

// isWindowProcess reports whether pid runs tokentray-window.
func isWindowProcess(pid int) bool {
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.Split(string(cmdline), "\x00")
	return filepath.Base(args[0]) == "tokentray-window"
}

// treeTicks is the CPU time (clock ticks) of pid and all its descendants.
func treeTicks(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0 // gone meanwhile
	}
	rest := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(rest[11], 10, 64)
	stime, _ := strconv.ParseInt(rest[12], 10, 64)
	total := utime + stime
	for _, c := range childrenOf(pid) {
		total += treeTicks(c)
	}
	return total
}

// treeRSS is the resident memory of pid and its descendants, in MiB.
func treeRSS(pid int) float64 {
	rss, _, _ := procMemoryKiB(pid)
	total := float64(rss) / 1024
	for _, c := range childrenOf(pid) {
		total += treeRSS(c)
	}
	return total
}

// xclipSet copies text to the X clipboard as another program would
// (xclip stays in the background holding it until someone else copies).
func xclipSet(t *testing.T, text string) {
	t.Helper()
	cmd := exec.Command("xclip", "-selection", "clipboard", "-i")
	cmd.Stdin = strings.NewReader(text)
	if err := cmd.Run(); err != nil {
		t.Fatalf("xclip -i: %v", err)
	}
}
