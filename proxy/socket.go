package proxy

import (
	"context"
	"sync"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// Socket reads tokens from the running tokentray over its socket:
// `tokentray proxy` runs no engine of its own. Each read names the
// caller's connection, which the host checks with the kernel and logs
// as the caller's read via the proxy.
type Socket struct {
	Client *socket.Client
	Env    string

	mu    sync.Mutex
	nonce string // the upstream's latest DPoP-Nonce, handed on with each read
}

func (s *Socket) Token(ctx context.Context, req TokenRequest) (socket.TokenAnswer, error) {
	s.mu.Lock()
	nonce := s.nonce
	s.mu.Unlock()
	return s.Client.TokenWith(ctx, s.Env, socket.TokenOptions{
		MinValid: minValid, Force: req.Force,
		HTM: req.Method, HTU: req.URL, DPoPNonce: nonce,
		Proxied: &socket.ProxiedConn{ProxySocket: req.Caller.ProxySocket, ClientSocket: req.Caller.ClientSocket},
	})
}

func (s *Socket) NoteNonce(target, nonce string) {
	if (manager.ProofRequest{Method: "GET", URL: target, Nonce: nonce}).Check() != nil {
		return // junk would make every later read a bad request
	}
	s.mu.Lock()
	s.nonce = nonce
	s.mu.Unlock()
}
