package manager

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokentray/tokentray/config"
	"golang.org/x/oauth2"
)

// Client authentication beyond the client secret, and DPoP. x/oauth2 stays
// the grant machinery: its Exchange, token source refresh and client
// credentials, and the engine's own device polling and revocation, all
// send through the *http.Client of a tokenCall. For a JWT method or DPoP
// that client's transport (authTransport) adds the client assertion and
// the DPoP proof to each request; for tls_client_auth it presents the
// client certificate. Nothing is added to, signed for or presented at
// any origin but the token endpoint's the secret was given for (origin.go).

// tokenCall is one call to the token side of the provider (token,
// revocation and device endpoints), authenticated as the environment says.
type tokenCall struct {
	conf   *oauth2.Config // ClientSecret is set only where the secret itself is sent
	client *http.Client
	origin string   // the token endpoint's origin
	dpop   *dpopKey // the key the answer's tokens are bound to; nil without dpop
}

// context is ctx with the call's client, for x/oauth2.
func (c *tokenCall) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.client)
}

// newTokenCall resolves the endpoints (discovery when the environment
// names an issuer) and the client authentication. The auth style is
// always explicit (see authStyle), so a fresh config per call costs
// x/oauth2 no probing.
func (e *environment) newTokenCall(ctx context.Context, redirect string) (*tokenCall, error) {
	ep, err := e.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	origin := originOf(ep.TokenURL)
	secret, err := e.clientSecret(ctx, origin)
	if err != nil {
		return nil, err
	}
	style := cmp.Or(e.cfg.AuthStyle, ep.AuthStyle)
	call := &tokenCall{
		conf: &oauth2.Config{
			ClientID: e.cfg.ClientID,
			Endpoint: oauth2.Endpoint{
				AuthURL:       ep.AuthURL,
				TokenURL:      ep.TokenURL,
				DeviceAuthURL: ep.DeviceURL,
				AuthStyle:     authStyle(style),
			},
			RedirectURL: redirect,
			Scopes:      e.cfg.Scopes,
		},
		client: e.m.http,
		origin: origin,
	}
	auth, err := e.clientAuth(style, secret, ep.TokenURL)
	if err != nil {
		return nil, err
	}
	if auth.sendsSecret() {
		call.conf.ClientSecret = secret.Reveal()
	} else {
		// client_id in the body, nothing else: the transport adds the rest.
		call.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	if e.cfg.DPoP {
		if call.dpop, err = e.dpopKeyForCall(); err != nil {
			return nil, err
		}
	}
	call.client = e.m.clientWith(auth, origin, ep.TokenURL, call.dpop)
	return call, nil
}

// clientAuth is what authenticates the client besides x/oauth2's secret.
type clientAuth struct {
	assertion *assertionSigner  // private_key_jwt, client_secret_jwt
	tls       http.RoundTripper // tls_client_auth: presents the certificate
}

func (a clientAuth) sendsSecret() bool { return a.assertion == nil && a.tls == nil }

// clientAuth builds style's authentication from secret (which may be ""
// for a public client) for the token endpoint at tokenURL. A secret that
// does not fit is the user's to replace: an *ActionError, never retried.
func (e *environment) clientAuth(style string, secret Secret, tokenURL string) (clientAuth, error) {
	if secret == "" {
		return clientAuth{}, nil
	}
	cfg := e.cfg
	cfg.AuthStyle = style
	if reason := secretProblem(cfg, secret); reason != "" {
		return clientAuth{}, e.unfitSecretError(style, reason)
	}
	switch style {
	case config.AuthStylePrivateKeyJWT, config.AuthStyleClientSecretJWT:
		signer, err := newAssertionSigner(cfg, secret, tokenURL)
		if err != nil {
			return clientAuth{}, e.unfitSecretError(style, err.Error())
		}
		return clientAuth{assertion: signer}, nil
	case config.AuthStyleTLSClientAuth:
		rt, err := e.certificateTransport(secret)
		if err != nil {
			return clientAuth{}, err
		}
		return clientAuth{tls: rt}, nil
	}
	return clientAuth{}, nil
}

func (e *environment) unfitSecretError(style, reason string) error {
	se := &SecretError{Env: e.cfg.Name, AuthStyle: styleName(style), Reason: reason}
	next := Next{Action: NextSetSecret}
	if e.cfg.SecretIsPrivateKey() {
		next.Key = "private_key"
	}
	return &ActionError{Env: e.cfg.Name, Err: fmt.Errorf("%w (%w)", se, ErrUnconfigured), Next: next}
}

// certificateTransport is the transport that presents the environment's
// client certificate with the private key secret: one per environment
// and secret, so its connections are reused and never shared with
// another certificate.
func (e *environment) certificateTransport(secret Secret) (http.RoundTripper, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.certTransport != nil && e.certSecret == secret {
		return e.certTransport, nil
	}
	tr, err := e.m.transportWithCertificate(e.cfg.ClientCertificate, secret)
	if err != nil {
		return nil, &ActionError{Env: e.cfg.Name, Err: fmt.Errorf("%s: %w (%w)", e.cfg.Name, err, ErrUnconfigured), Next: Next{Action: NextSetSecret, Key: "private_key"}}
	}
	if e.certTransport != nil {
		e.certTransport.CloseIdleConnections()
	}
	e.certTransport, e.certSecret = tr, secret
	return tr, nil
}

// transportWithCertificate is the engine's transport presenting the
// certificate of certPEM with the private key keyPEM.
func (m *Manager) transportWithCertificate(certPEM string, keyPEM Secret) (*http.Transport, error) {
	cert, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM.Reveal()))
	if err != nil {
		// crypto/tls names what does not match, never the key's bytes.
		return nil, fmt.Errorf("client certificate and private key: %v", err)
	}
	var tr *http.Transport
	switch base := m.http.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = base.Clone()
	default:
		return nil, fmt.Errorf("the engine's HTTP transport (%T) cannot present a client certificate", base)
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	return tr, nil
}

