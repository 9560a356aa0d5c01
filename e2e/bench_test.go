//go:build linux

package e2e

// Benchmarks of issue 3, kept out of the normal `go test` run: they only
// run with TOKENTRAY_BENCH=1 (see docs/bench-socket.md for the command).
//
//   - token reads over the socket at 1, 8 and 32 concurrent clients (p50,
//     p99, requests/s) against the daemon, next to a fixed-answer HTTP
//     server on a unix socket (the floor) in its own process, same run;
//   - `tokentray token ENV` as a whole process next to `secret-tool lookup`
//     of a keychain item of the same size;
//   - the daemon's resident memory.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// Targets of issue 3.
const (
	targetRPSRatio   = 0.7 // at least this share of the floor's requests/s
	targetP99Ratio   = 2.0 // p99 at most this multiple of the floor's
	targetCmdRatio   = 0.5 // `tokentray token` under half of `secret-tool lookup`
	targetLeanRatio  = 1.2 // `tokentray token` at most this multiple of the lean client
	targetRSSMiB     = 40.0
	floorSocketEnv   = "TOKENTRAY_BENCH_FLOOR_SOCKET"
	floorAnswerEnv   = "TOKENTRAY_BENCH_FLOOR_ANSWER"
	benchDurationEnv = "TOKENTRAY_BENCH_DURATION"
)

func requireBench(t *testing.T) {
	t.Helper()
	if os.Getenv("TOKENTRAY_BENCH") == "" {
		t.Skip("benchmark: set TOKENTRAY_BENCH=1 (docs/bench-socket.md)")
	}
}

// runFloorServer is the floor: the test binary re-run as a plain HTTP
// server on a unix socket that answers every request with a fixed body.
func runFloorServer(path, answer string) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	body := []byte(answer)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	})}
	_ = srv.Serve(ln)
}

// startFloor runs the floor in its own process, like the daemon.
func startFloor(t *testing.T, dir, answer string) (socket string, pid int) {
	t.Helper()
	socket = filepath.Join(dir, "floor.sock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), floorSocketEnv+"="+socket, floorAnswerEnv+"="+answer)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 200 {
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			return socket, cmd.Process.Pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("floor server did not start")
	return "", 0
}

// loadResult is what one target measured over all its slices.
type loadResult struct {
	requests int
	rps      float64
	p50, p99 time.Duration
}

// target is one server under load: keep-alive clients on its unix socket
// (or, with socket "", on TCP), each request with header.
type target struct {
	url     string
	header  http.Header
	tr      *http.Transport
	hc      *http.Client
	samples []time.Duration
	elapsed time.Duration
	failed  atomic.Int64
}

func newTarget(socket, url string, clients int) *target {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	if socket != "" {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, "unix", socket)
		}
	}
	return &target{url: url, tr: tr, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (tg *target) get() error {
	req, err := http.NewRequest(http.MethodGet, tg.url, nil)
	if err != nil {
		return err
	}
	maps.Copy(req.Header, tg.header)
	resp, err := tg.hc.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}

// slice runs `clients` clients in a closed loop for d and keeps every
// request's latency.
func (tg *target) slice(clients int, d time.Duration) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	lat := make([][]time.Duration, clients)
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				t0 := time.Now()
				if err := tg.get(); err != nil {
					tg.failed.Add(1)
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	tg.elapsed += time.Since(start)
	tg.samples = slices.Concat(append([][]time.Duration{tg.samples}, lat...)...)
}

func (tg *target) result(t *testing.T) loadResult {
	t.Helper()
	tg.tr.CloseIdleConnections()
	if n := tg.failed.Load(); n > 0 {
		t.Errorf("%d requests to %s failed", n, tg.url)
	}
	all := slices.Clone(tg.samples)
	slices.Sort(all)
	if len(all) == 0 {
		t.Fatalf("no request to %s succeeded", tg.url)
	}
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	return loadResult{requests: len(all), rps: float64(len(all)) / tg.elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}
}

// compare loads the floor and tokentray in alternating short slices, so
// drift on a shared machine hits both alike; d is each one's total time.
func compare(t *testing.T, floor, tokentray *target, clients int, d time.Duration) (loadResult, loadResult) {
	t.Helper()
	const slice = 250 * time.Millisecond
	for _, tg := range []*target{floor, tokentray} { // warm up: open the connections
		tg.slice(clients, 50*time.Millisecond)
		tg.samples, tg.elapsed = nil, 0
	}
	for range max(1, int(d/slice)) {
		floor.slice(clients, slice)
		tokentray.slice(clients, slice)
	}
	return floor.result(t), tokentray.result(t)
}

func benchDuration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(benchDurationEnv)); err == nil && d > 0 {
		return d
	}
	return 3 * time.Second
}

// benchDaemon starts a daemon holding a valid client-credentials token.
func benchDaemon(t *testing.T) (*home, *daemon, string, string) {
	t.Helper()
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("bench")
	d := h.startClientCredentialsDaemon(srv, env)
	token := strings.TrimSpace(h.mustRun("", "token", env))
	return h, d, env, token
}

