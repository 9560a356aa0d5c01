package manager_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

var bg = context.Background()

func keyEnv(srv *oauthserver.Server, flow config.Flow, clientID, style string) config.Environment {
	env := config.Environment{Name: "svc", Flow: flow, TokenURL: srv.TokenURL(), ClientID: clientID, AuthStyle: style}
	if flow == config.FlowAuthorizationCode {
		env.AuthURL, env.RevokeURL = srv.AuthURL(), srv.RevokeURL()
	}
	return env
}

// keyClient is a client that may only authenticate with an assertion
// signed by the key whose public half is pub.
func keyClient(id string, pub any) oauthserver.Client {
	c := oauthserver.DefaultClient()
	c.ID, c.Secret, c.PublicKey, c.RequireAssertion = id, "", pub, true
	return c
}

// wantAssertion checks the last assertion the server accepted: RFC 7523's
// claims for client id at the token endpoint, alg, a short life.
func wantAssertion(t *testing.T, srv *oauthserver.Server, id, alg, grant string) oauthserver.Assertion {
	t.Helper()
	a, ok := srv.LastAssertion()
	if !ok {
		t.Fatal("the server accepted no assertion")
	}
	if a.Issuer != id || a.Subject != id || !slices.Equal(a.Audience, []string{srv.TokenURL()}) {
		t.Errorf("iss %q sub %q aud %q; want %q, %q, [%s]", a.Issuer, a.Subject, a.Audience, id, id, srv.TokenURL())
	}
	if a.Alg != alg || a.Typ != "JWT" || a.JTI == "" || a.Grant != grant {
		t.Errorf("alg %q typ %q jti %q grant %q; want %s, JWT, a jti, %s", a.Alg, a.Typ, a.JTI, a.Grant, alg, grant)
	}
	if life := a.Expiry.Sub(a.IssuedAt); life <= 0 || life > 5*time.Minute {
		t.Errorf("the assertion lives %v; want at most 5 minutes", life)
	}
	form := srv.LastTokenRequest()
	if form.Has("client_secret") || form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		t.Errorf("token request form %v: want an assertion and no client_secret", form)
	}
	return a
}

func TestPrivateKeyJWTClientCredentialsWithEveryKeyEncoding(t *testing.T) {
	for _, key := range everyKeyEncoding(t) {
		t.Run(key.name, func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{keyClient("svc", key.pub)}})
			r := newAuthRig(t, srv, keyEnv(srv, config.FlowClientCredentials, "svc", config.AuthStylePrivateKeyJWT), authOptions{secret: key.pem})
			if _, err := r.token(); err != nil {
				t.Fatal(err)
			}
			first := wantAssertion(t, srv, "svc", key.alg, "client_credentials")
			if _, err := r.refresh(); err != nil {
				t.Fatal(err)
			}
			if again := wantAssertion(t, srv, "svc", key.alg, "client_credentials"); again.JTI == first.JTI {
				t.Error("two assertions share a jti")
			}
			if n := srv.AssertionsByGrant("client_credentials"); n != 2 {
				t.Errorf("%d assertions at the token endpoint, want 2", n)
			}
		})
	}
}

func TestPrivateKeyJWTLoginRefreshAndRevokeEachSendAnAssertion(t *testing.T) {
	key := ecTestKey(t)
	srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{keyClient("app", key.pub)}})
	r := newAuthRig(t, srv, keyEnv(srv, config.FlowAuthorizationCode, "app", config.AuthStylePrivateKeyJWT), authOptions{secret: key.pem})
	r.login("svc")
	wantAssertion(t, srv, "app", "ES256", "authorization_code")
	if _, err := r.refresh(); err != nil {
		t.Fatal(err)
	}
	wantAssertion(t, srv, "app", "ES256", "refresh_token")
	if err := r.m.Logout(bg, "svc"); err != nil {
		t.Fatal(err)
	}
	a, _ := srv.LastAssertion()
	if a.Endpoint != "revoke" || len(srv.Revoked()) != 1 {
		t.Errorf("logout: last assertion at %q, %d revoked; want one revocation authenticated by assertion", a.Endpoint, len(srv.Revoked()))
	}
}

func TestAssertionHeaderNamesTheCertificateOrTheKey(t *testing.T) {
	cert, err := oauthserver.SelfSignedClientCert("svc")
	if err != nil {
		t.Fatal(err)
	}
	client := keyClient("svc", nil)
	client.Certificate, client.RequireThumbprint = cert.Certificate, true
	for _, tc := range []struct {
		name           string
		set            func(e *config.Environment)
		x5t, s256, kid bool
	}{
		{"x5t#S256 by default", func(e *config.Environment) {}, false, true, false},
		{"x5t when asked", func(e *config.Environment) { e.AssertionThumbprint = config.ThumbprintSHA1 }, true, false, false},
		{"kid too", func(e *config.Environment) { e.AssertionKID = "key-7" }, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{client}})
			env := keyEnv(srv, config.FlowClientCredentials, "svc", config.AuthStylePrivateKeyJWT)
			env.ClientCertificate = string(cert.CertPEM)
			tc.set(&env)
			r := newAuthRig(t, srv, env, authOptions{secret: string(cert.KeyPEM)})
			if _, err := r.token(); err != nil {
				t.Fatal(err)
			}
			a := wantAssertion(t, srv, "svc", "ES256", "client_credentials")
			if (a.X5t != "") != tc.x5t || (a.X5tS256 == cert.Thumbprint) != tc.s256 || (a.Kid == "key-7") != tc.kid {
				t.Errorf("header x5t %q x5t#S256 %q kid %q", a.X5t, a.X5tS256, a.Kid)
			}
		})
	}
}

