//go:build linux

package e2e

// The cost as environments grow, kept out of the normal `go test` run: it
// only runs with TOKENTRAY_SCALE=1 (`make measure-scale`, README "Speed").
// For N = 1, 10, 100 and 1,000 client-credentials environments against
// the test OAuth server, with the real keychain (gnome-keyring) and the
// desktop host with its tray in xfce4-panel, it measures:
//
//   - startup: process start to the socket answering, and to every
//     environment loaded from the keychain with a valid token (a restart);
//   - the host's resident memory;
//   - idle: the host's CPU and wakeups (context switches of all its
//     threads) over TOKENTRAY_SCALE_IDLE (60 s), and the same for a
//     `tokentray daemon` (the engine and socket without the tray);
//   - setting every client secret (each fetches a token) and a storm of
//     refreshes (POST refresh of all, eight at a time): wall time, then
//     the CPU of the host, of xfce4-panel, of the session bus and of
//     gnome-keyring until the first three are quiet again, and how many
//     times the host told the panel to read its menu again (dbusmenu
//     LayoutUpdated signals).
//
// TOKENTRAY_SCALE_N="1 10" picks other sizes.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

const scaleEnv = "TOKENTRAY_SCALE"

func TestScaleEnvironments(t *testing.T) {
	if os.Getenv(scaleEnv) == "" {
		t.Skip("measurement: set TOKENTRAY_SCALE=1 (make measure-scale)")
	}
	requireDesktop(t)
	sizes := []int{1, 10, 100, 1000}
	if s := os.Getenv("TOKENTRAY_SCALE_N"); s != "" {
		sizes = nil
		for _, f := range strings.Fields(s) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 {
				t.Fatalf("TOKENTRAY_SCALE_N: %q is not a size", f)
			}
			sizes = append(sizes, n)
		}
	}
	idle := 60 * time.Second
	if d, err := time.ParseDuration(os.Getenv("TOKENTRAY_SCALE_IDLE")); err == nil && d > 0 {
		idle = d
	}
	srv := oauthserver.Start(t, oauthserver.Options{})
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := &scaleRig{t: t, srv: srv, conn: conn, idle: idle, panel: panelPID(t, conn),
		bus: busOwner(t, conn, "org.freedesktop.DBus"), keyring: busOwner(t, conn, "org.freedesktop.secrets")}

	var rows []scaleRow
	for _, n := range sizes {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			s.t = t
			row := s.measure(n)
			t.Logf("MEASURE %+v", row)
			rows = append(rows, row)
		})
	}
	t.Log("\n" + scaleTable(rows, idle))
}

// scaleRig is what every size shares: the provider, the session bus and
// the pids of the tray host, the bus daemon and the keychain.
type scaleRig struct {
	t                   *testing.T
	srv                 *oauthserver.Server
	conn                *dbus.Conn
	idle                time.Duration
	panel, bus, keyring int
}

// scaleRow is one size's numbers.
type scaleRow struct {
	N                    int
	FirstSocket          time.Duration // first start (no secrets yet) to the socket answering
	Socket, Loaded       time.Duration // restart: to the socket answering, to every environment valid
	RSSMiB               float64       // host, after the idle window
	IdleCPU, IdleWakeups float64       // host: % of a core, context switches per second
	IdlePanelCPU         float64       // xfce4-panel, same window
	DaemonCPU            float64       // tokentray daemon, same window
	DaemonWakeups        float64
	Secrets, Storm       scalePhase
}

// scalePhase is the cost of one burst of work.
type scalePhase struct {
	Wall                      time.Duration // until every environment is valid
	Host, Panel, Bus, Keyring time.Duration // CPU until host, panel and bus are quiet
	Layouts                   int64         // LayoutUpdated signals the host sent
}

