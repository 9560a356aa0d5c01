package oauthserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func issue(t *testing.T, s *Server, cn string) *ClientCert {
	t.Helper()
	c, err := s.IssueClientCert(cn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTLSServerRunsTheExistingFlows(t *testing.T) {
	s := Start(t, Options{TLS: true})
	for _, u := range []string{s.URL, s.AuthURL(), s.TokenURL(), s.RevokeURL(), s.ResourceURL(), s.MetadataURL(), s.EchoURL()} {
		if !strings.HasPrefix(u, "https://127.0.0.1:") {
			t.Errorf("%s is no https loopback URL", u)
		}
	}
	// The client trusts the CA from its PEM, as tokentray would be configured.
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CACertPEM()) {
		t.Fatal("CACertPEM is no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)

	cfg := appConfig(s)
	verifier := oauth2.GenerateVerifier()
	cb, err := Follow(ctx, cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatalf("Follow over TLS: %v", err)
	}
	tok, err := cfg.Exchange(ctx, callbackQuery(t, cb).Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange over TLS: %v", err)
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Fatalf("refresh over TLS: %v", err)
	}
	if b := s.Binding(tok.AccessToken); b != (TokenBinding{}) {
		t.Errorf("a token got without client certificate is bound: %+v", b)
	}
	if _, err := http.Get(s.TokenURL()); err == nil {
		t.Error("a client that does not trust the CA got through")
	}
}

func TestTLSClientAuth(t *testing.T) {
	// A pinned certificate needs no chain, only to be the very one registered.
	pinned, err := SelfSignedClientCert("pinned-app")
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, Options{TLS: true, Clients: []Client{
		{ID: "pinned-app", TLSClientAuth: true, Certificate: pinned.Certificate},
		{ID: "dn-app", TLSSubjectDN: "CN=dn-app"},
	}})
	foreign, err := SelfSignedClientCert("dn-app")
	if err != nil {
		t.Fatal(err)
	}
	form := func(id string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}}
	}

	r := post(t, s.HTTPClient(pinned), s.TokenURL(), form("pinned-app"), nil)
	wantOK(t, r)
	if s.LastAuthMethod() != "tls_client_auth" {
		t.Errorf("LastAuthMethod = %q", s.LastAuthMethod())
	}
	if b := s.Binding(r.str("access_token")); b.X5tS256 != pinned.Thumbprint || b.JKT != "" {
		t.Errorf("binding %+v, want x5t#S256 %s", b, pinned.Thumbprint)
	}
	wantOK(t, post(t, s.HTTPClient(issue(t, s, "dn-app")), s.TokenURL(), form("dn-app"), nil))

	for name, tc := range map[string]struct {
		cert   *ClientCert
		client string
	}{
		"no certificate":          {nil, "pinned-app"},
		"another certificate":     {issue(t, s, "pinned-app"), "pinned-app"},
		"DN client, no cert":      {nil, "dn-app"},
		"DN client, other CN":     {issue(t, s, "someone"), "dn-app"},
		"DN client, foreign cert": {foreign, "dn-app"},
	} {
		r := post(t, s.HTTPClient(tc.cert), s.TokenURL(), form(tc.client), nil)
		if r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
			t.Errorf("%s: HTTP %d %v, want 401 invalid_client", name, r.status, r.body)
		}
	}
	withSecret := form("dn-app")
	withSecret.Set("client_secret", "x")
	wantError(t, post(t, s.HTTPClient(issue(t, s, "dn-app")), s.TokenURL(), withSecret, nil), "invalid_request", http.StatusBadRequest)
}

func TestCertificateBoundTokenAtTheResource(t *testing.T) {
	s := Start(t, Options{TLS: true})
	cert := issue(t, s, "tray")
	// A secret client that presents a certificate gets bound tokens too (RFC 8705 §3).
	r := post(t, s.HTTPClient(cert), s.TokenURL(), ccForm(), nil)
	wantOK(t, r)
	access := r.str("access_token")
	if s.Binding(access).X5tS256 != cert.Thumbprint {
		t.Fatalf("binding %+v", s.Binding(access))
	}
	get := func(client *http.Client) response {
		req, _ := http.NewRequest(http.MethodGet, s.EchoURL(), nil)
		req.Header.Set("Authorization", "Bearer "+access)
		return do(t, client, req)
	}
	ok := get(s.HTTPClient(cert))
	wantOK(t, ok)
	if ok.str("token_type") != "Bearer" || ok.str("client_id") != DefaultClientID {
		t.Errorf("echo %v", ok.body)
	}
	for name, client := range map[string]*http.Client{
		"no certificate":      s.HTTPClient(nil),
		"another certificate": s.HTTPClient(issue(t, s, "tray")),
	} {
		r := get(client)
		wantError(t, r, "invalid_token", http.StatusUnauthorized)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q", name, r.header.Get("WWW-Authenticate"))
		}
	}
}
