package oauthserver

import (
	"context"
	"crypto/ed25519"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

const longSecret = "a-client-secret-of-at-least-32-bytes!"

func TestPrivateKeyJWTWithEachKeyType(t *testing.T) {
	ec, ed := newECKey(t), newEdKey(t)
	edDER, err := x509.MarshalPKIXPublicKey(ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	edPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER})
	s := Start(t, Options{Clients: []Client{
		{ID: "rsa-app", PublicKey: &rsaKey().PublicKey},
		{ID: "ec-app", PublicKey: &ec.PublicKey},
		{ID: "ed-app", PublicKey: string(edPEM)},
	}})
	for _, tc := range []struct {
		client string
		alg    jose.SignatureAlgorithm
		key    any
	}{
		{"rsa-app", jose.RS256, rsaKey()},
		{"rsa-app", jose.PS256, rsaKey()},
		{"ec-app", jose.ES256, ec},
		{"ed-app", jose.EdDSA, ed},
	} {
		assertion := signJWT(t, tc.alg, tc.key, map[jose.HeaderKey]any{"kid": "k1"}, assertionClaims(tc.client, s.TokenURL()))
		r := post(t, http.DefaultClient, s.TokenURL(), assertionForm(assertion), nil)
		if r.status != http.StatusOK || r.str("access_token") == "" {
			t.Fatalf("%s with %s: HTTP %d %v", tc.client, tc.alg, r.status, r.body)
		}
		a, _ := s.LastAssertion()
		if a.ClientID != tc.client || a.Alg != string(tc.alg) || a.Method != "private_key_jwt" || a.Kid != "k1" || a.Grant != "client_credentials" {
			t.Errorf("recorded %+v", a)
		}
		if s.LastAuthMethod() != "private_key_jwt" {
			t.Errorf("LastAuthMethod = %q", s.LastAuthMethod())
		}
	}
	if n := s.AssertionsByGrant("client_credentials"); n != 4 {
		t.Errorf("AssertionsByGrant = %d, want 4", n)
	}
}

// TestPrivateKeyJWTOnCodeAndRefresh runs a login and a refresh, each
// authenticated by an assertion naming the client's certificate.
func TestPrivateKeyJWTOnCodeAndRefresh(t *testing.T) {
	cert, err := SelfSignedClientCert("jwt-app")
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, Options{Clients: []Client{{
		ID: "jwt-app", PublicKey: cert.CertPEM, RequireThumbprint: true,
		RedirectURIs: []string{"http://127.0.0.1/"},
	}}})
	key := cert.TLSCertificate().PrivateKey
	x5t := map[jose.HeaderKey]any{"x5t#S256": cert.Thumbprint}

	cfg := &oauth2.Config{
		ClientID:    "jwt-app",
		Endpoint:    oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: appRedirect,
	}
	verifier := oauth2.GenerateVerifier()
	cb, err := Follow(context.Background(), cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.Exchange(context.Background(), callbackQuery(t, cb).Get("code"), oauth2.VerifierOption(verifier),
		oauth2.SetAuthURLParam("client_assertion_type", JWTBearerAssertionType),
		oauth2.SetAuthURLParam("client_assertion", signJWT(t, jose.ES256, key, x5t, assertionClaims("jwt-app", s.TokenURL()))))
	if err != nil {
		t.Fatalf("exchange with an assertion: %v", err)
	}

	r := post(t, http.DefaultClient, s.TokenURL(), url.Values{
		"grant_type":            {"refresh_token"},
		"refresh_token":         {tok.RefreshToken},
		"client_id":             {"jwt-app"},
		"client_assertion_type": {JWTBearerAssertionType},
		"client_assertion":      {signJWT(t, jose.ES256, key, x5t, assertionClaims("jwt-app", s.TokenURL()))},
	}, nil)
	wantOK(t, r)
	a, _ := s.LastAssertion()
	if a.Grant != "refresh_token" || a.X5tS256 != cert.Thumbprint {
		t.Errorf("the refresh should have carried an assertion with x5t#S256: %+v", a)
	}
	if s.AssertionsByGrant("authorization_code") != 1 || s.AssertionsByGrant("refresh_token") != 1 {
		t.Errorf("assertions by grant: code %d, refresh %d", s.AssertionsByGrant("authorization_code"), s.AssertionsByGrant("refresh_token"))
	}

	// Without any credentials the key-only client must not get through,
	// although go-oauth2 sees an empty secret that matches.
	r = post(t, http.DefaultClient, s.TokenURL(), url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}, "client_id": {"jwt-app"},
	}, nil)
	wantError(t, r, "invalid_client", http.StatusUnauthorized)
}

