// Package oauthserver runs a real OAuth2 authorization server on loopback
// for tests. It is github.com/go-oauth2/oauth2/v4 (memory token store,
// auto-approving user) with a thin layer in front that counts requests,
// injects faults and fixes the few places where the library strays from
// RFC 6749/7636/8252.
package oauthserver

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/generates"
	"github.com/go-oauth2/oauth2/v4/manage"
	lib "github.com/go-oauth2/oauth2/v4/server"
	"github.com/go-oauth2/oauth2/v4/store"
)

// Default client credentials and user of a server started with no Clients.
const (
	DefaultClientID     = "test-client"
	DefaultClientSecret = "test-secret"
	DefaultUserID       = "test-user"
)

// Options configure a Server. The zero value is a Zepto-like provider:
// 2h access tokens, rotating refresh tokens, PKCE S256 required, client
// authentication by form or Basic header, one client "test-client" that may
// redirect to any loopback port.
type Options struct {
	// Addr is the listen address (default "127.0.0.1:0", a free port). It
	// must be a loopback address.
	Addr string
	// AccessTokenTTL is the access token lifetime (default 2h). It must be
	// at least one second because expires_in is whole seconds.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the refresh token lifetime (default: never expires).
	RefreshTokenTTL time.Duration
	// KeepRefreshToken turns refresh token rotation off: a refresh answers
	// without refresh_token and the old one stays valid. By default every
	// refresh issues a new refresh token and the old one is invalid after.
	KeepRefreshToken bool
	// ClientAuth is "form" (client_secret_post), "header"
	// (client_secret_basic) or "" for both.
	ClientAuth string
	// PKCEOptional accepts authorization requests without code_challenge.
	// By default PKCE is required. Only S256 is ever accepted.
	PKCEOptional bool
	// Clients registered at start (default: DefaultClientID/DefaultClientSecret
	// with loopback redirect URIs).
	Clients []Client
	// Scopes, when set, are the only scopes a client may request;
	// anything else is invalid_scope. Empty allows any scope.
	Scopes []string
	// TokenType is the token_type answered (default "Bearer"; Zepto says "bearer").
	TokenType string

	// TLS serves HTTPS on 127.0.0.1 with a CA made for this server (see
	// CACertPEM, IssueClientCert, HTTPClient; Follow trusts it). Client
	// certificates are requested, not required: they authenticate
	// tls_client_auth clients, and the tokens issued to a connection that
	// presented one are bound to it (RFC 8705).
	TLS bool
	// AssertionAudience is what a client assertion's aud must contain:
	// "token_endpoint" or "" (TokenURL; at /revoke RevokeURL also does),
	// "issuer" (the metadata issuer) or "any" (either).
	AssertionAudience string
	// ClockSkew widens every time check on assertions and DPoP proofs
	// (default 5s).
	ClockSkew time.Duration
	// DPoP accepts DPoP proofs (RFC 9449) at /token and binds the tokens
	// issued with one to the proof's key (token_type "DPoP"); refreshing a
	// bound refresh token then needs a proof with that key. Without it a
	// DPoP header is ignored. Any of the DPoP options below, or a
	// Client.RequireDPoP, turns it on.
	DPoP bool
	// RequireDPoP refuses token requests without a DPoP proof.
	RequireDPoP bool
	// DPoPNonce makes /token demand the server's current nonce in proofs
	// (use_dpop_nonce otherwise); see RotateDPoPNonce.
	DPoPNonce bool
	// DPoPResourceNonce makes the protected resources demand it too.
	DPoPResourceNonce bool
}

// Client is a registered OAuth client.
type Client struct {
	ID string
	// Secret is checked by client_secret_basic/post and, when it has 32
	// bytes or more, verifies client_secret_jwt (HS256; RFC 7518 §3.2 bars
	// shorter keys). Empty without PublicKey or TLSClientAuth: a public
	// client (no client_credentials grant).
	Secret string
	// RedirectURIs allowed for this client. An http loopback URI
	// (127.0.0.1, [::1], localhost) matches on any port (RFC 8252 §7.3);
	// with no path or "/" it also matches any path.
	RedirectURIs []string

	// PublicKey verifies private_key_jwt assertions: an *rsa.PublicKey
	// (RS256, PS256), *ecdsa.PublicKey on P-256 (ES256) or ed25519.PublicKey
	// (EdDSA), or PEM text ([]byte or string) of a PUBLIC KEY or a
	// CERTIFICATE (which also sets Certificate). Nil takes Certificate's key.
	// A client with a key and no Secret can only authenticate by assertion.
	PublicKey crypto.PublicKey
	// Certificate is the client's certificate: assertion headers x5t and
	// x5t#S256 must match it, and a TLSClientAuth client must present it.
	Certificate *x509.Certificate
	// RequireAssertion refuses client_secret_basic/post for this client: it
	// must send a private_key_jwt or client_secret_jwt assertion.
	RequireAssertion bool
	// RequireThumbprint refuses assertions without an x5t or x5t#S256
	// header, as Entra ID does. It needs Certificate.
	RequireThumbprint bool
	// TLSClientAuth authenticates the client at /token by the certificate
	// on the TLS connection (RFC 8705 tls_client_auth), client_id in the
	// body and no secret: Certificate must be presented, or, without
	// Certificate, any certificate from the server's CA whose subject is
	// TLSSubjectDN. Needs Options.TLS.
	TLSClientAuth bool
	// TLSSubjectDN is the subject a TLSClientAuth client's certificate must
	// carry, as x509's Name.String prints it (e.g. "CN=tray"). Setting it
	// sets TLSClientAuth.
	TLSSubjectDN string
	// RequireDPoP refuses this client's token requests without a DPoP proof.
	RequireDPoP bool
}

