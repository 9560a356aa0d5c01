//go:build linux

package e2e

// Helpers of desktop_test.go: the desktop app under the private X and
// D-Bus session of scripts/testenv.sh, its tray item on the bus, the X
// clipboard, screenshots and /proc readings.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// startDesktop runs `tokentray` with the display, so it opens its window
// and tray, and returns at once.
func (h *home) startDesktop() *daemon {
	h.t.Helper()
	return h.spawn(nil, "DISPLAY="+os.Getenv("DISPLAY"))
}

// trayItem is the app's StatusNotifierItem and its dbusmenu.
type trayItem struct {
	conn    *dbus.Conn
	service string
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
				return trayItem{conn: conn, service: service, menu: mv.Value().(dbus.ObjectPath)}
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
	for _, c := range e.Children {
		if strings.HasPrefix(c.Label, prefix) {
			return c, true
		}
		if f, ok := c.find(prefix); ok {
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

// cpuTicks is the process's user+system time in clock ticks (1/100 s).
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	rest := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(rest[11], 10, 64)
	stime, _ := strconv.ParseInt(rest[12], 10, 64)
	return utime + stime
}

// idleCPU measures the share of one core the process used over d.
func idleCPU(t *testing.T, pid int, d time.Duration) float64 {
	t.Helper()
	before := cpuTicks(t, pid)
	time.Sleep(d)
	after := cpuTicks(t, pid)
	return float64(after-before) / 100 / d.Seconds() * 100
}