func TestBenchSocketTokenReadsAgainstFloor(t *testing.T) {
	requireBench(t)
	h, d, env, _ := benchDaemon(t)
	url := "http://tokentray/v1/environments/" + env + "/token"
	// The floor answers bytes of the same size as a real token answer.
	answer := h.mustRun("", "token", env, "--format", "json")
	floor, _ := startFloor(t, h.dir, answer)
	dur := benchDuration()

	var report strings.Builder
	fmt.Fprintf(&report, "\n| clients | floor req/s | tokentray req/s | ratio | floor p50 | tokentray p50 | floor p99 | tokentray p99 | p99 ratio | targets |\n")
	fmt.Fprintf(&report, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, clients := range []int{1, 8, 32} {
		fl, tr := newTarget(floor, url, clients), newTarget(h.socket, url, clients)
		f, tt := compare(t, fl, tr, clients, dur)
		rpsRatio := tt.rps / f.rps
		p99Ratio := float64(tt.p99) / float64(f.p99)
		verdict := "met"
		if rpsRatio < targetRPSRatio || p99Ratio > targetP99Ratio {
			verdict = "MISSED"
		}
		fmt.Fprintf(&report, "| %d | %.0f | %.0f | %.2fx | %s | %s | %s | %s | %.2fx | %s |\n",
			clients, f.rps, tt.rps, rpsRatio, us(f.p50), us(tt.p50), us(f.p99), us(tt.p99), p99Ratio, verdict)
	}
	rss, hwm := memoryOf(t, d.pid())
	fmt.Fprintf(&report, "\ndaemon memory after the load: VmRSS %.1f MiB, VmHWM (peak) %.1f MiB (target RSS < %.0f MiB)\n", rss, hwm, targetRSSMiB)
	t.Log(report.String())
}

func TestBenchTokenCommandAgainstKeychainLookup(t *testing.T) {
	requireBench(t)
	requireKeychain(t)
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Skip("secret-tool not installed (apt-get install libsecret-tools)")
	}
	h, d, env, token := benchDaemon(t)

	// What a script would do without tokentray: a keychain item holding a
	// token of the same size.
	attrs := []string{"service", "tokentray-bench", "account", env}
	store := exec.Command("secret-tool", append([]string{"store", "--label=tokentray bench"}, attrs...)...)
	store.Stdin = strings.NewReader(token)
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("secret-tool", append([]string{"clear"}, attrs...)...).Run() })

	// The least a client of the socket can do (30 lines: dial, one GET, print).
	lean := filepath.Join(t.TempDir(), "leanclient")
	if out, err := exec.Command("go", "build", "-o", lean, "./testdata/leanclient").CombinedOutput(); err != nil {
		t.Fatalf("go build leanclient: %v\n%s", err, out)
	}

	cmds := []struct {
		name string
		cmd  *exec.Cmd
	}{
		{"`tokentray token ENV` (no Fyne linked: the window is tokentray-window)", exec.Command(binary, "token", env)},
		{"`secret-tool lookup service S account A`", exec.Command("secret-tool", append([]string{"lookup"}, attrs...)...)},
		{"lean Go client of the same socket (e2e/testdata/leanclient)", exec.Command(lean, h.socket, env)},
	}
	cmds[0].cmd.Env = h.environ()
	runs := 60
	if n, err := strconv.Atoi(os.Getenv("TOKENTRAY_BENCH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	times := make([][]time.Duration, len(cmds))
	for i := range runs + 5 {
		// Round robin, so load on a shared machine hits every command alike.
		for j, c := range cmds {
			took, out := timeRun(t, c.cmd)
			if out != token {
				t.Fatalf("%s printed %d bytes, not the token", c.name, len(out))
			}
			if i >= 5 { // the first runs warm the page cache
				times[j] = append(times[j], took)
			}
		}
	}
	lookup, leanMedian := median(times[1]), median(times[2])
	var report strings.Builder
	fmt.Fprintf(&report, "\n| command (%d runs each, token of %d bytes) | median | mean | vs keychain lookup (target < %.1fx) | vs lean client (target ≤ %.1fx) |\n|---|---:|---:|---:|---:|\n", runs, len(token), targetCmdRatio, targetLeanRatio)
	for j, c := range cmds {
		ratio := float64(median(times[j])) / float64(lookup)
		leanRatio := float64(median(times[j])) / float64(leanMedian)
		lookupVerdict, leanVerdict := "", ""
		if j == 0 { // tokentray token: the one with targets
			lookupVerdict, leanVerdict = verdict(ratio < targetCmdRatio), verdict(leanRatio <= targetLeanRatio)
		}
		fmt.Fprintf(&report, "| %s | %s | %s | %.2fx%s | %.2fx%s |\n", c.name, ms(median(times[j])), ms(mean(times[j])), ratio, lookupVerdict, leanRatio, leanVerdict)
	}
	rss, hwm := memoryOf(t, d.pid())
	fmt.Fprintf(&report, "\ndaemon memory: VmRSS %.1f MiB, VmHWM %.1f MiB (target < %.0f MiB)\n", rss, hwm, targetRSSMiB)
	t.Log(report.String())
}

// verdict is how a report says whether a target was met.
func verdict(met bool) string {
	if met {
		return " — met"
	}
	return " — MISSED"
}

// timeRun runs a copy of cmd and returns its wall time and stdout.
func timeRun(t *testing.T, cmd *exec.Cmd) (time.Duration, string) {
	t.Helper()
	c := exec.Command(cmd.Path, cmd.Args[1:]...)
	c.Env = cmd.Env
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	if err := c.Run(); err != nil {
		t.Fatalf("%v: %v %s", cmd.Args, err, errb.String())
	}
	return time.Since(start), strings.TrimSpace(out.String())
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func mean(d []time.Duration) time.Duration {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}

func us(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
