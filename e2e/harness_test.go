//go:build linux

// Package e2e drives the built tokentray binary the way a user and a script
// would: a daemon on a private socket, a real OAuth server on loopback and
// the real keychain of the test session (scripts/testenv.sh).
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket"
)

// binary is the tokentray built once by TestMain; windowBinary is
// tokentray-window, built beside it as they ship.
var binary, windowBinary string

func TestMain(m *testing.M) {
	if path := os.Getenv(floorSocketEnv); path != "" {
		runFloorServer(path, os.Getenv(floorAnswerEnv)) // bench_test.go
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "tokentray-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tokentray")
	windowBinary = filepath.Join(dir, "tokentray-window")
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "..", "../cmd/tokentray-window")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build failed:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// executables are the programs that ship, side by side.
func executables() []string { return []string{binary, windowBinary} }

// home is one user's setup: a config file and a socket of their own.
type home struct {
	t      *testing.T
	dir    string
	config string
	socket string
	envs   []string // keychain items to remove when the test ends
}

func newHome(t *testing.T) *home {
	t.Helper()
	// Short: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "tt-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	h := &home{t: t, dir: dir, config: filepath.Join(dir, "config.toml"), socket: filepath.Join(dir, "tokentray", "tokentray.sock")}
	t.Cleanup(func() {
		// Only with a session bus: without one the D-Bus library would
		// dbus-launch a bus of its own and leave it running.
		if haveKeychain() {
			kc := manager.NewVaultStore(platform.NewKeychain())
			for _, env := range h.envs {
				_ = kc.DeleteTokens(env)
				_ = kc.DeleteSecret(env)
			}
		}
		os.RemoveAll(dir)
	})
	return h
}

// envName is a fresh environment name, so tests never share keychain items.
func (h *home) envName(prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	h.envs = append(h.envs, name)
	return name
}

func (h *home) writeConfig(text string) {
	h.t.Helper()
	if err := os.WriteFile(h.config, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// environ is the process environment of every tokentray this test runs:
// no display (no window), this home's config and socket, and LANG=C.UTF-8,
// the container default that makes Fyne log from its init (stderr must
// still be one line).
func (h *home) environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DISPLAY", "WAYLAND_DISPLAY", "TOKENTRAY_CONFIG", "TOKENTRAY_SOCKET", "BROWSER", "XDG_STATE_HOME", "TOKENTRAY_NO_AUTOSTART",
			"LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TOKENTRAY_CONFIG="+h.config, "TOKENTRAY_SOCKET="+h.socket, "BROWSER=false", "LANG=C.UTF-8",
		"XDG_STATE_HOME="+filepath.Join(h.dir, "state"), // this home's file store and logs
		// Tests start the tokentray they need themselves, except the
		// ones about starting on demand (autostart_test.go).
		"TOKENTRAY_NO_AUTOSTART=1")
	return append(env, extra...)
}

// result is one finished command.
type result struct {
	code           int
	stdout, stderr string
}

// run runs tokentray ARGS with stdin and waits for it.
func (h *home) run(stdin string, args ...string) result {
	h.t.Helper()
	return runWith(h.t, h.environ(), stdin, args...)
}

// runWith runs tokentray ARGS in the process environment env, with stdin,
// and waits for it (a minute at most).
func runWith(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run tokentray %v: %v", args, err)
	}
	return res
}

// seedSecret puts env's client secret (the test server's, or value) in
// the keychain before any tokentray runs, as an earlier run would have
// left it.
func (h *home) seedSecret(env string, value ...string) {
	h.t.Helper()
	requireKeychain(h.t)
	secret := config.Secret(oauthserver.DefaultClientSecret)
	if len(value) > 0 {
		secret = config.Secret(value[0])
	}
	if err := manager.NewVaultStore(platform.NewKeychain()).SaveSecret(env, manager.StoredSecret{Value: secret}); err != nil {
		h.t.Fatal(err)
	}
}

