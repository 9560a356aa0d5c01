package proxy_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/enginewait"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
	"github.com/tokentray/tokentray/proxy"
)

const env = "api"

// rig is a real authorization server with its protected resource, an
// engine holding a client-credentials environment for it, and a proxy
// in front of the resource.
type rig struct {
	t      testing.TB
	oauth  *oauthserver.Server
	m      *manager.Manager
	proxy  *proxy.Server
	client *http.Client // keeps its connections, as tools do
}

type rigOptions struct {
	oauth   oauthserver.Options
	trustCA bool // the proxy trusts the TLS test server's CA
	dpop    bool
	socket  bool // tokens through a socket server, as `tokentray proxy` gets them
	guard   bool
	confirm func(context.Context, manager.Question) error // the host's guard
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	oauth := oauthserver.Start(t, o.oauth)
	store := manager.NewMemoryStore()
	if err := store.SaveSecret(env, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Environments: []config.Environment{{
		Name: env, Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID, DPoP: o.dpop,
	}}}
	if o.guard {
		cfg.Environments[0].Guard = config.GuardConfirm
	}
	log := slog.New(slog.DiscardHandler)
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log, Jitter: func() float64 { return 0 }, Confirm: o.confirm,
		HTTPClient: oauth.HTTPClient(nil)})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Close)
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}
	var tokens proxy.Tokens = proxy.Engine{M: m, Env: env}
	if o.socket {
		tokens = &proxy.Socket{Client: serveSocket(t, m), Env: env}
	}
	upstream, _ := url.Parse(oauth.EchoURL())
	var tr http.RoundTripper
	if o.trustCA {
		tr = proxy.NewTransport(oauth.HTTPClient(nil).Transport.(*http.Transport))
	}
	p, err := proxy.New(proxy.Options{Env: env, Upstream: upstream, Tokens: tokens, Transport: tr, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := proxy.Serve(ln, p, log)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	return &rig{t: t, oauth: oauth, m: m, proxy: srv, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{DisableCompression: true}}} // sends only what a test says
}

// serveSocket serves m on a unix socket, as the host does.
func serveSocket(t testing.TB, m *manager.Manager) *socket.Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "tt-proxy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "tokentray", "tokentray.sock")
	ln, err := socket.Listen(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer(m, slog.New(slog.DiscardHandler), server.Limits{})
	go srv.Serve(ln)
	cl := socket.NewClient(path, time.Minute)
	t.Cleanup(func() {
		cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return cl
}

// do sends a request to the proxy at path and returns the answer, read.
func (r *rig) do(method, path string, body io.Reader, header http.Header) (*http.Response, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.proxy.URL()+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, data
}

// echo sends a request that must reach the echo resource and returns
// what it saw.
func (r *rig) echo(method, path string, body io.Reader, header http.Header) (oauthserver.Echo, *http.Response) {
	r.t.Helper()
	resp, data := r.do(method, path, body, header)
	var e oauthserver.Echo
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &e) != nil {
		r.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return e, resp
}

// apiError decodes an error the proxy answered itself.
func apiError(t *testing.T, data []byte) socket.APIError {
	t.Helper()
	var e socket.APIError
	if err := json.Unmarshal(data, &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("not an error answer: %q", data)
	}
	return e
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