func (s *scaleRig) measure(n int) scaleRow {
	t := s.t
	row := scaleRow{N: n}
	h := newHome(t)
	names := make([]string, n)
	var cfg strings.Builder
	for i := range names {
		names[i] = h.envName(fmt.Sprintf("scale%04d", i))
		cfg.WriteString(clientCredentialsConfig(s.srv, names[i]))
		cfg.WriteString("\n")
	}
	h.writeConfig(cfg.String())
	xdg := filepath.Join(h.dir, "xdg-config") // no autostart entry of the user's
	env := []string{"XDG_CONFIG_HOME=" + xdg}

	client := socket.NewClient(h.socket, time.Minute)
	defer client.Close()

	began := time.Now()
	app := h.startDesktop([]string{"--hidden"}, env...)
	row.FirstSocket = waitSocket(t, client, app)
	item := waitTrayItem(t, s.conn, app.pid(), 60*time.Second)
	layouts := countLayoutUpdates(t, s.conn, item)
	s.settle(app.pid(), 5*time.Minute)
	t.Logf("N=%d: first start answered after %v, settled %v after start", n, row.FirstSocket, time.Since(began).Round(time.Millisecond))

	row.Secrets = s.phase(app.pid(), layouts, func() {
		parallel(t, names, func(name string) error {
			_, err := client.SetSecret(context.Background(), name, manager.Secret(oauthserver.DefaultClientSecret))
			return err
		})
		waitAllValid(t, client, n, 10*time.Minute)
	})

	time.Sleep(3 * time.Second)
	panel0 := treeTicks(s.panel)
	row.IdleCPU, row.IdleWakeups = idleCost(app.pid(), s.idle)
	row.IdlePanelCPU = float64(treeTicks(s.panel)-panel0) / s.idle.Seconds() // ticks are 1/100 s: % of a core
	row.RSSMiB = treeRSS(app.pid())

	row.Storm = s.phase(app.pid(), layouts, func() {
		parallel(t, names, func(name string) error {
			_, err := client.Refresh(context.Background(), name)
			return err
		})
		waitAllValid(t, client, n, 10*time.Minute)
	})
	app.stop()

	// A restart loads every environment from the keychain.
	began = time.Now()
	app = h.startDesktop([]string{"--hidden"}, env...)
	row.Socket = waitSocket(t, client, app)
	waitAllValid(t, client, n, 10*time.Minute)
	row.Loaded = time.Since(began)
	app.stop()

	// The engine and the socket alone.
	d := h.spawn([]string{"daemon"}, env...)
	waitSocket(t, client, d)
	waitAllValid(t, client, n, 10*time.Minute)
	time.Sleep(3 * time.Second)
	row.DaemonCPU, row.DaemonWakeups = idleCost(d.pid(), s.idle)
	d.stop()
	return row
}

// phase runs work and measures it: its wall time, then CPU and menu
// re-reads until the host, the panel and the bus are quiet again.
func (s *scaleRig) phase(host int, layouts *atomic.Int64, work func()) scalePhase {
	h0, p0, b0, k0, l0 := treeTicks(host), treeTicks(s.panel), treeTicks(s.bus), treeTicks(s.keyring), layouts.Load()
	began := time.Now()
	work()
	wall := time.Since(began)
	s.settle(host, 10*time.Minute)
	return scalePhase{
		Wall:    wall,
		Host:    ticksToDuration(treeTicks(host) - h0),
		Panel:   ticksToDuration(treeTicks(s.panel) - p0),
		Bus:     ticksToDuration(treeTicks(s.bus) - b0),
		Keyring: ticksToDuration(treeTicks(s.keyring) - k0),
		Layouts: layouts.Load() - l0,
	}
}

// settle waits until the host, the panel and the bus together used at
// most 2 % of a core over a whole second (the tail of a burst: the host
// still sending menu changes, the panel still reading them).
func (s *scaleRig) settle(host int, max time.Duration) {
	const step = 250 * time.Millisecond
	var window []int64
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		window = append(window, treeTicks(host)+treeTicks(s.panel)+treeTicks(s.bus))
		if len(window) > 5 {
			window = window[1:]
		}
		if len(window) == 5 && window[4]-window[0] <= 2 {
			return
		}
		time.Sleep(step)
	}
	s.t.Logf("not quiet after %v", max)
}