// mustRun runs tokentray and fails the test unless it exits 0.
func (h *home) mustRun(stdin string, args ...string) string {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("tokentray %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// wantFailure checks the exit code and that stderr is exactly one line
// holding want.
func (h *home) wantFailure(r result, code int, want string) {
	h.t.Helper()
	if r.code != code {
		h.t.Errorf("exit code %d, want %d (stderr: %q)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		h.t.Errorf("stderr is not one line: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		h.t.Errorf("stderr %q does not say %q", r.stderr, want)
	}
}

// daemon is a running `tokentray daemon`.
type daemon struct {
	t    *testing.T
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	code int
	// started is when the process was started.
	started time.Time
}

// startDaemon runs `tokentray daemon` and waits until its socket answers.
func (h *home) startDaemon() *daemon {
	h.t.Helper()
	return h.startServing([]string{"daemon"})
}

// startClientCredentialsDaemon writes a config with env, a
// client-credentials environment of srv, starts the daemon and stores the
// client secret: the daemon then hands out env's token.
func (h *home) startClientCredentialsDaemon(srv *oauthserver.Server, env string) *daemon {
	h.t.Helper()
	h.writeConfig(clientCredentialsConfig(srv, env))
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	return d
}

// startApp runs `tokentray` with no command (the desktop app, which runs
// as daemon without a display) and waits until its socket answers.
func (h *home) startApp() *daemon {
	h.t.Helper()
	return h.startServing(nil)
}

// startDaemonWith is startDaemon with extra variables in its environment
// (SSL_CERT_FILE for a provider with a test CA).
func (h *home) startDaemonWith(extra ...string) *daemon {
	h.t.Helper()
	return h.startServing([]string{"daemon"}, extra...)
}

func (h *home) startServing(args []string, extra ...string) *daemon {
	h.t.Helper()
	d := h.spawn(args, extra...)
	cl := socket.NewClient(h.socket, 2*time.Second)
	defer cl.Close()
	deadline := time.Now().Add(20 * time.Second)
	// Up means answering with every environment's store read.
	loaded := func(list []socket.Status) bool {
		for _, st := range list {
			if st.State == socket.StateLoading {
				return false
			}
		}
		return true
	}
	for {
		if list, err := cl.Environments(context.Background()); err == nil && loaded(list) {
			return d
		}
		select {
		case <-d.done:
			h.t.Fatalf("tokentray daemon exited %d before answering:\n%s", d.code, d.logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("tokentray daemon did not answer on %s within 20s:\n%s", h.socket, d.logs)
		}
	}
}

// spawn starts tokentray ARGS, with extra variables in its environment,
// without waiting for anything.
func (h *home) spawn(args []string, extra ...string) *daemon {
	h.t.Helper()
	d := &daemon{t: h.t, logs: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(binary, args...)
	// Debug logs help when a test fails; benchmarks measure the default.
	level := "debug"
	if os.Getenv("TOKENTRAY_BENCH") != "" || os.Getenv(scaleEnv) != "" {
		level = "info"
	}
	d.cmd.Env = h.environ(append(extra, "TOKENTRAY_LOG_LEVEL="+level)...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	d.started = time.Now()
	if err := d.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	go func() {
		err := d.cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			d.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				d.code = 128 + int(ws.Signal())
			}
		}
		close(d.done)
	}()
	h.t.Cleanup(func() { d.kill() })
	return d
}

// stop sends SIGTERM and waits; the daemon must exit 0.
func (d *daemon) stop() {
	d.t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		d.t.Fatalf("daemon did not stop within 10s of SIGTERM:\n%s", d.logs)
	}
	if d.code != 0 {
		d.t.Errorf("daemon exited %d after SIGTERM:\n%s", d.code, d.logs)
	}
}

// kill ends the daemon the hard way (a crash), if it still runs.
func (d *daemon) kill() {
	select {
	case <-d.done:
		return
	default:
	}
	_ = d.cmd.Process.Kill()
	<-d.done
}

func (d *daemon) pid() int { return d.cmd.Process.Pid }

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startReadingFirstLine starts tokentray ARGS with an empty stdin and
// returns its first line of stdout (the login URL) while it keeps running;
// wait collects the rest.
func (h *home) startReadingFirstLine(args ...string) (line string, wait func() result) {
	h.t.Helper()
	line, stdin, wait := h.startWithStdin(args...)
	stdin.Close() // as </dev/null
	return line, wait
}

// startWithStdin starts `tokentray ARGS` with a pipe on stdin and returns
// its first line of stdout (the login URL) while it keeps running; wait
// collects the rest.
func (h *home) startWithStdin(args ...string) (line string, stdin io.WriteCloser, wait func() result) {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = h.environ()
	var errb syncBuffer
	cmd.Stderr = &errb
	stdin, err := cmd.StdinPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = cmd.Process.Kill() })
	rd := bufio.NewReader(stdout)
	lineCh := make(chan string, 1)
	go func() {
		l, _ := rd.ReadString('\n')
		lineCh <- strings.TrimRight(l, "\n")
	}()
	select {
	case line = <-lineCh:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		h.t.Fatalf("tokentray %v printed no line within 20s; stderr: %s", args, errb.String())
	}
	return line, stdin, func() result {
		rest, _ := io.ReadAll(rd)
		err := cmd.Wait()
		res := result{stdout: line + "\n" + string(rest), stderr: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			res.code = ee.ExitCode()
		}
		return res
	}
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// procMemoryKiB reads VmRSS and VmHWM (peak) of pid from /proc, in KiB.
func procMemoryKiB(pid int) (rss, hwm int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.ParseInt(f[1], 10, 64)
		case "VmHWM:":
			hwm, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return rss, hwm, nil
}

// memoryOf reads VmRSS and VmHWM of pid in MiB.
func memoryOf(t *testing.T, pid int) (rss, hwm float64) {
	t.Helper()
	rssKiB, hwmKiB, err := procMemoryKiB(pid)
	if err != nil {
		t.Fatal(err)
	}
	return float64(rssKiB) / 1024, float64(hwmKiB) / 1024
}

// sessionBus is the session bus address the tests started with, read once:
// the D-Bus library sets the variable itself when it autolaunches a bus.
var sessionBus = os.Getenv("DBUS_SESSION_BUS_ADDRESS")

// haveKeychain reports whether the test session has a Secret Service.
func haveKeychain() bool { return sessionBus != "" && sessionBus != "autolaunch:" }

func requireKeychain(t *testing.T) {
	t.Helper()
	if !haveKeychain() {
		t.Skip("no D-Bus session (run under scripts/testenv.sh): the keychain parts need gnome-keyring")
	}
}

// parallel runs f for every name, eight at a time (as eight clients would).
func parallel(t *testing.T, names []string, f func(name string) error) {
	t.Helper()
	next := make(chan string)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 8 {
		wg.Go(func() {
			for name := range next {
				if err := f(name); err != nil && failed.Add(1) == 1 {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
	for _, name := range names {
		next <- name
	}
	close(next)
	wg.Wait()
}
