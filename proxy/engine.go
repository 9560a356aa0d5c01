package proxy

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// Engine reads tokens from the engine in this process: the proxies the
// host runs for proxy_listen.
type Engine struct {
	M   *manager.Manager
	Env string
}

// readTimeout bounds the wait for a token once the read is allowed, as
// the socket's does (the user's answer to a guarded read has its own).
var readTimeout = server.DefaultLimits.RequestTimeout

func (e Engine) Token(ctx context.Context, req TokenRequest) (socket.TokenAnswer, error) {
	t, err := e.M.Read(ctx, e.Env, manager.ReadRequest{
		Reader: req.Caller.Reader(), Via: manager.ViaProxy,
		MinValid: minValid, Force: req.Force, Timeout: readTimeout,
		Proof: &manager.ProofRequest{Method: req.Method, URL: req.URL},
	})
	if err != nil {
		return socket.TokenAnswer{}, server.APIErrorOf(err)
	}
	return server.WireToken(t, time.Now()), nil
}

func (e Engine) NoteNonce(target, nonce string) { e.M.NoteDPoPNonce(target, nonce) }

// Transport is the transport to the upstream for e's environment: for
// tls_client_auth it presents the client certificate, which
// certificate-bound tokens need at the resource server too. It is made
// at the first request, once the engine has read the private key.
func (e Engine) Transport() http.RoundTripper { return &engineTransport{e: e} }

type engineTransport struct {
	e  Engine
	mu sync.Mutex
	tr http.RoundTripper
}

func (t *engineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	if t.tr == nil {
		c, err := t.e.M.ResourceHTTPClient(t.e.Env)
		if err != nil {
			t.mu.Unlock()
			return nil, err
		}
		base, _ := c.Transport.(*http.Transport) // nil: Go's default
		t.tr = NewTransport(base)
	}
	tr := t.tr
	t.mu.Unlock()
	return tr.RoundTrip(req)
}