// idleCost is pid's CPU (% of a core) and wakeups per second over d.
func idleCost(pid int, d time.Duration) (cpu, wakeups float64) {
	t0, w0 := treeTicks(pid), contextSwitches(pid)
	time.Sleep(d)
	t1, w1 := treeTicks(pid), contextSwitches(pid)
	return float64(t1-t0) / 100 / d.Seconds() * 100, float64(w1-w0) / d.Seconds()
}

// contextSwitches is how often pid's threads gave up or lost a CPU: each
// wakeup of a sleeping thread ends in one.
func contextSwitches(pid int) int64 {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var total int64
	for _, task := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				total += n
			}
		}
	}
	return total
}

func ticksToDuration(ticks int64) time.Duration { return time.Duration(ticks) * 10 * time.Millisecond }

// waitSocket waits until d's socket answers and returns how long after
// d was started that was.
func waitSocket(t *testing.T, client *socket.Client, d *daemon) time.Duration {
	t.Helper()
	for {
		if _, err := client.Environments(context.Background()); err == nil {
			return time.Since(d.started)
		}
		select {
		case <-d.done:
			t.Fatalf("tokentray exited %d before answering:\n%s", d.code, d.logs)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(d.started) > time.Minute {
			t.Fatalf("tokentray did not answer within a minute:\n%s", d.logs)
		}
	}
}

// waitAllValid polls until all n environments are valid.
func waitAllValid(t *testing.T, client *socket.Client, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		list, err := client.Environments(context.Background())
		valid := 0
		for _, st := range list {
			if st.State == socket.StateValid {
				valid++
			}
		}
		if err == nil && valid == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d environments valid after %v (err %v)", valid, n, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// panelPID is the process of the tray host: the owner of the
// StatusNotifierWatcher (xfce4-panel's systray plugin), or the panel it
// runs in when the plugin is a process of its own.
func panelPID(t *testing.T, conn *dbus.Conn) int {
	t.Helper()
	pid := busOwner(t, conn, "org.kde.StatusNotifierWatcher")
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", parentOf(pid))); strings.HasPrefix(string(comm), "xfce4-panel") {
		return parentOf(pid)
	}
	return pid
}

func busOwner(t *testing.T, conn *dbus.Conn, name string) int {
	t.Helper()
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, name).Store(&pid); err != nil {
		t.Fatalf("pid of %s: %v", name, err)
	}
	return int(pid)
}

func parentOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ppid, _ := strconv.Atoi(rest[1])
	return ppid
}

// scaleTable is the README's two tables: what N costs at rest, and in a
// burst of work.
func scaleTable(rows []scaleRow, idle time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| N | startup: socket answers / all loaded | host RSS | host idle %v: CPU, wakeups/s | xfce4-panel idle CPU | daemon idle: CPU, wakeups/s |\n", idle)
	b.WriteString("|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s / %s | %.1f MiB | %.2f %%, %.1f | %.2f %% | %.2f %%, %.1f |\n",
			r.N, ms(r.Socket), seconds(r.Loaded), r.RSSMiB, r.IdleCPU, r.IdleWakeups, r.IdlePanelCPU, r.DaemonCPU, r.DaemonWakeups)
	}
	b.WriteString("\n| N | burst | wall | host CPU | xfce4-panel CPU | bus CPU | gnome-keyring CPU | LayoutUpdated signals |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		for _, p := range []struct {
			name string
			scalePhase
		}{{"set all secrets", r.Secrets}, {"refresh all", r.Storm}} {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %d |\n",
				r.N, p.name, seconds(p.Wall), seconds(p.Host), seconds(p.Panel), seconds(p.Bus), seconds(p.Keyring), p.Layouts)
		}
	}
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
