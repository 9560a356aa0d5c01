//go:build linux

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// TestFloodOfSubscribersAndIdleConnectionsDoesNotStarveTokenReads: a
// buggy or hostile script of the same user opens 5,000 /v1/events streams
// that never read and 1,000 connections that never send a request. The
// daemon keeps its memory and descriptors bounded, every token read during
// the flood answers within a second, and the streams that do not read are
// dropped once their socket buffer is full, freeing their places.
func TestFloodOfSubscribersAndIdleConnectionsDoesNotStarveTokenReads(t *testing.T) {
	requireKeychain(t)
	subscribers, idle := floodSize(t)
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	h := newHome(t)
	env := h.envName("flood")
	h.writeConfig(clientCredentialsConfig(srv, env))
	h.seedSecret(env)
	d := h.startDaemon()
	cl := socket.NewClient(h.socket, 10*time.Second)
	defer cl.Close()

	before := readLatencies(t, cl, env, 200)
	rssBefore, _ := memoryOf(t, d.pid())

	// Reads go on, one every 5 ms, while the flood connects.
	stop := make(chan struct{})
	var during []time.Duration
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			start := time.Now()
			if _, err := cl.Token(context.Background(), env, 0); err != nil && readErr == nil {
				readErr = err
			}
			during = append(during, time.Since(start))
		}
	})
	floodStart := time.Now()
	conns := flood(t, h.socket, subscribers, idle)
	floodTook := time.Since(floodStart)
	time.Sleep(time.Second) // let the daemon settle with the flood connected
	close(stop)
	wg.Wait()
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()

	rss, hwm := memoryOf(t, d.pid())
	fds := openFiles(t, d.pid())
	b50, b99, bmax := percentiles(before)
	p50, p99, pmax := percentiles(during)
	t.Logf("flood of %d subscribers + %d idle connections took %v", subscribers, idle, floodTook.Round(time.Millisecond))
	t.Logf("token reads before: p50 %v p99 %v max %v (%d reads)", b50, b99, bmax, len(before))
	t.Logf("token reads during: p50 %v p99 %v max %v (%d reads)", p50, p99, pmax, len(during))
	t.Logf("daemon RSS %.1f MiB before, %.1f MiB with the flood connected (peak %.1f MiB); %d open files", rssBefore, rss, hwm, fds)

	if readErr != nil {
		t.Errorf("a token read failed during the flood: %v", readErr)
	}
	if pmax > time.Second {
		t.Errorf("slowest token read during the flood took %v, want under 1s", pmax)
	}
	if len(during) < 10 {
		t.Errorf("only %d token reads during the flood", len(during))
	}
	if hwm > 100 {
		t.Errorf("daemon peak RSS %.1f MiB during the flood, want under 100 MiB", hwm)
	}
	if fds > 400 {
		t.Errorf("daemon holds %d open files with the flood connected, want the connection cap (256) plus a few", fds)
	}

	// The flood's streams hold every place...
	var api *socket.APIError
	if s, err := cl.Events(context.Background(), env); !errors.As(err, &api) || api.Code != socket.CodeTooManySubscribers {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a stream with the flood connected: err %v, want %s", err, socket.CodeTooManySubscribers)
	}
	// ...until, not reading, they are dropped: once a stream's socket
	// buffer is full, a write waits 10 s at most. Events flow until a new
	// stream finds a free place.
	dropStart := time.Now()
	var got *socket.EventStream
	waitFor(t, "a free place for a stream", 60*time.Second, func() bool {
		for range 20 {
			if _, err := cl.Refresh(context.Background(), env); err != nil {
				t.Fatalf("refresh: %v", err)
			}
		}
		s, err := cl.Events(context.Background(), env)
		if err == nil {
			got = s
		}
		return err == nil
	})
	got.Close()
	t.Logf("streams that do not read were dropped within %v of events", time.Since(dropStart).Round(100*time.Millisecond))
}