func TestAssertionIsRefused(t *testing.T) {
	ec, other := newECKey(t), newECKey(t)
	cert, err := SelfSignedClientCert("thumb-app")
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, Options{Clients: []Client{
		{ID: "ec-app", PublicKey: &ec.PublicKey},
		{ID: "thumb-app", Certificate: cert.Certificate, RequireThumbprint: true},
	}})
	certKey := cert.TLSCertificate().PrivateKey
	sha1Sum := sha1.Sum([]byte("not the certificate"))
	valid := func() map[string]any { return assertionClaims("ec-app", s.TokenURL()) }
	with := func(k string, v any) map[string]any {
		c := valid()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	now := time.Now()
	for name, assertion := range map[string]string{
		"wrong key":            signJWT(t, jose.ES256, other, nil, valid()),
		"wrong aud":            signJWT(t, jose.ES256, ec, nil, with("aud", s.URL+"/other")),
		"issuer as aud":        signJWT(t, jose.ES256, ec, nil, with("aud", s.URL)),
		"expired":              signJWT(t, jose.ES256, ec, nil, with("exp", now.Add(-time.Minute).Unix())),
		"exp too far ahead":    signJWT(t, jose.ES256, ec, nil, with("exp", now.Add(10*time.Minute).Unix())),
		"no exp":               signJWT(t, jose.ES256, ec, nil, with("exp", nil)),
		"iat in the future":    signJWT(t, jose.ES256, ec, nil, with("iat", now.Add(time.Minute).Unix())),
		"no jti":               signJWT(t, jose.ES256, ec, nil, with("jti", nil)),
		"sub is not iss":       signJWT(t, jose.ES256, ec, nil, with("sub", "someone")),
		"unknown iss":          signJWT(t, jose.ES256, ec, nil, with("iss", "nobody")),
		"HS256 without secret": signJWT(t, jose.HS256, []byte(longSecret), nil, valid()),
		"no thumbprint":        signJWT(t, jose.ES256, certKey, nil, assertionClaims("thumb-app", s.TokenURL())),
		"wrong x5t#S256": signJWT(t, jose.ES256, certKey, map[jose.HeaderKey]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(make([]byte, 32))},
			assertionClaims("thumb-app", s.TokenURL())),
		"wrong x5t": signJWT(t, jose.ES256, certKey, map[jose.HeaderKey]any{"x5t": base64.RawURLEncoding.EncodeToString(sha1Sum[:])},
			assertionClaims("thumb-app", s.TokenURL())),
		"not a JWT": "not.a.jwt",
	} {
		r := post(t, http.DefaultClient, s.TokenURL(), assertionForm(assertion), nil)
		if r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
			t.Errorf("%s: HTTP %d %v, want 401 invalid_client", name, r.status, r.body)
		}
	}
	if len(s.Assertions()) != 0 {
		t.Errorf("refused assertions were recorded: %+v", s.Assertions())
	}

	ok := signJWT(t, jose.ES256, certKey, map[jose.HeaderKey]any{"x5t": certX5t(cert.Certificate)}, assertionClaims("thumb-app", s.TokenURL()))
	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(ok), nil))
	r := post(t, http.DefaultClient, s.TokenURL(), assertionForm(ok), nil)
	wantError(t, r, "invalid_client", http.StatusUnauthorized)
	if !strings.Contains(r.str("error_description"), "replay") {
		t.Errorf("a replayed jti should be named as such: %v", r.body)
	}

	form := assertionForm(signJWT(t, jose.ES256, ec, nil, valid()))
	form.Set("client_id", "thumb-app")
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), form, nil), "invalid_client", http.StatusUnauthorized)
	form = assertionForm(signJWT(t, jose.ES256, ec, nil, valid()))
	form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), form, nil), "invalid_client", http.StatusUnauthorized)
}

func certX5t(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestClientSecretJWT(t *testing.T) {
	s := Start(t, Options{Clients: []Client{
		{ID: "hs-app", Secret: longSecret},
		{ID: "short-app", Secret: "short"},
	}})
	r := post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.HS256, []byte(longSecret), nil, assertionClaims("hs-app", s.TokenURL()))), nil)
	wantOK(t, r)
	if a, _ := s.LastAssertion(); a.Method != "client_secret_jwt" || s.LastAuthMethod() != "client_secret_jwt" {
		t.Errorf("method %q / %q, want client_secret_jwt", a.Method, s.LastAuthMethod())
	}
	wrong := signJWT(t, jose.HS256, []byte(strings.ToUpper(longSecret)), nil, assertionClaims("hs-app", s.TokenURL()))
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(wrong), nil), "invalid_client", http.StatusUnauthorized)

	// go-jose cannot even sign HS256 with a short key, so sign with a long
	// one: the server must refuse for the short secret before verifying.
	r = post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.HS256, []byte(longSecret), nil, assertionClaims("short-app", s.TokenURL()))), nil)
	wantError(t, r, "invalid_client", http.StatusUnauthorized)
	if !strings.Contains(r.str("error_description"), "32 bytes") {
		t.Errorf("description should say why: %v", r.body)
	}
}

