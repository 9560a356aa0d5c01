// Package proxy is tokentray's local proxy, for tools that cannot fetch
// a token themselves (Postman, Insomnia, a browser-based API client, a
// legacy script): a plain HTTP server on loopback that forwards every
// request to one upstream with an environment's current token.
//
// Each request goes to the upstream with its method, path (under the
// upstream's base path), query, headers and streamed body; the caller's
// Authorization and DPoP headers are replaced by the environment's
// token, read through the engine for that request (Tokens), with a fresh
// DPoP proof when the token is bound. Answers, streams included, pass
// through as they come (httputil.ReverseProxy). Only
// the user who runs it may connect (peer.go); the upstream is fixed, so
// requests in proxy form (GET http://elsewhere/...) and CONNECT are
// refused: it is no open relay.
//
// The host runs one per environment with proxy_listen (Engine tokens);
// `tokentray proxy ENV --upstream URL` runs one in the foreground
// (Socket tokens, from the running tokentray).
package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// Options say what a Proxy forwards where.
type Options struct {
	Env      string   // the environment whose token it adds, for messages
	Upstream *url.URL // checked as config.ProxyUpstreamProblem says
	Tokens   Tokens
	// Transport sends to the upstream; nil: NewTransport(nil). For
	// tls_client_auth it presents the client certificate the tokens are
	// bound to (manager.ResourceHTTPClient).
	Transport http.RoundTripper
	Log       *slog.Logger // nil: slog.Default()
}

// Proxy forwards requests to one upstream with one environment's token.
type Proxy struct {
	opts Options
	rp   *httputil.ReverseProxy
}

// New checks o and makes the proxy.
func New(o Options) (*Proxy, error) {
	if o.Upstream == nil || o.Tokens == nil {
		return nil, errors.New("proxy: an upstream and a token source are needed")
	}
	if msg := config.ProxyUpstreamProblem(o.Upstream.String()); msg != "" {
		return nil, fmt.Errorf("upstream %s", msg)
	}
	if o.Transport == nil {
		o.Transport = NewTransport(nil)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	p := &Proxy{opts: o}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(o.Upstream) // X-Forwarded-* are not set: the upstream need not know
			if f, ok := pr.In.Context().Value(forwardedKey{}).(*forwarded); ok {
				f.body.apply(pr.Out)
			}
		},
		Transport: &tokenTransport{base: o.Transport, tokens: o.Tokens},
		// FlushInterval 0: ReverseProxy flushes server-sent events and
		// bodies of unknown length (chunked downloads) at once by itself;
		// a body of known length is copied through 32 KiB at a time,
		// never held. Flushing every answer would cost small ones a write
		// for the headers and one more for the body.
		BufferPool:   sharedBuffers,
		ErrorHandler: p.forwardFailed,
		ErrorLog:     slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	return p, nil
}

// sharedBuffers serve every proxy of the process.
var sharedBuffers = &buffers{}

// NewTransport is a transport to upstreams: base (nil: Go's default
// transport) with room for as many idle connections as callers keep open.
func NewTransport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.Proxy = nil // an HTTP(S)_PROXY of the environment would see the token
	// Accept-Encoding as the caller sent it, and the answer as it comes:
	// no gzip asked for, and unpacked, behind the caller's back.
	tr.DisableCompression = true
	return tr
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r.Context())
	if err != nil {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusForbidden, socket.CodeForbidden, err.Error())
		return
	}
	if msg := p.refusal(r); msg != "" {
		writeError(w, http.StatusBadRequest, socket.CodeBadRequest, msg)
		return
	}
	b, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, socket.CodeBadRequest, "could not read the request body: "+err.Error())
		return
	}
	ctx := contextWith(r.Context(), &forwarded{caller: caller, body: b})
	p.rp.ServeHTTP(w, r.WithContext(ctx))
}

// refusal says why r is not forwarded, or "": the proxy forwards to its
// upstream only, and only to paths under the upstream's base path.
func (p *Proxy) refusal(r *http.Request) string {
	if r.Method == http.MethodConnect || !strings.HasPrefix(r.RequestURI, "/") {
		return fmt.Sprintf("this proxy forwards to %s only: send requests to it as to that server (http://%s/PATH), not as to a forward proxy", p.opts.Upstream, r.Host)
	}
	for seg := range strings.SplitSeq(r.URL.EscapedPath(), "/") {
		if s, err := url.PathUnescape(seg); err != nil || s == "." || s == ".." {
			return fmt.Sprintf("the path %s has a '.' or '..' segment: requests stay under %s", config.Printable(r.URL.EscapedPath(), 200), p.opts.Upstream)
		}
	}
	return ""
}

// forwardFailed answers a request that got no answer from the upstream:
// no token (as the socket says why), or the upstream not reached.
func (p *Proxy) forwardFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the caller went away
	}
	var te *tokenError
	if errors.As(err, &te) {
		var api *socket.APIError
		if errors.As(te.err, &api) && api.Status != 0 {
			writeError(w, api.Status, api.Code, api.Message)
			return
		}
		writeError(w, http.StatusBadGateway, "no_token", fmt.Sprintf("no token of %s: %v", p.opts.Env, te.err))
		return
	}
	var ue *url.Error // names the whole URL: the caller may see it, the log not
	if errors.As(err, &ue) {
		err = ue.Err
	}
	p.opts.Log.Warn("proxy: the upstream was not reached", "env", p.opts.Env, "method", r.Method, "upstream", p.opts.Upstream.String(), "error", err)
	writeError(w, http.StatusBadGateway, "upstream_unreachable", fmt.Sprintf("%s was not reached: %v", p.opts.Upstream, err))
}

// writeError answers as the socket does, msg made one line.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	server.WriteError(w, status, code, oneLine(msg))
}

// oneLine is text from elsewhere made fit for a header or a message.
func oneLine(s string) string { return config.Printable(s, 300) }