// floodSize is 5,000 subscribers and 1,000 idle connections, fewer if the
// file limit of this process, which holds the flood's end of each
// connection, is too low.
func floodSize(t *testing.T) (subscribers, idle int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	subscribers, idle = 5000, 1000
	if room := int(lim.Cur) - 500; room < subscribers+idle {
		subscribers, idle = room*5/6, room/6
		t.Logf("file limit %d: flooding with %d subscribers and %d idle connections", lim.Cur, subscribers, idle)
	}
	return subscribers, idle
}

// flood opens the connections from 16 goroutines: subscribers send the
// /v1/events request and never read, idle ones send nothing.
func flood(t *testing.T, socket string, subscribers, idle int) []net.Conn {
	t.Helper()
	var mu sync.Mutex
	var conns []net.Conn
	var firstErr error
	work := make(chan bool)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for subscribe := range work {
				c, err := net.Dial("unix", socket)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
				if err == nil && subscribe {
					// The daemon may already have closed it: that is its right.
					_, _ = io.WriteString(c, "GET /v1/events HTTP/1.1\r\nHost: tokentray\r\n\r\n")
				}
			}
		})
	}
	for i := range subscribers + idle {
		work <- i%(subscribers/idle+1) != 0
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		t.Logf("some connections of the flood were refused: %v", firstErr)
	}
	return conns
}

func readLatencies(t *testing.T, cl *socket.Client, env string, n int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if _, err := cl.Token(context.Background(), env, 0); err != nil {
			t.Fatalf("token read: %v", err)
		}
		out = append(out, time.Since(start))
	}
	return out
}

func percentiles(d []time.Duration) (p50, p99, max time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[int(q*float64(len(s)-1))].Round(10 * time.Microsecond) }
	return at(0.50), at(0.99), at(1).Round(10 * time.Microsecond)
}

func openFiles(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("open files of the daemon: %v", err)
	}
	return len(entries)
}

// TestOddRequestsGetJSONErrorsFromTheDaemon: unclean paths, oversized
// headers, junk and a min_valid that would overflow get a JSON error from
// the running daemon; no redirect, no bare-text answer, no token.
func TestOddRequestsGetJSONErrorsFromTheDaemon(t *testing.T) {
	requireKeychain(t)
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	h := newHome(t)
	env := h.envName("odd")
	h.writeConfig(clientCredentialsConfig(srv, env))
	h.seedSecret(env)
	h.startDaemon()
	get := func(target string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: tokentray\r\n\r\n"
	}
	for _, c := range []struct {
		request string
		status  int
		code    string
	}{
		{get("/v1/environments/" + env + "/token?min_valid=18446744074"), 400, socket.CodeBadRequest},
		{get("/v1/environments/x/../" + env + "/token"), 400, socket.CodeBadRequest},
		{get("//v1/environments"), 400, socket.CodeBadRequest},
		{get("/v1/./environments"), 400, socket.CodeBadRequest},
		{"GET /v1/environments HTTP/1.1\r\nHost: tokentray\r\nX-Junk: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", 431, socket.CodeTooLarge},
		{"\x00\x01junk\r\n\r\n", 400, socket.CodeBadRequest},
	} {
		status, ctype, body := rawRequest(t, h.socket, c.request)
		if strings.Contains(string(body), "access_token") {
			t.Errorf("%.60q = %d: answered a token", c.request, status)
			continue
		}
		var e struct{ Error, Message string }
		if status != c.status || ctype != "application/json" || json.Unmarshal(body, &e) != nil || e.Error != c.code || e.Message == "" {
			t.Errorf("%.60q = %d %q %q, want a JSON %d %s", c.request, status, ctype, body, c.status, c.code)
		}
	}
}

// rawRequest sends request as written on a new connection to the socket.
func rawRequest(t *testing.T, socket, request string) (status int, ctype string, body []byte) {
	t.Helper()
	c, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	go func() { _, _ = io.WriteString(c, request) }() // a huge one is answered before it is all sent
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%.60q: %v", request, err)
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}
