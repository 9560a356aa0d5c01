package proxy

import (
	"context"
	"sync"
	"time"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// Tokens is where a proxy gets the token for each request it forwards:
// the engine itself in the host (Engine), the running tokentray's socket
// in `tokentray proxy` (Socket). Either way the read is the engine's one
// read path, so the guard, single flight and the read log apply.
type Tokens interface {
	// Token reads the token for one forwarded request. A failure the
	// engine explains is a *socket.APIError, answered to the caller as
	// the socket would.
	Token(ctx context.Context, req TokenRequest) (socket.TokenAnswer, error)
	// NoteNonce remembers a DPoP-Nonce the upstream answered target with,
	// for the next proofs.
	NoteNonce(target, nonce string)
}

// TokenRequest is one token read for one forwarded request.
type TokenRequest struct {
	Caller *Caller
	// Method and URL are the request to the upstream, which a DPoP
	// proof is made for (htm, htu).
	Method, URL string
	// Force refreshes first: the upstream answered 401 to the token.
	Force bool
}

// minValid is how long a handed-out token must still last: long enough
// to reach the upstream, short enough not to refresh short-lived tokens
// at every read (the background refresh runs well before expiry).
const minValid = 5 * time.Second

// Caller is the program connected to the proxy, as the kernel's TCP
// table names it: its user and the two sockets of its connection.
type Caller struct {
	UID                       uint32
	ProxySocket, ClientSocket uint64 // inodes: the proxy's end, the caller's

	once   sync.Once
	reader manager.Reader
}

// Reader is the caller as the guard and the read log name it, looked up
// once per connection: its process, found by its socket.
func (c *Caller) Reader() manager.Reader {
	c.once.Do(func() {
		c.reader = server.IdentifyTCPPeer(c.ClientSocket, c.UID)
	})
	return c.reader
}
