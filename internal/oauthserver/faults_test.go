package oauthserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ccConfig fixes the auth style: x/oauth2's auto-detection retries a failed
// first request in the other style, which would eat injected faults twice.
func ccConfig(s *Server) *clientcredentials.Config {
	return &clientcredentials.Config{ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, TokenURL: s.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader}
}

func TestFailNextAnswersStatusThenRecovers(t *testing.T) {
	s := Start(t, Options{})
	s.FailNext(2, http.StatusServiceUnavailable)
	cc := ccConfig(s)
	for range 2 {
		_, err := cc.Token(context.Background())
		wantOAuthError(t, err, "temporarily_unavailable", http.StatusServiceUnavailable)
	}
	if _, err := cc.Token(context.Background()); err != nil {
		t.Fatalf("third request should reach the server: %v", err)
	}
	if s.TokenRequests() != 3 {
		t.Errorf("TokenRequests = %d, want 3 (faults count too)", s.TokenRequests())
	}
}

func TestFailNextKeepsTheRefreshTokenUsable(t *testing.T) {
	s := Start(t, Options{})
	cfg := appConfig(s)
	tok := login(t, cfg)
	s.FailNext(1, http.StatusBadGateway)
	_, err := refresh(cfg, tok.RefreshToken)
	wantOAuthError(t, err, "server_error", http.StatusBadGateway)
	if _, err := refresh(cfg, tok.RefreshToken); err != nil {
		t.Fatalf("a failed-by-fault refresh must not consume the token: %v", err)
	}
}

func TestConcurrentTokenRequestsAreCounted(t *testing.T) {
	s := Start(t, Options{})
	cc := ccConfig(s)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := cc.Token(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s.TokenRequests() != 100 || s.TokenRequestsByGrant("client_credentials") != 100 {
		t.Errorf("counted %d requests, want 100", s.TokenRequests())
	}
}

func TestTokenDelayEndsWhenClientGivesUp(t *testing.T) {
	s := Start(t, Options{})
	s.SetTokenDelay(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ccConfig(s).Token(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the client should not wait for the delay")
	}
}

func TestTokenDelaySlowsAnswers(t *testing.T) {
	s := Start(t, Options{})
	s.SetTokenDelay(150 * time.Millisecond)
	start := time.Now()
	if _, err := ccConfig(s).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Error("the answer came before the delay")
	}
}

func TestHookMalformedJSONOnce(t *testing.T) {
	s := Start(t, Options{})
	s.Hook(Times(1, MalformedJSON))
	cc := ccConfig(s)
	if _, err := cc.Token(context.Background()); err == nil {
		t.Fatal("a truncated body must be an error")
	}
	if _, err := cc.Token(context.Background()); err != nil {
		t.Fatalf("after one fault the server answers normally: %v", err)
	}
}

func TestHookResetConnection(t *testing.T) {
	s := Start(t, Options{})
	s.Hook(ResetConnection)
	_, err := ccConfig(s).Token(context.Background())
	var re *oauth2.RetrieveError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("err = %v, want a transport error", err)
	}
	s.Hook(nil)
	if _, err := ccConfig(s).Token(context.Background()); err != nil {
		t.Fatalf("after removing the hook: %v", err)
	}
}

func TestHookRespond(t *testing.T) {
	s := Start(t, Options{})
	s.Hook(Respond(http.StatusTooManyRequests, `{"error":"slow_down"}`))
	_, err := ccConfig(s).Token(context.Background())
	wantOAuthError(t, err, "slow_down", http.StatusTooManyRequests)
}

func TestOmitExpiresIn(t *testing.T) {
	s := Start(t, Options{})
	s.OmitExpiresIn(true)
	body := postToken(t, s, url.Values{"grant_type": {"client_credentials"}})
	if _, ok := body["expires_in"]; ok {
		t.Errorf("expires_in present: %v", body)
	}
	if body["access_token"] == "" {
		t.Error("the token itself must still be there")
	}
}

func TestTokenAnswerShape(t *testing.T) {
	s := Start(t, Options{AccessTokenTTL: 90 * time.Second, TokenType: "bearer"})
	body := postToken(t, s, url.Values{"grant_type": {"client_credentials"}, "scope": {"a b"}})
	if body["token_type"] != "bearer" || body["expires_in"] != float64(90) || body["scope"] != "a b" {
		t.Errorf("token_type %v expires_in %v scope %v, want bearer, 90, \"a b\"",
			body["token_type"], body["expires_in"], body["scope"])
	}
	bad := postToken(t, s, url.Values{"grant_type": {"password"}, "username": {"u"}, "password": {"p"}})
	if bad["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %v, want unsupported_grant_type", bad["error"])
	}
}

// postToken posts form to /token with Basic client auth and decodes the JSON answer.
func postToken(t *testing.T, s *Server, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token answer is not JSON: %v", err)
	}
	return body
}

func TestCloseEndsDelayedRequests(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.SetTokenDelay(time.Minute)
	done := make(chan error, 1)
	go func() {
		_, err := ccConfig(s).Token(context.Background())
		done <- err
	}()
	for s.TokenRequests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the delay")
	}
	if err := <-done; err == nil {
		t.Error("the delayed request should fail when the server closes")
	}
	s.Close() // idempotent
}
