//go:build linux

package e2e

// The local proxy's cost (issue "Tokens into every tool"), kept out of
// the normal run like bench_test.go: only with TOKENTRAY_BENCH=1, run by
// `make bench-proxy`. Keep-alive clients in a closed loop at 1, 8 and 32
// at once send the same GET three ways, in alternating slices so drift on
// a shared machine hits each alike:
//
//   - direct: to the upstream with the token in the header, as a script
//     that fetched it would;
//   - through the proxy the daemon runs for proxy_listen (the engine in
//     the same process);
//   - through `tokentray proxy` (a process of its own, reading each
//     token from the daemon over the socket).
//
// The upstream is the test binary re-run as a plain API server in its
// own process, answering 1 KiB of JSON at once, or after 20 ms, as an
// API across a network does.

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

const (
	benchUpstreamEnv = "TOKENTRAY_BENCH_UPSTREAM_TOKEN" // set: this binary is the upstream
	targetProxyCost  = 0.10                             // at most this share of the direct requests/s lost at 32 clients
)

func init() {
	if token := os.Getenv(benchUpstreamEnv); token != "" {
		os.Exit(runBenchUpstream(token))
	}
}

// runBenchUpstream serves 1 KiB of JSON to "Authorization: Bearer TOKEN"
// (after ?delay=DURATION), 401 to anything else, on a free loopback port
// it prints.
func runBenchUpstream(token string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	body := []byte(`{"items":[` + strings.Repeat(`{"id":"0123456789abcdef","amount":100},`, 25) + `{}]}`)
	want := "Bearer " + token
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if d, err := time.ParseDuration(r.URL.Query().Get("delay")); err == nil {
			time.Sleep(d)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	_ = srv.Serve(ln)
	return 0
}

// startBenchUpstream runs the upstream in its own process.
func startBenchUpstream(t *testing.T, token string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchUpstreamEnv+"="+token)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, _ := bufio.NewReader(out).ReadString('\n')
	addr = strings.TrimSpace(addr)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		t.Fatalf("the upstream printed %q", addr)
	}
	return "http://" + addr
}

// compareAll loads the targets in alternating short slices; d is each
// one's total time.
func compareAll(t *testing.T, clients int, d time.Duration, targets ...*target) []loadResult {
	t.Helper()
	const slice = 250 * time.Millisecond
	for _, tg := range targets { // warm up: open the connections
		tg.slice(clients, 100*time.Millisecond)
		tg.samples, tg.elapsed = nil, 0
	}
	for range max(1, int(d/slice)) {
		for _, tg := range targets {
			tg.slice(clients, slice)
		}
	}
	out := make([]loadResult, len(targets))
	for i, tg := range targets {
		out[i] = tg.result(t)
	}
	return out
}

func TestLoadProxyAgainstDirectRequests(t *testing.T) {
	requireBench(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("bench")
	d := h.startClientCredentialsDaemon(srv, env)
	token := strings.TrimSpace(h.mustRun("", "token", env))
	upstream := startBenchUpstream(t, token)
	listen := freeLoopbackAddr(t)
	h.writeConfig(proxyConfig(srv, env, listen, upstream))
	waitFor(t, "the daemon's proxy", 10*time.Second, func() bool { return h.statusOf(env).Proxy != "" })
	fg := h.startProxy(env, upstream)
	dur := benchDuration()

	var report strings.Builder
	fmt.Fprintf(&report, "\n| upstream | clients | direct req/s | daemon's proxy req/s | cost | `tokentray proxy` req/s | cost | direct p50 / p99 | daemon's proxy p50 / p99 | `tokentray proxy` p50 / p99 |\n")
	fmt.Fprintf(&report, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var verdicts []string
	for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
		path := fmt.Sprintf("/items?delay=%s", delay)
		for _, clients := range []int{1, 8, 32} {
			direct := newTarget("", upstream+path, clients)
			direct.header = http.Header{"Authorization": {"Bearer " + token}}
			host := newTarget("", "http://"+listen+path, clients)
			command := newTarget("", fg.url+path, clients)
			r := compareAll(t, clients, dur, direct, host, command)
			cost := func(x loadResult) float64 { return 1 - x.rps/r[0].rps }
			name := "at once"
			if delay > 0 {
				name = delay.String() + " away"
			}
			lat := func(x loadResult) string { return us(x.p50) + " / " + us(x.p99) }
			fmt.Fprintf(&report, "| %s | %d | %.0f | %.0f | %.0f %% | %.0f | %.0f %% | %s | %s | %s |\n",
				name, clients, r[0].rps, r[1].rps, 100*cost(r[1]), r[2].rps, 100*cost(r[2]), lat(r[0]), lat(r[1]), lat(r[2]))
			if clients == 32 {
				for i, who := range []string{"daemon's proxy", "`tokentray proxy`"} {
					verdict := "met"
					if cost(r[i+1]) > targetProxyCost {
						verdict = "MISSED"
					}
					verdicts = append(verdicts, fmt.Sprintf("%s, upstream %s, 32 clients: cost %.0f %% (target < %.0f %%): %s", who, name, 100*cost(r[i+1]), 100*targetProxyCost, verdict))
				}
			}
		}
	}
	fmt.Fprintf(&report, "\n%s\n", strings.Join(verdicts, "\n"))
	reads := h.readsOf(env)
	total := 0
	for _, rd := range reads {
		total += rd.Count
	}
	fmt.Fprintf(&report, "read log: %d reads in %d lines\n", total, len(reads))
	rss, hwm := memoryOf(t, d.pid())
	frss, fhwm := memoryOf(t, fg.cmd.Process.Pid)
	fmt.Fprintf(&report, "memory after the load: daemon VmRSS %.1f MiB (peak %.1f), `tokentray proxy` VmRSS %.1f MiB (peak %.1f)\n", rss, hwm, frss, fhwm)
	t.Log(report.String())
}
