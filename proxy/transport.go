package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/tokentray/tokentray/platform/socket"
)

// RetryHeader says on the answer what the proxy did about a 401 from the
// upstream: retried it once with a refreshed token, or why not.
const RetryHeader = "Tokentray-Proxy-Retry"

// tokenTransport sends each request to the upstream with the current
// token in place of anything the caller sent, and a DPoP proof made for
// it when the token is bound. A 401 gets one forced refresh and one more
// try, when the request can be sent again (its body was kept).
type tokenTransport struct {
	base   http.RoundTripper
	tokens Tokens
}

// forwarded is what ServeHTTP knows of a request that the transport needs.
type forwarded struct {
	caller *Caller
	body   body
}

type forwardedKey struct{}

// tokenError is a token read that failed: the caller is told why, as the
// socket would tell it (errorAnswer).
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "no token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f, _ := req.Context().Value(forwardedKey{}).(*forwarded)
	if f == nil {
		return nil, errors.New("a request the proxy did not accept")
	}
	resp, err := t.send(req, f, false, false)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if f.body.notKeptWhy != "" {
		resp.Header.Set(RetryHeader, "not retried: "+f.body.notKeptWhy)
		return resp, nil
	}
	// A DPoP nonce demand is answered with a new proof for the same
	// token; anything else with a fresh token.
	force := !nonceDemanded(resp)
	retried, err := t.send(req, f, force, true)
	if err != nil {
		var te *tokenError
		if !errors.As(err, &te) {
			discard(resp)
			return nil, err
		}
		resp.Header.Set(RetryHeader, "not retried: the token could not be refreshed: "+oneLine(te.err.Error()))
		return resp, nil
	}
	discard(resp)
	why := "retried once with a refreshed token after a 401"
	if !force {
		why = "retried once with the DPoP nonce the upstream demanded"
	}
	retried.Header.Set(RetryHeader, why)
	return retried, nil
}

// send sends a copy of req with a token read now (refreshed first with
// force); again sends the kept body from its start once more.
func (t *tokenTransport) send(orig *http.Request, f *forwarded, force, again bool) (*http.Response, error) {
	target := orig.URL.String()
	tok, err := t.tokens.Token(orig.Context(), TokenRequest{Caller: f.caller, Method: orig.Method, URL: target, Force: force})
	if err != nil {
		return nil, &tokenError{err}
	}
	// The first time, orig is ReverseProxy's own copy of the caller's
	// request, made for this one send: set the headers on it. Again, a
	// copy (sharing nothing but the kept body, read from its start).
	req := orig
	if again {
		req = orig.Clone(orig.Context())
		f.body.apply(req)
	}
	req.Header.Del("DPoP")
	req.Header.Set("Authorization", socket.AuthorizationValue(tok.TokenType, tok.AccessToken.Reveal()))
	if tok.DPoP != "" {
		req.Header.Set("DPoP", tok.DPoP.Reveal())
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if nonce := resp.Header.Get("DPoP-Nonce"); nonce != "" {
		t.tokens.NoteNonce(target, nonce)
	}
	return resp, nil
}

// nonceDemanded: RFC 9449 §9, the resource server wants a proof with its nonce.
func nonceDemanded(resp *http.Response) bool {
	return resp.Header.Get("DPoP-Nonce") != "" && strings.Contains(resp.Header.Get("WWW-Authenticate"), "use_dpop_nonce")
}

// discard reads a little of an answer not passed on, so its connection
// can be used again, and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

func contextWith(ctx context.Context, f *forwarded) context.Context {
	return context.WithValue(ctx, forwardedKey{}, f)
}