func TestAssertionAudienceOverridesTheTokenURL(t *testing.T) {
	key := ecTestKey(t)
	srv := oauthserver.Start(t, oauthserver.Options{AssertionAudience: "issuer", Clients: []oauthserver.Client{keyClient("svc", key.pub)}})
	env := keyEnv(srv, config.FlowClientCredentials, "svc", config.AuthStylePrivateKeyJWT)
	r := newAuthRig(t, srv, env, authOptions{secret: key.pem})
	if _, err := r.token(); err == nil {
		t.Fatal("a provider that wants the issuer as aud took the token URL")
	}
	env.AssertionAudience = srv.URL
	r = newAuthRig(t, srv, env, authOptions{secret: key.pem})
	if _, err := r.token(); err != nil {
		t.Fatal(err)
	}
	if a, _ := srv.LastAssertion(); !slices.Equal(a.Audience, []string{srv.URL}) {
		t.Errorf("aud %q, want the issuer %s", a.Audience, srv.URL)
	}
}

func TestClientSecretJWTSignsWithTheSecret(t *testing.T) {
	const secret = "a-client-secret-of-forty-bytes-or-more-0123"
	c := oauthserver.DefaultClient()
	c.ID, c.Secret, c.RequireAssertion = "hs", secret, true
	srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{c}})
	r := newAuthRig(t, srv, keyEnv(srv, config.FlowClientCredentials, "hs", config.AuthStyleClientSecretJWT), authOptions{secret: secret})
	if _, err := r.token(); err != nil {
		t.Fatal(err)
	}
	if a := wantAssertion(t, srv, "hs", "HS256", "client_credentials"); a.Method != "client_secret_jwt" {
		t.Errorf("method %q", a.Method)
	}
}

// A key the provider does not know is the provider's invalid_client,
// shown as such, asked once: no retry loop.
func TestWrongKeyIsInvalidClientShownAsSuch(t *testing.T) {
	registered, stored := ecTestKey(t), ecTestKey(t)
	srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{keyClient("svc", registered.pub)}})
	r := newAuthRig(t, srv, keyEnv(srv, config.FlowClientCredentials, "svc", config.AuthStylePrivateKeyJWT), authOptions{secret: stored.pem})
	_, err := r.token()
	var pe *manager.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" || pe.StatusCode != http.StatusUnauthorized {
		t.Fatalf("Token: %v; want the provider's invalid_client", err)
	}
	st := r.status()
	if st.State != manager.StateError || !strings.Contains(st.Error, "invalid_client") || st.Next == nil || st.Next.Action != manager.NextCheckCredentials {
		t.Errorf("status %s %q %+v; want error naming invalid_client, next check_credentials", st.State, st.Error, st.Next)
	}
	asked := srv.TokenRequests() // the read's, and the scheduler's first fetch if it came first
	r.clock.Advance(time.Hour)
	time.Sleep(50 * time.Millisecond)
	if n := srv.TokenRequests(); n != asked {
		t.Errorf("%d more token requests; want none: no retry of a refused key", n-asked)
	}
}

