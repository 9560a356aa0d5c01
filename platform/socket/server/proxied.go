package server

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/tcppeer"
)

// A token read with ?via=proxy&proxy_socket=N&client_socket=M comes from
// `tokentray proxy`, forwarding a request for a program connected to it
// on loopback. The read is that program's (the guard asks about it, the
// read log names it), via the proxy, but only once the kernel confirms
// it: sockets N and M are the two ends of one connection, the asking
// process holds the proxy's end, and the program's end belongs to the
// same user. A process cannot name a program that never connected to it.

// proxiedConn reads the proxy's parameters of a token read; nil without.
func proxiedConn(q url.Values) (*socket.ProxiedConn, error) {
	via, ps, cs := q.Get("via"), q.Get("proxy_socket"), q.Get("client_socket")
	if via == "" && ps == "" && cs == "" {
		return nil, nil
	}
	if via != manager.ViaProxy {
		return nil, fmt.Errorf("via %q is not known; via=proxy names a read for the local proxy", config.Printable(via, 40))
	}
	proxy, perr := strconv.ParseUint(ps, 10, 64)
	client, cerr := strconv.ParseUint(cs, 10, 64)
	if perr != nil || cerr != nil || proxy == 0 || client == 0 {
		return nil, errors.New("via=proxy needs proxy_socket and client_socket: the inodes of the two ends of the connection to the proxy")
	}
	return &socket.ProxiedConn{ProxySocket: proxy, ClientSocket: client}, nil
}

// errUnverified wraps why a proxied read was refused (403 unverified_caller).
var errUnverified = errors.New("the connection to the proxy could not be checked")

// proxiedReader is the program at the client end of pc, read for the
// caller c, checked as the package comment says. A proxy reads over
// several socket connections for many clients, so the answer is kept
// for the asking process, for a while (proxiedFor).
func (s *Server) proxiedReader(c *caller, pc socket.ProxiedConn) (manager.Reader, error) {
	key := proxiedKey{pid: c.cred.PID, conn: pc}
	if r, ok := s.proxied.get(key, time.Now()); ok {
		return r, nil
	}
	if !tcppeer.Supported {
		return manager.Reader{}, fmt.Errorf("%w: %v", errUnverified, tcppeer.ErrUnsupported)
	}
	if c.cred.PID <= 0 {
		return manager.Reader{}, fmt.Errorf("%w: the process asking is unknown", errUnverified)
	}
	conn, err := tcppeer.Pair(pc.ProxySocket, pc.ClientSocket)
	if err != nil {
		return manager.Reader{}, fmt.Errorf("%w: %v", errUnverified, err)
	}
	if !tcppeer.Holds(c.cred.PID, pc.ProxySocket) {
		return manager.Reader{}, fmt.Errorf("%w: process %d does not hold the proxy's end of that connection", errUnverified, c.cred.PID)
	}
	if conn.Theirs.UID != c.cred.UID {
		return manager.Reader{}, fmt.Errorf("%w: the program that connected to the proxy belongs to uid %d", errUnverified, conn.Theirs.UID)
	}
	r := IdentifyTCPPeer(conn.Theirs.Inode, conn.Theirs.UID)
	// The proxy's own command line, read when it connected: identify
	// names it as the command a reader went through, or, when no reader
	// was found above it, as the reader itself.
	r.Through = cmp.Or(c.reader.Through, c.reader.Cmdline)
	s.proxied.put(key, r, time.Now())
	return r, nil
}

// Bounds of the checked readers kept: a proxy serving more clients, or
// a process that reuses the pid of one that exited, is checked again.
const (
	maxProxied = 4096
	proxiedFor = time.Minute
)

// proxiedKey is one connection to a proxy, as one process named it.
type proxiedKey struct {
	pid  int32
	conn socket.ProxiedConn
}

type proxiedReader struct {
	reader manager.Reader
	until  time.Time
}

// proxiedReaders remembers checked readers. The zero value is ready.
type proxiedReaders struct {
	mu    sync.Mutex
	byKey map[proxiedKey]proxiedReader
}

func (p *proxiedReaders) get(k proxiedKey, now time.Time) (manager.Reader, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.byKey[k]
	if !ok || now.After(e.until) {
		return manager.Reader{}, false
	}
	return e.reader, true
}

func (p *proxiedReaders) put(k proxiedKey, r manager.Reader, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byKey == nil || len(p.byKey) >= maxProxied {
		p.byKey = map[proxiedKey]proxiedReader{}
	}
	p.byKey[k] = proxiedReader{reader: r, until: now.Add(proxiedFor)}
}
