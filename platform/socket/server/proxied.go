package server

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"

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

// proxiedReader is the program at the client end of pc, checked as the
// package comment says; the answer is kept for the socket connection.
func (c *caller) proxiedReader(pc socket.ProxiedConn) (manager.Reader, error) {
	if r, ok := c.proxied.get(pc); ok {
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
	// A program that is gone or hidden is still this user's: an unknown
	// program (pid 0), as the read log says elsewhere.
	pid, _ := tcppeer.OwnerPID(conn.Theirs.Inode, conn.Theirs.UID)
	r := IdentifyProcess(pid, conn.Theirs.UID)
	r.Through = config.Printable(processInfo(c.cred.PID).cmdline, maxCmdline)
	c.proxied.put(pc, r)
	return r, nil
}

// maxProxied bounds the programs remembered per socket connection: a
// proxy serving more clients looks them up again.
const maxProxied = 256

// proxiedReaders remembers the checked reader of each connection to the
// proxy. The zero value is ready.
type proxiedReaders struct {
	mu     sync.Mutex
	byConn map[socket.ProxiedConn]manager.Reader
}

func (p *proxiedReaders) get(pc socket.ProxiedConn) (manager.Reader, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byConn[pc]
	return r, ok
}

func (p *proxiedReaders) put(pc socket.ProxiedConn, r manager.Reader) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byConn == nil || len(p.byConn) >= maxProxied {
		p.byConn = map[socket.ProxiedConn]manager.Reader{}
	}
	p.byConn[pc] = r
}