func TestSetSecretRefusesWhatDoesNotFitTheAuthStyle(t *testing.T) {
	cert, err := oauthserver.SelfSignedClientCert("svc")
	if err != nil {
		t.Fatal(err)
	}
	other := ecTestKey(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	for _, tc := range []struct {
		name, style, certPEM, secret, reason string
	}{
		{"not PEM", config.AuthStylePrivateKeyJWT, "", "hunter2-not-a-key", "not PEM text of a private key"},
		{"a certificate", config.AuthStylePrivateKeyJWT, "", string(cert.CertPEM), "holds a certificate but no private key"},
		{"encrypted", config.AuthStylePrivateKeyJWT, "", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n", "it is encrypted"},
		{"broken PKCS#8", config.AuthStylePrivateKeyJWT, "", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n", "its PRIVATE KEY block does not parse"},
		{"alg does not fit", config.AuthStylePrivateKeyJWT, "", other.pem, `assertion_alg = "RS256" does not fit this key (it signs with ES256)`},
		{"not the certificate's key", config.AuthStyleTLSClientAuth, string(cert.CertPEM), other.pem, "it is not the private key of client_certificate (CN=svc)"},
		{"short HMAC secret", config.AuthStyleClientSecretJWT, "", "too-short", "HS256 needs a client secret of at least 32 bytes (RFC 7518 §3.2); this one has 9"},
		{"a key as a client secret", config.AuthStyleForm, "", other.pem, `it is a PEM private key, which auth_style = "form" would send as the client secret`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := keyEnv(srv, config.FlowClientCredentials, "svc", tc.style)
			env.ClientCertificate = tc.certPEM
			if tc.name == "alg does not fit" {
				env.AssertionAlg = "RS256"
			}
			r := newAuthRig(t, srv, env, authOptions{})
			r.scan.PrivateKey("refused secret", tc.secret)
			err := r.m.SetSecret("svc", manager.Secret(tc.secret))
			r.scan.Error("SetSecret", err)
			var se *manager.SecretError
			if !errors.Is(err, manager.ErrInvalidSecret) || !errors.As(err, &se) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("SetSecret: %v; want ErrInvalidSecret saying %q", err, tc.reason)
			}
			if stored, _ := r.store.LoadSecret("svc"); stored.Value != "" {
				t.Error("the refused secret was stored")
			}
			if st := r.status(); st.State != manager.StateUnconfigured {
				t.Errorf("state %s, want unconfigured", st.State)
			}
		})
	}
}

// A stored secret that stopped fitting (auth_style changed under it) is
// unconfigured with the reason, and never sent.
func TestStoredClientSecretUnderAKeyStyleIsUnconfigured(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newAuthRig(t, srv, keyEnv(srv, config.FlowClientCredentials, oauthserver.DefaultClientID, config.AuthStylePrivateKeyJWT),
		authOptions{secret: oauthserver.DefaultClientSecret})
	_, err := r.token()
	st := r.status()
	if st.State != manager.StateUnconfigured || !strings.Contains(st.Error, "not PEM text of a private key") ||
		st.Next == nil || st.Next.Action != manager.NextSetSecret || st.Next.Key != "private_key" {
		t.Fatalf("status %s %q %+v; want unconfigured, set the private key", st.State, st.Error, st.Next)
	}
	if !errors.Is(err, manager.ErrUnconfigured) || srv.TokenRequests() != 0 {
		t.Errorf("Token: %v after %d requests; want unconfigured, nothing sent", err, srv.TokenRequests())
	}
}

func TestTLSClientAuthPresentsTheCertificateAndTheProxyCanToo(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{TLS: true, Clients: []oauthserver.Client{{ID: "m", TLSSubjectDN: "CN=tray"}}})
	cert, err := srv.IssueClientCert("tray")
	if err != nil {
		t.Fatal(err)
	}
	env := keyEnv(srv, config.FlowClientCredentials, "m", config.AuthStyleTLSClientAuth)
	env.ClientCertificate = string(cert.CertPEM)
	r := newAuthRig(t, srv, env, authOptions{secret: string(cert.KeyPEM), client: srv.HTTPClient(nil)})
	tok, err := r.token()
	if err != nil {
		t.Fatal(err)
	}
	if srv.LastAuthMethod() != "tls_client_auth" || srv.LastTokenRequest().Has("client_secret") {
		t.Errorf("method %q form %v", srv.LastAuthMethod(), srv.LastTokenRequest())
	}
	if b := srv.Binding(tok.AccessToken.Reveal()); b.X5tS256 != cert.Thumbprint {
		t.Fatalf("token bound to %q, want the certificate %q", b.X5tS256, cert.Thumbprint)
	}
	use := func(c *http.Client) int {
		req, _ := http.NewRequest(http.MethodGet, srv.ResourceURL(), nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken.Reveal())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	proxy, err := r.m.ResourceHTTPClient("svc")
	if err != nil {
		t.Fatal(err)
	}
	if got := use(proxy); got != http.StatusOK {
		t.Errorf("the resource answered the proxy's client %d, want 200", got)
	}
	if got := use(srv.HTTPClient(nil)); got != http.StatusUnauthorized {
		t.Errorf("the resource answered a client without the certificate %d, want 401", got)
	}
}

func TestTLSClientAuthWithAnotherCertificateIsInvalidClient(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{TLS: true, Clients: []oauthserver.Client{{ID: "m", TLSSubjectDN: "CN=tray"}}})
	foreign, err := oauthserver.SelfSignedClientCert("tray")
	if err != nil {
		t.Fatal(err)
	}
	env := keyEnv(srv, config.FlowClientCredentials, "m", config.AuthStyleTLSClientAuth)
	env.ClientCertificate = string(foreign.CertPEM)
	r := newAuthRig(t, srv, env, authOptions{secret: string(foreign.KeyPEM), client: srv.HTTPClient(nil)})
	var pe *manager.ProviderError
	if _, err := r.token(); !errors.As(err, &pe) || pe.Code != "invalid_client" {
		t.Fatalf("Token: %v; want invalid_client", err)
	}
}
