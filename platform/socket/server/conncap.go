package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// connCap keeps at most max connections open on one listener, so a flood
// cannot take every file descriptor. At the cap, the connection that has
// waited longest for a request that does not come (an idle keep-alive, or
// one the server has started reading without getting a request head) is
// closed to make room: a flood of idle or half-sent connections loses its
// own oldest ones, while token reads, in progress, go on. A connection the
// server has not looked at yet is never closed: Accept waits for the
// server instead, which keeps a connect flood from outrunning it. If no
// place frees within busyWait (every connection in a request), the
// newcomer gets a JSON 503 and is closed.
type connCap struct {
	net.Listener
	max       int
	maxHeader int // for the words of the JSON 431
	log       *slog.Logger
	freed     chan struct{} // a place may have become free

	mu    sync.Mutex
	conns map[*cappedConn]struct{}
}

const busyWait = time.Second

func newConnCap(l net.Listener, max, maxHeader int, log *slog.Logger) *connCap {
	return &connCap{Listener: l, max: max, maxHeader: maxHeader, log: log,
		freed: make(chan struct{}, 1), conns: map[*cappedConn]struct{}{}}
}

func (l *connCap) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cc := &cappedConn{Conn: c, owner: l}
		if l.admit(cc) {
			return cc, nil
		}
		l.log.Warn("refused a socket connection: every connection is busy", "max", l.max)
		refuseBusy(c)
	}
}

// admit counts cc in, evicting a connection if the cap is reached. It
// reports false when no place freed up within busyWait.
func (l *connCap) admit(cc *cappedConn) bool {
	var timeout <-chan time.Time
	for {
		if victim, ok := l.place(cc); ok {
			if victim != nil {
				_ = victim.Conn.Close()
			}
			return true
		}
		if timeout == nil {
			t := time.NewTimer(busyWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-l.freed:
		case <-timeout:
			return false
		}
	}
}

// place adds cc if there is room or a connection to evict (returned, to
// be closed outside the lock).
func (l *connCap) place(cc *cappedConn) (victim *cappedConn, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) >= l.max {
		for c := range l.conns {
			if c.state == connWaiting && (victim == nil || c.since.Before(victim.since)) {
				victim = c
			}
		}
		if victim == nil {
			return nil, false
		}
		delete(l.conns, victim)
	}
	l.conns[cc] = struct{}{}
	return victim, true
}

func (l *connCap) signal() {
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// setState records what cc is doing; waiting makes it evictable.
func (l *connCap) setState(cc *cappedConn, st connState) {
	l.mu.Lock()
	cc.state, cc.since = st, time.Now()
	l.mu.Unlock()
	if st == connWaiting {
		l.signal()
	}
}

// connState is the http.Server's ConnState hook.
func (l *connCap) connState(c net.Conn, st http.ConnState) {
	cc, ok := c.(*cappedConn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive, http.StateHijacked:
		l.setState(cc, connBusy)
	case http.StateIdle:
		l.setState(cc, connWaiting)
	}
}

func (l *connCap) forget(cc *cappedConn) {
	l.mu.Lock()
	delete(l.conns, cc)
	l.mu.Unlock()
	l.signal()
}

// open is the number of connections counted against the cap.
func (l *connCap) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

type connState int

const (
	connUnread  connState = iota // accepted; the server has not read it yet
	connWaiting                  // the server waits for a request: evictable
	connBusy                     // in a request
)

const busyBody = `{"error":"too_many_connections","message":"tokentray is busy: too many open connections; try again"}`

// refuseBusy answers without reading the request, with a short deadline,
// so that a refusal never blocks Accept.
func refuseBusy(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		len(busyBody), busyBody)
	_ = c.Close()
}

// cappedConn is one counted connection. Its Write also turns the bare-text
// errors that net/http writes itself (431 for huge headers, 400 for junk)
// into the socket's JSON errors.
type cappedConn struct {
	net.Conn
	owner   *connCap
	once    sync.Once
	reading atomic.Bool
	// state and since (when it took that state) are guarded by owner.mu.
	state connState
	since time.Time
}

// Read marks the first read: from then on the server waits for this
// connection's request and, if none comes, it may be evicted. (A client
// sends its request head in one write, so the first read returns it.)
func (c *cappedConn) Read(b []byte) (int, error) {
	if !c.reading.Load() && c.reading.CompareAndSwap(false, true) {
		c.owner.setState(c, connWaiting)
	}
	return c.Conn.Read(b)
}

func (c *cappedConn) Close() error {
	c.once.Do(func() { c.owner.forget(c) })
	return c.Conn.Close()
}

func (c *cappedConn) Write(b []byte) (int, error) {
	if j := jsonServerError(b, c.owner.maxHeader); j != nil {
		if _, err := c.Conn.Write(j); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// serverErrorHeaders is what net/http's own error answers carry (and no
// handler of the socket API does).
var serverErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// jsonServerError rewrites one of net/http's bare-text error answers, which
// it writes in a single Write straight to the connection, as a JSON error.
// Anything else gives nil.
func jsonServerError(b []byte, maxHeader int) []byte {
	if len(b) < 12 || !bytes.HasPrefix(b, []byte("HTTP/1.1 ")) || (b[9] != '4' && b[9] != '5') {
		return nil
	}
	head, text, ok := bytes.Cut(b, serverErrorHeaders)
	if !ok || bytes.Contains(head, []byte("\r\n")) {
		return nil
	}
	status, err := strconv.Atoi(string(b[9:12]))
	if err != nil {
		return nil
	}
	e := socket.APIError{Code: socket.CodeBadRequest, Message: "bad request: " + config.Printable(string(text), 200)}
	if status == http.StatusRequestHeaderFieldsTooLarge {
		e = socket.APIError{Code: socket.CodeTooLarge, Message: fmt.Sprintf("the request headers are larger than %d bytes", maxHeader)}
	}
	body, _ := json.Marshal(e)
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}
