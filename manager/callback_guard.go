package manager

import (
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the loopback callback listener. A browser needs one or two
// connections; the caps keep a flood from using up the daemon's files.
const (
	callbackMaxConns    = 16                     // served at once
	callbackMaxRefusing = 16                     // refusal pages being written at once
	callbackRefuseTime  = 500 * time.Millisecond // a refusal's whole life
)

const refusalPage = "tokentray's sign-in listener only answers the user who runs tokentray.\n"

// callbackGuard wraps the callback listeners of one login. Accept hands on
// only connections from tokentray's own uid (where Options.CallbackPeerUID
// can tell), at most callbackMaxConns at a time; another user's connection
// gets a plain 403 and is closed without reaching the handler, so it
// changes nothing.
type callbackGuard struct {
	log      *slog.Logger
	env      string
	peerUID  func(net.Conn) (int, error) // nil: no check
	slots    chan struct{}               // one per connection handed on
	refusing atomic.Int32
	refused  atomic.Int64
	wg       sync.WaitGroup // refusals in flight
	done     chan struct{}
	doneOnce sync.Once
}

func newCallbackGuard(log *slog.Logger, env string, peerUID func(net.Conn) (int, error)) *callbackGuard {
	return &callbackGuard{log: log, env: env, peerUID: peerUID, slots: make(chan struct{}, callbackMaxConns), done: make(chan struct{})}
}

// wrap guards one listener; all listeners of a guard share its caps.
func (g *callbackGuard) wrap(ln net.Listener) net.Listener {
	return &guardedListener{Listener: ln, g: g}
}

// close stops waiting Accepts and waits for refusals in flight.
func (g *callbackGuard) close() {
	g.doneOnce.Do(func() { close(g.done) })
	g.wg.Wait()
	if n := g.refused.Load(); n > 0 {
		g.log.Warn("the sign-in listener refused connections from other users", "env", g.env, "refused", n)
	}
}

type guardedListener struct {
	net.Listener
	g *callbackGuard
}

func (l *guardedListener) Accept() (net.Conn, error) {
	g := l.g
	for {
		select {
		case g.slots <- struct{}{}:
		case <-g.done:
			return nil, net.ErrClosed
		}
		c, err := l.Listener.Accept()
		if err != nil {
			<-g.slots
			return nil, err
		}
		if g.allowed(c) {
			return &slotConn{Conn: c, release: func() { <-g.slots }}, nil
		}
		<-g.slots
		g.refuse(c)
	}
}

// allowed fails closed: a peer that cannot be looked up is refused.
func (g *callbackGuard) allowed(c net.Conn) bool {
	if g.peerUID == nil {
		return true
	}
	uid, err := g.peerUID(c)
	if err != nil {
		g.log.Warn("refused a sign-in listener connection whose owner is unknown", "env", g.env, "err", err)
		return false
	}
	if uid != os.Getuid() {
		if g.refused.Add(1) == 1 {
			g.log.Warn("refused a sign-in listener connection from another user", "env", g.env, "peer_uid", uid)
		}
		return false
	}
	return true
}

// refuse answers 403 and closes. The request is drained first so the close
// is a FIN, not a reset that could eat the page; past the cap it just closes.
func (g *callbackGuard) refuse(c net.Conn) {
	if g.refusing.Add(1) > callbackMaxRefusing {
		g.refusing.Add(-1)
		c.Close()
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer g.refusing.Add(-1)
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(callbackRefuseTime))
		_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"+
			"Cache-Control: no-store\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(len(refusalPage))+"\r\n\r\n"+refusalPage)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// slotConn gives its slot back once, on the first Close.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
