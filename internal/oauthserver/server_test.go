package oauthserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// appRedirect is where the app under test would listen; Follow never calls it.
const appRedirect = "http://127.0.0.1:8750/callback"

func appConfig(s *Server, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     DefaultClientID,
		ClientSecret: DefaultClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader},
		RedirectURL:  appRedirect,
		Scopes:       scopes,
	}
}

// login runs the whole browser flow with PKCE and returns the tokens.
func login(t *testing.T, cfg *oauth2.Config) *oauth2.Token {
	t.Helper()
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	cb, err := Follow(ctx, cfg.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatalf("Follow: %v", err)
	}
	q := callbackQuery(t, cb)
	if q.Get("state") != "state-123" || q.Get("code") == "" {
		t.Fatalf("callback %q: want code and state-123", redactQuery(cb))
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return tok
}

func callbackQuery(t *testing.T, cb string) url.Values {
	t.Helper()
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatalf("parse callback: %v", err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != appRedirect {
		t.Fatalf("callback went to %s, want %s", got, appRedirect)
	}
	return u.Query()
}

// refresh asks for a new token with this refresh token, as the engine would.
func refresh(cfg *oauth2.Config, refreshToken string) (*oauth2.Token, error) {
	return cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
}

func wantOAuthError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("got error %v, want an OAuth error %s", err, code)
	}
	if re.ErrorCode != code || re.Response.StatusCode != status {
		t.Fatalf("got %s (HTTP %d), want %s (HTTP %d)", re.ErrorCode, re.Response.StatusCode, code, status)
	}
}

func TestAuthCodeFlowWithPKCE(t *testing.T) {
	s := Start(t, Options{})
	tok := login(t, appConfig(s, "payments", "contacts"))

	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatal("want an access and a refresh token")
	}
	if left := time.Until(tok.Expiry); left < 2*time.Hour-time.Minute || left > 2*time.Hour {
		t.Errorf("token lives %v, want about 2h", left)
	}
	if got := tok.Extra("scope"); got != "payments contacts" {
		t.Errorf("scope = %v, want the requested scopes echoed", got)
	}
	last := s.LastTokenRequest()
	if last.Get("grant_type") != "authorization_code" || last.Get("code_verifier") == "" {
		t.Errorf("last token request should be an authorization_code grant with a verifier")
	}
	if n := s.TokenRequestsByGrant("authorization_code"); n != 1 {
		t.Errorf("authorization_code requests = %d, want 1", n)
	}
	if s.AuthorizeRequests() != 1 {
		t.Errorf("authorize requests = %d, want 1", s.AuthorizeRequests())
	}
	if status := getResource(t, s, tok.AccessToken); status != http.StatusOK {
		t.Errorf("resource with fresh token: HTTP %d", status)
	}
}

