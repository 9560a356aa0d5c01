//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobodyIDs is the uid and gid of the attacker of these tests.
func nobodyIDs(t *testing.T) (uid, gid int) {
	t.Helper()
	_, uid, gid = requireNobody(t)
	return uid, gid
}

// nobodyHome is a setup of nobody's own: the binaries copied where nobody
// can run them, a home, a config file and a socket.
type nobodyHome struct {
	t                   *testing.T
	uid, gid            int
	bin, home           string
	config, socket, exe string
}

func newNobodyHome(t *testing.T, uid, gid int) *nobodyHome {
	t.Helper()
	dir, err := os.MkdirTemp("", "tt-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	n := &nobodyHome{t: t, uid: uid, gid: gid, bin: filepath.Join(dir, "bin"), home: filepath.Join(dir, "home")}
	for _, d := range []string{n.bin, n.home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(dir, 0o755)
	os.Chmod(n.bin, 0o755)
	// Both executables, side by side as they ship.
	for _, exe := range executables() {
		copyFile(t, exe, filepath.Join(n.bin, filepath.Base(exe)), 0o755)
	}
	n.exe = filepath.Join(n.bin, "tokentray")
	n.config = filepath.Join(n.home, "config.toml")
	if err := os.WriteFile(n.config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{n.home, n.config} {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	n.socket = filepath.Join(n.home, "run", "tokentray.sock")
	return n
}

// environ is nobody's process environment, with extra variables. No
// DBUS_SESSION_BUS_ADDRESS unless extra has one: without a bus the engine
// runs memory-only and the D-Bus library never autolaunches one.
func (n *nobodyHome) environ(extra ...string) []string {
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + n.home, "XDG_RUNTIME_DIR=" + n.home,
		"XDG_CONFIG_HOME=" + n.home, "XDG_DATA_HOME=" + n.home, "XDG_STATE_HOME=" + n.home, "XDG_CACHE_HOME=" + n.home,
		"TOKENTRAY_CONFIG=" + n.config, "TOKENTRAY_SOCKET=" + n.socket, "LANG=C.UTF-8"}
	return append(env, extra...)
}

// command is tokentray ARGS run as nobody in environment env, killed
// when ctx ends.
func (n *nobodyHome) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, n.exe, args...)
	cmd.Dir = n.home
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(n.uid), Gid: uint32(n.gid), Groups: []uint32{}}}
	return cmd
}

// start runs tokentray ARGS as nobody and waits until it serves.
func (n *nobodyHome) start(env []string, args ...string) *daemon {
	t := n.t
	t.Helper()
	d := &daemon{t: t, logs: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = n.command(context.Background(), env, args...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(d.kill)
	waitFor(t, "the daemon run by nobody to serve", 20*time.Second, func() bool {
		select {
		case <-d.done:
			t.Fatalf("tokentray as nobody exited:\n%s", d.logs)
		default:
		}
		return strings.Contains(d.logs.String(), "tokentray running")
	})
	return d
}

// startAsNobody runs the binary (copied where nobody can run it) as nobody,
// with a home, config and socket of nobody's own and no session bus: the
// engine runs memory-only. marker is put in its environment.
func startAsNobody(t *testing.T, uid, gid int, marker string, args ...string) *daemon {
	t.Helper()
	n := newNobodyHome(t, uid, gid)
	return n.start(n.environ("TT_MARKER="+marker), args...)
}

// asNobody runs a shell command as nobody (another process of the
// daemon's own uid) and returns what it printed.
func asNobody(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command("runuser", "-u", "nobody", "--", "sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", "LANG=C"}
	cmd.Dir = "/"
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// TestSameUserCannotReadTheDaemonsMemory plays a process of the daemon's
// own uid (or a crash) after its secrets: /proc/PID/mem and environ must
// be closed to it, and no core file may be written.
func TestSameUserCannotReadTheDaemonsMemory(t *testing.T) {
	uid, gid := nobodyIDs(t)
	for _, mode := range []struct{ name string }{{"daemon"}, {""}} {
		t.Run("mode="+mode.name, func(t *testing.T) {
			marker := fmt.Sprintf("zzmarker%dzz", time.Now().UnixNano())
			var args []string
			if mode.name != "" {
				args = []string{mode.name}
			}
			d := startAsNobody(t, uid, gid, marker, args...)
			pid := d.pid()
			proc := fmt.Sprintf("/proc/%d", pid)

			// environ: readable by the same uid unless the process is not dumpable.
			out := asNobody(t, "cat "+proc+"/environ")
			if strings.Contains(out, marker) {
				t.Errorf("nobody read the daemon's environment from %s/environ", proc)
			} else if !strings.Contains(out, "Permission denied") {
				t.Errorf("reading %s/environ as nobody: %q, want permission denied", proc, out)
			}
			// mem: open fails with EACCES; when open is allowed, a read at
			// offset 0 fails with EIO instead, so the words tell them apart.
			if out := asNobody(t, "head -c 16 "+proc+"/mem"); !strings.Contains(out, "Permission denied") {
				t.Errorf("opening %s/mem as nobody: %q, want permission denied", proc, out)
			}
			// Not dumpable: the kernel gives the /proc files to root.
			var st syscall.Stat_t
			if err := syscall.Stat(proc+"/environ", &st); err != nil {
				t.Fatal(err)
			}
			if st.Uid != 0 {
				t.Errorf("%s/environ belongs to uid %d: the process is still dumpable", proc, st.Uid)
			}
			limits, err := os.ReadFile(proc + "/limits")
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`(?m)^Max core file size\s+0\s+0\s`).Match(limits) {
				t.Errorf("core files are not off:\n%s", limits)
			}
		})
	}
}