func TestRequireAssertionRefusesTheSecret(t *testing.T) {
	ec := newECKey(t)
	s := Start(t, Options{Clients: []Client{{ID: "strict", Secret: longSecret, PublicKey: &ec.PublicKey, RequireAssertion: true}}})
	basic := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(basic.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("strict", longSecret)
	wantError(t, do(t, http.DefaultClient, req), "invalid_client", http.StatusUnauthorized)
	if s.LastAuthMethod() != "client_secret_basic" {
		t.Errorf("LastAuthMethod = %q", s.LastAuthMethod())
	}

	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("strict", s.TokenURL()))), nil))
	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.HS256, []byte(longSecret), nil, assertionClaims("strict", s.TokenURL()))), nil))

	both := assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("strict", s.TokenURL())))
	both.Set("client_secret", longSecret)
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), both, nil), "invalid_request", http.StatusBadRequest)
}

func TestAssertionAudienceOption(t *testing.T) {
	ec := newECKey(t)
	clients := []Client{{ID: "ec-app", PublicKey: &ec.PublicKey}}
	s := Start(t, Options{Clients: clients, AssertionAudience: "issuer"})
	s.SetIssuer("https://issuer.test")
	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", "https://issuer.test"))), nil))
	wantError(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", s.TokenURL()))), nil),
		"invalid_client", http.StatusUnauthorized)

	s = Start(t, Options{Clients: clients, AssertionAudience: "any"})
	for _, aud := range []string{s.URL, s.TokenURL()} {
		wantOK(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", aud))), nil))
	}
	// aud may also be an array holding the endpoint among others.
	c := assertionClaims("ec-app", "")
	c["aud"] = []string{"https://elsewhere.test", s.TokenURL()}
	wantOK(t, post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.ES256, ec, nil, c)), nil))
}

func TestRevokeWithAssertion(t *testing.T) {
	ec := newECKey(t)
	s := Start(t, Options{Clients: []Client{{ID: "ec-app", PublicKey: &ec.PublicKey}}})
	tok := post(t, http.DefaultClient, s.TokenURL(), assertionForm(signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", s.TokenURL()))), nil)
	wantOK(t, tok)
	form := url.Values{
		"token":                 {tok.str("access_token")},
		"client_assertion_type": {JWTBearerAssertionType},
		"client_assertion":      {signJWT(t, jose.ES256, ec, nil, assertionClaims("ec-app", s.RevokeURL()))},
	}
	if r := post(t, http.DefaultClient, s.RevokeURL(), form, nil); r.status != http.StatusOK {
		t.Fatalf("revoke with an assertion: HTTP %d %v", r.status, r.body)
	}
	if a, _ := s.LastAssertion(); a.Endpoint != "revoke" {
		t.Errorf("last assertion at %q, want revoke", a.Endpoint)
	}
	if getResource(t, s, tok.str("access_token")) != http.StatusUnauthorized {
		t.Error("the revoked access token still works")
	}
	form.Del("client_assertion_type")
	form.Del("client_assertion")
	form.Set("client_id", "ec-app")
	if r := post(t, http.DefaultClient, s.RevokeURL(), form, nil); r.status != http.StatusUnauthorized {
		t.Errorf("revoke by a key-only client without assertion: HTTP %d, want 401", r.status)
	}
}

func TestClientKeyOptionsAreChecked(t *testing.T) {
	_, ed, _ := ed25519.GenerateKey(nil)
	for name, c := range map[string]Client{
		"private key as public": {ID: "a", PublicKey: ed},
		"bad PEM":               {ID: "a", PublicKey: "-----BEGIN NOTHING-----"},
		"thumbprint, no cert":   {ID: "a", PublicKey: ed.Public(), RequireThumbprint: true},
		"tls without TLS":       {ID: "a", TLSSubjectDN: "CN=a"},
	} {
		if s, err := New(Options{Clients: []Client{c}}); err == nil {
			s.Close()
			t.Errorf("%s: New accepted the client", name)
		}
	}
}