// DefaultClient is the client registered when Options.Clients is empty.
func DefaultClient() Client {
	return Client{
		ID:           DefaultClientID,
		Secret:       DefaultClientSecret,
		RedirectURIs: []string{"http://127.0.0.1/", "http://localhost/", "http://[::1]/"},
	}
}

// Server is a running authorization server on 127.0.0.1.
type Server struct {
	URL string // http://127.0.0.1:port (https with Options.TLS), no trailing slash

	opts    Options
	http    *httptest.Server
	lib     *lib.Server
	manager *manage.Manager
	tokens  *trackingStore
	clients map[string]Client

	closing   chan struct{}
	closeOnce sync.Once

	refreshMu sync.Mutex // serializes refresh grants, see handleToken

	ca           *testCA // nil unless Options.TLS
	assertionIDs seenIDs // jti of accepted client assertions
	proofIDs     seenIDs // jti of accepted DPoP proofs

	mu sync.Mutex
	faultState
	recordState
	authRecord
	dpopState
	resourceState
	bindings map[string]TokenBinding // by access or refresh token
	issuer   string
}

// Start starts a server for the test and closes it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("start oauth server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a server; the caller must Close it.
func New(opts Options) (*Server, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, clients: map[string]Client{}, closing: make(chan struct{}), bindings: map[string]TokenBinding{}}
	s.nonce = newNonce()
	if err := s.setupLibrary(); err != nil {
		return nil, err
	}
	if opts.TLS {
		if s.ca, err = newTestCA(); err != nil {
			return nil, err
		}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("oauthserver: listen on %s: %w", opts.Addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", s.handleAuthorize)
	mux.HandleFunc("/token", s.handleToken)
	mux.HandleFunc("/revoke", s.handleRevoke)
	mux.HandleFunc("/api/me", s.handleResource)
	mux.HandleFunc("/resource", s.handleEcho)
	mux.HandleFunc("/resource/", s.handleEcho)
	mux.HandleFunc("/resource/stream", s.handleStream)
	mux.HandleFunc("/resource/events", s.handleEvents)
	mux.HandleFunc("/.well-known/oauth-authorization-server", s.handleMetadata)
	s.http = httptest.NewUnstartedServer(mux)
	s.http.Listener = ln
	if s.ca != nil {
		s.http.TLS = s.ca.serverTLSConfig()
		// A client that does not trust the CA is a test's own business;
		// the handshake error log would only be noise.
		s.http.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.http.StartTLS()
		trustCA(s)
	} else {
		s.http.Start()
	}
	s.URL = s.http.URL
	return s, nil
}

func withDefaults(o Options) (Options, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if host, _, err := net.SplitHostPort(o.Addr); err != nil || !isLoopback(host) {
		return o, fmt.Errorf("oauthserver: Addr %q: want a loopback host:port such as 127.0.0.1:9096", o.Addr)
	}
	if o.AccessTokenTTL == 0 {
		o.AccessTokenTTL = 2 * time.Hour
	}
	if o.AccessTokenTTL < time.Second {
		return o, fmt.Errorf("oauthserver: AccessTokenTTL %v is under one second; expires_in is whole seconds", o.AccessTokenTTL)
	}
	switch o.ClientAuth {
	case "", "form", "header":
	default:
		return o, fmt.Errorf("oauthserver: ClientAuth %q: want \"form\", \"header\" or \"\"", o.ClientAuth)
	}
	if len(o.Clients) == 0 {
		o.Clients = []Client{DefaultClient()}
	}
	if o.TokenType == "" {
		o.TokenType = "Bearer"
	}
	switch o.AssertionAudience {
	case "", "token_endpoint", "issuer", "any":
	default:
		return o, fmt.Errorf("oauthserver: AssertionAudience %q: want \"token_endpoint\", \"issuer\", \"any\" or \"\"", o.AssertionAudience)
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = 5 * time.Second
	}
	o.DPoP = o.DPoP || o.RequireDPoP || o.DPoPNonce || o.DPoPResourceNonce
	clients := make([]Client, len(o.Clients)) // the caller's slice stays as given
	for i, c := range o.Clients {
		c, err := c.checked()
		if err != nil {
			return o, err
		}
		if c.TLSClientAuth && !o.TLS {
			return o, fmt.Errorf("oauthserver: client %s: tls_client_auth needs Options.TLS", c.ID)
		}
		o.DPoP = o.DPoP || c.RequireDPoP
		clients[i] = c
	}
	o.Clients = clients
	return o, nil
}

// setupLibrary wires go-oauth2: memory token store, our client store,
// per-grant lifetimes, rotation, PKCE and the auto-approving user.
func (s *Server) setupLibrary() error {
	m := manage.NewDefaultManager()
	ttl := s.opts.AccessTokenTTL
	m.SetAuthorizeCodeTokenCfg(&manage.Config{AccessTokenExp: ttl, RefreshTokenExp: s.opts.RefreshTokenTTL, IsGenerateRefresh: true})
	m.SetClientTokenCfg(&manage.Config{AccessTokenExp: ttl})
	rotate := !s.opts.KeepRefreshToken
	m.SetRefreshTokenCfg(&manage.RefreshingConfig{
		AccessTokenExp:     ttl,
		IsGenerateRefresh:  rotate,
		IsRemoveRefreshing: rotate,
		IsRemoveAccess:     true,
	})
	m.SetValidateURIHandler(validateRedirectURI)
	m.MapAccessGenerate(generates.NewAccessGenerate())

	mem, err := store.NewMemoryTokenStore()
	if err != nil {
		return fmt.Errorf("oauthserver: memory token store: %w", err)
	}
	s.tokens = newTrackingStore(mem)
	m.MapTokenStorage(s.tokens)

	cs := store.NewClientStore()
	for _, c := range s.opts.Clients {
		if c.ID == "" {
			return fmt.Errorf("oauthserver: client with empty ID")
		}
		s.clients[c.ID] = c
		if err := cs.Set(c.ID, c.model()); err != nil {
			return fmt.Errorf("oauthserver: register client %s: %w", c.ID, err)
		}
	}
	m.MapClientStorage(knownClients{cs})
	s.manager = m

	srv := lib.NewServer(lib.NewConfig(), m)
	srv.SetTokenType(s.opts.TokenType)
	srv.SetAllowedResponseType(oauth2.Code)
	srv.SetAllowedGrantType(oauth2.AuthorizationCode, oauth2.Refreshing, oauth2.ClientCredentials)
	srv.Config.ForcePKCE = !s.opts.PKCEOptional
	// Both methods pass the library so that "no PKCE" works when optional;
	// handleAuthorize refuses anything but S256 itself.
	srv.Config.AllowedCodeChallengeMethods = []oauth2.CodeChallengeMethod{oauth2.CodeChallengePlain, oauth2.CodeChallengeS256}
	srv.SetClientInfoHandler(s.clientInfo)
	srv.SetUserAuthorizationHandler(s.approveUser)
	srv.SetInternalErrorHandler(internalError)
	srv.SetResponseErrorHandler(rfcStatus)
	srv.SetResponseTokenHandler(s.writeToken)
	if len(s.opts.Scopes) > 0 {
		srv.SetClientScopeHandler(func(tgr *oauth2.TokenGenerateRequest) (bool, error) {
			return s.scopesAllowed(tgr.Scope), nil
		})
		srv.SetRefreshingScopeHandler(func(tgr *oauth2.TokenGenerateRequest, _ string) (bool, error) {
			return s.scopesAllowed(tgr.Scope), nil
		})
	}
	s.lib = srv
	return nil
}

// Close stops the server; pending delayed requests end at once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		distrustCA(s)
		s.http.Close()
	})
}

// AuthURL is the authorization endpoint.
func (s *Server) AuthURL() string { return s.URL + "/authorize" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// RevokeURL is the RFC 7009 revocation endpoint.
func (s *Server) RevokeURL() string { return s.URL + "/revoke" }

// ResourceURL is a protected resource that answers 200 with the token's
// client_id, user_id and scope for a valid Bearer token (or a bound token
// used as its binding demands, see EchoURL), 401 otherwise.
func (s *Server) ResourceURL() string { return s.URL + "/api/me" }

// MetadataURL is the RFC 8414 metadata document.
func (s *Server) MetadataURL() string { return s.URL + "/.well-known/oauth-authorization-server" }

func (s *Server) scopesAllowed(scope string) bool {
	for _, want := range strings.Fields(scope) {
		ok := false
		for _, have := range s.opts.Scopes {
			ok = ok || want == have
		}
		if !ok {
			return false
		}
	}
	return true
}
