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
// state, redirecting to a loopback listener (RFC 8252).
func (e *environment) startCodeLogin(ctx context.Context) (LoginInfo, error) {
	lns, redirect, err := listenLoopback(e.cfg.RedirectURI)
	if err != nil {
		return LoginInfo{}, fmt.Errorf("%s: %w", e.cfg.Name, err)
	}
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	conf, err := e.oauthConfig(ctx, redirect.String())
	if err != nil {
		closeAll()
		return LoginInfo{}, err
	}
	verifier := oauth2.GenerateVerifier()
	state := randomState()
	s, sctx := e.newSession()
	s.info = LoginInfo{
		AuthorizationURL: conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)),
		ExpiresAt:        e.expiry(e.m.opts.LoginTimeout),
	}
	if err := e.begin(s); err != nil {
		closeAll()
		s.cancel()
		return LoginInfo{}, err
	}
	cb := &callback{env: e, session: s, conf: conf, verifier: verifier, state: state, path: redirect.Path, issuer: e.cfg.Issuer}
	// Short timeouts: a browser sends its request at once, and a
	// connection left idle only holds a file open.
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		IdleTimeout: 5 * time.Second, MaxHeaderBytes: 16 << 10}
	guard := newCallbackGuard(e.m.log, e.cfg.Name)
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

func randomState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// callback is the loopback listener's handler. It accepts one valid
// callback: the right state, then a code or an error. Anything else (a
// wrong state, a tab left open, a replay) gets a page and changes nothing.
type callback struct {
	env      *environment
	session  *loginSession
	conf     *oauth2.Config
	verifier string
	state    string
	path     string
	issuer   string

	mu       sync.Mutex
	accepted bool
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != c.path {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	state, code, oauthErr := q.Get("state"), q.Get("code"), q.Get("error")
	// error and error_description come from outside: shown only printable and short.
	shownErr, description := config.Printable(oauthErr, 64), config.Printable(q.Get("error_description"), 0)
	switch {
	case state == "" && code == "" && oauthErr == "":
		page(w, http.StatusBadRequest, "Nothing to do here", "This page is tokentray's sign-in listener. Start the sign-in from tokentray.")
		return
	case subtle.ConstantTimeCompare([]byte(state), []byte(c.state)) != 1:
		page(w, http.StatusBadRequest, "Sign-in not accepted", "This response does not belong to the sign-in tokentray started (state mismatch). Start the sign-in again from tokentray.")
		return
	case c.issuer != "" && q.Has("iss") && q.Get("iss") != c.issuer:
		page(w, http.StatusBadRequest, "Sign-in not accepted", "The response came from an unexpected issuer.")
		return
	}
	c.mu.Lock()
	if c.accepted {
		c.mu.Unlock()
		page(w, http.StatusConflict, "Already done", "This sign-in has already been handled. You can close this tab.")
		return
	}
	c.accepted = true
	c.mu.Unlock()

	e := c.env
	if oauthErr != "" {
		err := &ProviderError{Env: e.cfg.Name, Code: shownErr, Description: description, StatusCode: http.StatusFound, Err: errors.New(shownErr)}
		if oauthErr == "access_denied" {
			page(w, http.StatusOK, "Sign-in denied", "The authorization was denied. Nothing was stored. You can close this tab.")
			e.finish(c.session, nil, fmt.Errorf("%s: authorization denied (access_denied): %w", e.cfg.Name, err))
			return
		}
		page(w, http.StatusOK, "Sign-in failed", "The provider answered "+shownErr+". You can close this tab and try again.")
		e.finish(c.session, nil, err)
		return
	}
	if code == "" {
		page(w, http.StatusBadRequest, "Sign-in failed", "The provider sent no authorization code.")
		e.finish(c.session, nil, fmt.Errorf("%s: callback without a code", e.cfg.Name))
		return
	}
	ctx, cancel := context.WithTimeout(e.ctx, providerTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, e.m.http)
	ot, err := c.conf.Exchange(ctx, code, oauth2.VerifierOption(c.verifier))
	if err != nil {
		pe := asProviderError(e.cfg.Name, err)
		page(w, http.StatusBadGateway, "Sign-in failed", "tokentray could not exchange the code for tokens. Try again from tokentray.")
		e.finish(c.session, nil, pe)
		return
	}
	page(w, http.StatusOK, "Signed in", "tokentray has the tokens for "+e.cfg.Name+". You can close this tab.")
	e.finish(c.session, ot, nil)
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
