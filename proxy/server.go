package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/tcppeer"
)

// Server serves a Proxy on a loopback listener. The Proxy can be swapped
// while it serves (a new upstream, a new client certificate): requests
// under way finish with the one they started with.
type Server struct {
	ln    net.Listener
	srv   *http.Server
	proxy atomic.Pointer[Proxy]
	done  chan struct{}
}

// Listen listens on addr, a loopback address (config.ProxyListenProblem).
// Where the platform cannot tell who connects, it does not listen at all:
// every connection would be refused (peer.go).
func Listen(addr string) (net.Listener, error) {
	if msg := config.ProxyListenProblem(addr); msg != "" {
		return nil, fmt.Errorf("listen address %s", msg)
	}
	if !tcppeer.Supported {
		return nil, fmt.Errorf("no proxy here: %w, and it must refuse every connection it cannot check", tcppeer.ErrUnsupported)
	}
	return net.Listen("tcp", addr)
}

// Serve serves p on ln until Close.
func Serve(ln net.Listener, p *Proxy, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{ln: ln, done: make(chan struct{})}
	s.proxy.Store(p)
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.proxy.Load().ServeHTTP(w, r) }),
		// No read or write timeout: uploads and streams take as long as
		// they take. The header bound keeps idle junk connections short.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ConnContext:       connContext, // who connected (peer.go)
		// "OPTIONS *" is refused like any request not for a path.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("proxy: stopped serving", "address", ln.Addr().String(), "error", err)
		}
	}()
	return s
}

// URL is where the proxy answers: "http://127.0.0.1:8181".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Swap makes p serve the next requests.
func (s *Server) Swap(p *Proxy) { s.proxy.Store(p) }

// Close stops accepting and waits for requests under way until ctx
// ends; then it cuts the rest (a stream may never end on its own).
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.done
	return err
}
