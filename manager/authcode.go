package manager

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/tokentray/tokentray/config"
	"golang.org/x/oauth2"
)

// startCodeLogin runs the authorization code grant with PKCE S256 and
// state. With a loopback redirect URI (or none) the provider's redirect
// lands on a loopback listener (RFC 8252); the URL the browser ended on can
// also be pasted (CompleteLogin), and whichever comes first wins. With an
// https:// redirect URI (the integrator's own server) nothing can listen
// there: no listener is started and the login is finished only by pasting.
func (e *environment) startCodeLogin(ctx context.Context) (LoginInfo, error) {
	if config.RedirectNeedsPaste(e.cfg.RedirectURI) {
		return e.startPasteLogin(ctx)
	}
	lns, redirect, err := listenLoopback(e.cfg.RedirectURI)
	if err != nil {
		return LoginInfo{}, fmt.Errorf("%s: %w", e.cfg.Name, err)
	}
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	s, sctx, err := e.beginCodeLogin(ctx, redirect.String())
	if err != nil {
		closeAll()
		return LoginInfo{}, err
	}
	cb := &callback{env: e, session: s, grant: s.grant, path: redirect.Path}
	// Short timeouts: a browser sends its request at once, and a
	// connection left idle only holds a file open.
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		IdleTimeout: 5 * time.Second, MaxHeaderBytes: 16 << 10}
	guard := newCallbackGuard(e.m.log, e.cfg.Name, e.m.opts.CallbackPeerUID)
	e.m.wg.Add(1 + len(lns))
	for _, ln := range lns {
		go func() {
			defer e.m.wg.Done()
			_ = srv.Serve(guard.wrap(ln))
		}()
	}
	go func() {
		defer e.m.wg.Done()
		<-s.done
		// Give the last page a moment to reach the browser, then close.
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		guard.close()
	}()
	e.watchTimeout(s, sctx)
	return s.info, nil
}

// beginCodeLogin makes and registers the session of an authorization code
// login redirecting to redirect: verifier, state and the authorization URL.
func (e *environment) beginCodeLogin(ctx context.Context, redirect string) (*loginSession, context.Context, error) {
	call, err := e.newTokenCall(ctx, redirect)
	if err != nil {
		return nil, nil, err
	}
	g := &codeGrant{call: call, verifier: oauth2.GenerateVerifier(), state: randomState(), issuer: e.cfg.Issuer}
	s, sctx := e.newSession()
	s.grant = g
	s.origin, s.dpop = call.origin, call.dpop
	s.info = LoginInfo{
		AuthorizationURL: call.conf.AuthCodeURL(g.state, oauth2.S256ChallengeOption(g.verifier)),
		ExpiresAt:        e.expiry(e.m.opts.LoginTimeout),
	}
	if err := e.begin(s); err != nil {
		s.cancel()
		return nil, nil, err
	}
	return s, sctx, nil
}

// codeGrant is what a running authorization code login checks a response
// against and redeems its code with. One response is accepted, whether it
// arrives at the loopback listener or is pasted.
type codeGrant struct {
	call     *tokenCall
	verifier string
	state    string
	issuer   string

	mu       sync.Mutex
	accepted bool
}

// claim reports whether the caller is the first to hand in a response.
func (g *codeGrant) claim() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.accepted {
		return false
	}
	g.accepted = true
	return true
}

// stateMatches compares in constant time.
func (g *codeGrant) stateMatches(state string) bool {
	return subtle.ConstantTimeCompare([]byte(state), []byte(g.state)) == 1
}

// refuse ends the session with the provider's error response. error and
// error_description come from outside: kept only printable and short.
func (e *environment) refuse(s *loginSession, oauthErr, description string) error {
	shownErr := config.Printable(oauthErr, 64)
	pe := &ProviderError{Env: e.cfg.Name, Code: shownErr, Description: config.Printable(description, 0), StatusCode: http.StatusFound, Err: errors.New(shownErr)}
	var err error = pe
	if oauthErr == "access_denied" {
		err = fmt.Errorf("%s: authorization denied (access_denied): %w", e.cfg.Name, pe)
	}
	e.finish(s, nil, err)
	return err
}

// redeem exchanges code with the PKCE verifier and ends the session.
func (e *environment) redeem(s *loginSession, g *codeGrant, code string) error {
	ctx, cancel := context.WithTimeout(e.ctx, providerTimeout)
	defer cancel()
	ot, err := g.call.conf.Exchange(g.call.context(ctx), code, oauth2.VerifierOption(g.verifier))
	if err != nil {
		pe := e.providerError(err, code, g.verifier)
		e.mu.Lock()
		e.answer = answerOf(pe, e.m.clock.Now())
		e.mu.Unlock()
		e.finish(s, nil, pe)
		return pe
	}
	e.finish(s, ot, nil)
	return nil
}

func randomState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// callback is the loopback listener's handler. It accepts one valid
// callback: the right state, then a code or an error. Anything else (a
// wrong state, a tab left open, a replay) gets a page and changes nothing.
type callback struct {
	env     *environment
	session *loginSession
	grant   *codeGrant
	path    string
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != c.path {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	state, code, oauthErr := q.Get("state"), q.Get("code"), q.Get("error")
	g := c.grant
	switch {
	case state == "" && code == "" && oauthErr == "":
		page(w, http.StatusBadRequest, "Nothing to do here", "This page is tokentray's sign-in listener. Start the sign-in from tokentray.")
		return
	case !g.stateMatches(state):
		page(w, http.StatusBadRequest, "Sign-in not accepted", "This response does not belong to the sign-in tokentray started (state mismatch). Start the sign-in again from tokentray.")
		return
	case g.issuer != "" && q.Has("iss") && q.Get("iss") != g.issuer:
		page(w, http.StatusBadRequest, "Sign-in not accepted", "The response came from an unexpected issuer.")
		return
	}
	if !g.claim() {
		page(w, http.StatusConflict, "Already done", "This sign-in has already been handled. You can close this tab.")
		return
	}

	e := c.env
	if oauthErr != "" {
		if oauthErr == "access_denied" {
			page(w, http.StatusOK, "Sign-in denied", "The authorization was denied. Nothing was stored. You can close this tab.")
		} else {
			page(w, http.StatusOK, "Sign-in failed", "The provider answered "+config.Printable(oauthErr, 64)+". You can close this tab and try again.")
		}
		_ = e.refuse(c.session, oauthErr, q.Get("error_description"))
		return
	}
	if code == "" {
		page(w, http.StatusBadRequest, "Sign-in failed", "The provider sent no authorization code.")
		e.finish(c.session, nil, fmt.Errorf("%s: callback without a code", e.cfg.Name))
		return
	}
	if err := e.redeem(c.session, g, code); err != nil {
		page(w, http.StatusBadGateway, "Sign-in failed", "tokentray could not exchange the code for tokens. Try again from tokentray.")
		return
	}
	page(w, http.StatusOK, "Signed in", "tokentray has the tokens for "+e.cfg.Name+". You can close this tab.")
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>tokentray: {{.Title}}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:4em auto;color:#222}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

// page writes the small page the browser shows. It never holds a token.
func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, struct{ Title, Text string }{title, text})
}
