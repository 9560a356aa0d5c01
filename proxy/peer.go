package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/tokentray/tokentray/platform/tcppeer"
)

// Only the user who runs the proxy may use it: the kernel's TCP table
// says who opened each connection (the check the login callback listener
// makes). Where no table says, every connection is refused: a proxy that
// hands out tokens to whoever connects is worse than none.

// connPeer is one connection's caller, checked at its first request.
type connPeer struct {
	conn   net.Conn
	once   sync.Once
	caller *Caller
	err    error
}

type connKey struct{}

// connContext is the server's ConnContext: the check waits for the first
// request, so a slow lookup never holds up accepting others.
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connPeer{conn: c})
}

// callerOf is the checked caller of r's connection, or why it may not
// use the proxy.
func callerOf(ctx context.Context) (*Caller, error) {
	p, ok := ctx.Value(connKey{}).(*connPeer)
	if !ok {
		return nil, fmt.Errorf("%w: not a connection the proxy accepted", errNotYours)
	}
	p.once.Do(func() { p.caller, p.err = check(p.conn) })
	return p.caller, p.err
}

// errNotYours: the caller is not the proxy's user, or cannot be told.
var errNotYours = errors.New("only the user who runs tokentray may use this proxy")

func check(c net.Conn) (*Caller, error) {
	if !tcppeer.Supported {
		return nil, fmt.Errorf("%w, and %v, so every connection is refused", errNotYours, tcppeer.ErrUnsupported)
	}
	conn, err := tcppeer.Lookup(c)
	if err != nil {
		return nil, fmt.Errorf("%w: who connected could not be looked up: %v", errNotYours, err)
	}
	if int(conn.Theirs.UID) != os.Getuid() {
		return nil, fmt.Errorf("%w; this connection is another user's", errNotYours)
	}
	return &Caller{UID: conn.Theirs.UID, ProxySocket: conn.Ours.Inode, ClientSocket: conn.Theirs.Inode}, nil
}