func getResource(t *testing.T, s *Server, access string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.ResourceURL(), nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("resource: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAuthorizationWithoutPKCEIsRejected(t *testing.T) {
	s := Start(t, Options{})
	cb, err := Follow(context.Background(), appConfig(s).AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	q := callbackQuery(t, cb)
	if q.Get("error") != "invalid_request" || q.Get("state") != "st" || q.Has("code") {
		t.Fatalf("callback query %v: want error=invalid_request, the state and no code", q)
	}
}

func TestPlainPKCEIsRejected(t *testing.T) {
	s := Start(t, Options{})
	v := oauth2.GenerateVerifier()
	authURL := appConfig(s).AuthCodeURL("st",
		oauth2.SetAuthURLParam("code_challenge", v), oauth2.SetAuthURLParam("code_challenge_method", "plain"))
	cb, err := Follow(context.Background(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	if q := callbackQuery(t, cb); q.Get("error") != "invalid_request" || q.Has("code") {
		t.Fatalf("callback query %v: want error=invalid_request", q)
	}
}

func TestPKCEOptionalAcceptsPlainCodeFlow(t *testing.T) {
	s := Start(t, Options{PKCEOptional: true})
	cfg := appConfig(s)
	cb, err := Follow(context.Background(), cfg.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Exchange(context.Background(), callbackQuery(t, cb).Get("code")); err != nil {
		t.Fatalf("exchange without PKCE: %v", err)
	}
}

func TestWrongVerifierIsInvalidGrant(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	cb, err := Follow(context.Background(), cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	code := callbackQuery(t, cb).Get("code")
	_, err = cfg.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantOAuthError(t, err, "invalid_grant", http.StatusBadRequest)
}

func TestMissingVerifierIsRejected(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	cb, err := Follow(context.Background(), cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Exchange(context.Background(), callbackQuery(t, cb).Get("code"))
	wantOAuthError(t, err, "invalid_request", http.StatusBadRequest)
}

func TestRefreshRotationRejectsReusedToken(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s, "payments")
	first := login(t, cfg)

	second, err := refresh(cfg, first.RefreshToken)
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("a refresh must rotate both tokens")
	}
	if second.Extra("scope") != "payments" {
		t.Errorf("refreshed scope = %v, want payments", second.Extra("scope"))
	}
	_, err = refresh(cfg, first.RefreshToken)
	wantOAuthError(t, err, "invalid_grant", http.StatusBadRequest)

	if _, err := refresh(cfg, second.RefreshToken); err != nil {
		t.Fatalf("the rotated refresh token must work: %v", err)
	}
	want := []string{first.RefreshToken, first.RefreshToken, second.RefreshToken}
	if got := s.RefreshTokensSeen(); !slices.Equal(got, want) {
		t.Errorf("refresh tokens seen: %d values, not the three presented", len(got))
	}
	if getResource(t, s, first.AccessToken) != http.StatusUnauthorized {
		t.Error("the old access token should be gone after rotation")
	}
}

func TestConcurrentReuseOfARefreshTokenHasOneWinner(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	tok := login(t, cfg)
	results := make(chan error, 5)
	for range 5 {
		go func() {
			_, err := refresh(cfg, tok.RefreshToken)
			results <- err
		}()
	}
	won := 0
	for range 5 {
		if err := <-results; err == nil {
			won++
		} else {
			wantOAuthError(t, err, "invalid_grant", http.StatusBadRequest)
		}
	}
	if won != 1 {
		t.Fatalf("%d refreshes won with one refresh token, want 1", won)
	}
}

func TestKeepRefreshTokenAllowsReuse(t *testing.T) {
	s := Start(t, Options{KeepRefreshToken: true})
	cfg := appConfig(s)
	first := login(t, cfg)
	for i := range 2 {
		tok, err := refresh(cfg, first.RefreshToken)
		if err != nil {
			t.Fatalf("refresh %d with the same token: %v", i, err)
		}
		if tok.RefreshToken != first.RefreshToken {
			t.Fatal("without rotation the client keeps its refresh token")
		}
	}
}

func TestClientCredentials(t *testing.T) {
	s := Start(t, Options{AccessTokenTTL: 90 * time.Second})
	cc := clientcredentials.Config{ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, TokenURL: s.TokenURL(), Scopes: []string{"campaigns"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" {
		t.Error("client credentials must not issue a refresh token")
	}
	if tok.Extra("scope") != "campaigns" || tok.Extra("expires_in") != float64(90) {
		t.Errorf("scope %v expires_in %v, want campaigns and 90", tok.Extra("scope"), tok.Extra("expires_in"))
	}
	if s.TokenRequestsByGrant("client_credentials") != 1 {
		t.Error("want one client_credentials request counted")
	}

	cc.ClientSecret = "wrong"
	_, err = cc.Token(context.Background())
	wantOAuthError(t, err, "invalid_client", http.StatusUnauthorized)
	cc.ClientID = "nobody"
	_, err = cc.Token(context.Background())
	wantOAuthError(t, err, "invalid_client", http.StatusUnauthorized)
}

func TestScopesOutsideTheListAreInvalid(t *testing.T) {
	s := Start(t, Options{Scopes: []string{"read"}})
	cc := clientcredentials.Config{ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, TokenURL: s.TokenURL(), Scopes: []string{"read", "write"}}
	_, err := cc.Token(context.Background())
	wantOAuthError(t, err, "invalid_scope", http.StatusBadRequest)
}

func TestClientAuthStyles(t *testing.T) {
	for _, tc := range []struct {
		server string
		client oauth2.AuthStyle
		ok     bool
		seen   string
	}{
		{"", oauth2.AuthStyleInHeader, true, "header"},
		{"", oauth2.AuthStyleInParams, true, "form"},
		{"form", oauth2.AuthStyleInParams, true, "form"},
		{"form", oauth2.AuthStyleInHeader, false, "header"},
		{"header", oauth2.AuthStyleInHeader, true, "header"},
		{"header", oauth2.AuthStyleInParams, false, "form"},
	} {
		s := Start(t, Options{ClientAuth: tc.server})
		cc := clientcredentials.Config{ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, TokenURL: s.TokenURL(), AuthStyle: tc.client}
		_, err := cc.Token(context.Background())
		if (err == nil) != tc.ok {
			t.Errorf("server %q, client style %v: err = %v, want ok=%v", tc.server, tc.client, err, tc.ok)
		}
		if s.LastClientAuth() != tc.seen {
			t.Errorf("server %q: LastClientAuth = %q, want %q", tc.server, s.LastClientAuth(), tc.seen)
		}
	}
}

func TestDenyAuthorizationRedirectsAccessDenied(t *testing.T) {
	s := Start(t, Options{})
	s.DenyAuthorization(true)
	cb, err := Follow(context.Background(), appConfig(s).AuthCodeURL("xyz", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	if q := callbackQuery(t, cb); q.Get("error") != "access_denied" || q.Get("state") != "xyz" || q.Has("code") {
		t.Fatalf("callback query %v: want error=access_denied and state=xyz", q)
	}
}

func TestUnregisteredRedirectIsNotFollowed(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	cfg.RedirectURL = "http://evil.example/callback"
	_, err := Follow(context.Background(), cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("err = %v, want HTTP 400 and no redirect", err)
	}
}

func TestRevocation(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	tok := login(t, cfg)

	if status := revoke(t, s, tok.RefreshToken, "wrong-secret"); status != http.StatusUnauthorized {
		t.Fatalf("revoke with a wrong secret: HTTP %d, want 401", status)
	}
	if status := revoke(t, s, tok.RefreshToken, DefaultClientSecret); status != http.StatusOK {
		t.Fatalf("revoke: HTTP %d, want 200", status)
	}
	if status := revoke(t, s, "never-issued", DefaultClientSecret); status != http.StatusOK {
		t.Fatalf("revoke of an unknown token: HTTP %d, want 200 (RFC 7009)", status)
	}
	_, err := refresh(cfg, tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant", http.StatusBadRequest)
	if getResource(t, s, tok.AccessToken) != http.StatusUnauthorized {
		t.Error("revoking the refresh token should also end its access token")
	}
	if got := s.Revoked(); len(got) != 3 || got[1] != tok.RefreshToken {
		t.Errorf("Revoked() has %d entries, want the 3 posted", len(got))
	}
}

func revoke(t *testing.T, s *Server, token, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.RevokeURL(),
		strings.NewReader(url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultClientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRevokeAllRefreshTokens(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	a, b := login(t, cfg), login(t, cfg)
	s.RevokeAllRefreshTokens()
	for _, tok := range []*oauth2.Token{a, b} {
		_, err := refresh(cfg, tok.RefreshToken)
		wantOAuthError(t, err, "invalid_grant", http.StatusBadRequest)
	}
	if getResource(t, s, a.AccessToken) != http.StatusOK {
		t.Error("access tokens stay valid until they expire")
	}
	if login(t, cfg).RefreshToken == "" {
		t.Error("a new login after revocation should work")
	}
}

func TestMetadata(t *testing.T) {
	s := Start(t, Options{ClientAuth: "form"})
	resp, err := http.Get(s.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"issuer":                                s.URL,
		"authorization_endpoint":                s.AuthURL(),
		"token_endpoint":                        s.TokenURL(),
		"revocation_endpoint":                   s.RevokeURL(),
		"code_challenge_methods_supported":      []any{"S256"},
		"grant_types_supported":                 []any{"authorization_code", "refresh_token", "client_credentials"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_post"},
	}
	for k, v := range want {
		got, _ := json.Marshal(m[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("%s = %s, want %s", k, got, exp)
		}
	}
	s.SetIssuer("https://issuer.test")
	if s.Metadata().Issuer != "https://issuer.test" {
		t.Error("SetIssuer should change the issuer")
	}
}