// ResourceHTTPClient is the client the local proxy forwards requests for
// name with: for tls_client_auth it presents the environment's client
// certificate, which certificate-bound tokens (cnf.x5t#S256, RFC 8705)
// need at the resource server too; otherwise the engine's own client.
func (m *Manager) ResourceHTTPClient(name string) (*http.Client, error) {
	e, err := m.env(name)
	if err != nil {
		return nil, err
	}
	if e.cfg.AuthStyle != config.AuthStyleTLSClientAuth {
		return m.http, nil
	}
	if err := e.ensureLoaded(); err != nil {
		return nil, err // locked: unlock first, not "set a key"
	}
	e.mu.Lock()
	secret := e.secret
	e.mu.Unlock()
	if secret == "" {
		return nil, e.unfitSecretError(e.cfg.AuthStyle, "no private key is stored")
	}
	tr, err := m.transportWithCertificate(e.cfg.ClientCertificate, secret)
	if err != nil {
		return nil, err
	}
	c := *m.http
	c.Transport = tr
	return &c, nil
}

// dpopKeyForCall is the key the next tokens are bound to: the one the
// current tokens are bound to, else a new one that stays with the tokens
// it gets.
func (e *environment) dpopKeyForCall() (*dpopKey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tok != nil && e.tok.dpop != nil {
		return e.tok.dpop, nil
	}
	return newDPoPKey()
}

// clientWith is the engine's client, with a transport adding auth and
// DPoP proofs for the token endpoint at tokenURL when there are any.
func (m *Manager) clientWith(auth clientAuth, origin, tokenURL string, key *dpopKey) *http.Client {
	if auth.sendsSecret() && key == nil {
		return m.http
	}
	base := m.http.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	target, _ := proofTarget(tokenURL) // a configured or discovered URL: absolute
	c := *m.http
	c.Transport = &authTransport{base: base, auth: auth, origin: origin, tokenURL: target, dpop: key, nonces: &m.nonces}
	return &c
}

// authTransport adds client assertions and DPoP proofs to the requests
// of a tokenCall, presents the client certificate, and answers a
// use_dpop_nonce demand by sending the request once more with the
// server's nonce.
type authTransport struct {
	base     http.RoundTripper
	auth     clientAuth
	origin   string // nothing is added or presented elsewhere
	tokenURL string // proofs go to the token endpoint only
	dpop     *dpopKey
	nonces   *dpopNonces
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if originOf(req.URL.String()) != t.origin {
		return t.base.RoundTrip(req) // another origin: as it is (a redirect, a device page)
	}
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	resp, err := t.send(req, body)
	if err != nil || !t.nonceDemanded(req, resp) {
		return resp, err
	}
	// Once: a second demand is the answer (no loop against a server
	// whose nonce changes with every request).
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return t.send(req, body)
}

// send sends a copy of req with a fresh assertion and proof.
func (t *authTransport) send(orig *http.Request, body []byte) (*http.Response, error) {
	req := orig.Clone(orig.Context())
	now := time.Now() // the provider checks iat and exp against its wall clock
	if t.auth.assertion != nil && isForm(req) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("client assertion: the request body is no form: %w", err)
		}
		assertion, err := t.auth.assertion.sign(now)
		if err != nil {
			return nil, fmt.Errorf("sign the client assertion: %w", err)
		}
		form.Del("client_secret")
		form.Set("client_assertion_type", jwtBearerAssertion)
		form.Set("client_assertion", assertion)
		body = []byte(form.Encode())
		req.Header.Del("Authorization") // one method only (RFC 6749 §2.3)
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	if t.dpop != nil && t.isTokenEndpoint(req.URL) {
		proof, err := t.dpop.proof(req.Method, req.URL.String(), t.nonces.get(t.origin), "", now)
		if err != nil {
			return nil, fmt.Errorf("make the DPoP proof: %w", err)
		}
		req.Header.Set("DPoP", proof)
	}
	rt := t.base
	if t.auth.tls != nil {
		rt = t.auth.tls
	}
	resp, err := rt.RoundTrip(req)
	if err == nil {
		t.nonces.set(t.origin, resp.Header.Get("DPoP-Nonce")) // success or not (RFC 9449 §8)
	}
	return resp, err
}

func (t *authTransport) isTokenEndpoint(u *url.URL) bool {
	target, err := proofTarget(u.String())
	return err == nil && target == t.tokenURL
}

// nonceDemanded reports whether resp is RFC 9449 §8's use_dpop_nonce
// answer with a nonce to retry with. It reads the body (an error answer
// is small) and leaves it readable.
func (t *authTransport) nonceDemanded(req *http.Request, resp *http.Response) bool {
	if t.dpop == nil || !t.isTokenEndpoint(req.URL) || resp.Header.Get("DPoP-Nonce") == "" ||
		(resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized) {
		return false
	}
	if strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
		return true
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var answer struct {
		Error string `json:"error"`
	}
	return err == nil && json.Unmarshal(data, &answer) == nil && answer.Error == "use_dpop_nonce"
}

func isForm(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}
