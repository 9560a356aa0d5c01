package platform

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// socketRig is an engine with a real authorization server behind it,
// served on a real unix socket.
type socketRig struct {
	t      *testing.T
	oauth  *oauthserver.Server
	m      *manager.Manager
	server *SocketServer
	path   string
	client *SocketClient
	logs   *strings.Builder
}

const ccName, codeName = "shared", "local"

func newSocketRig(t *testing.T, limits SocketLimits) *socketRig {
	t.Helper()
	oauth := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	store := manager.NewMemoryStore()
	for _, env := range []string{ccName, codeName} {
		if err := store.SaveSecret(env, oauthserver.DefaultClientSecret); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &manager.Config{Environments: []manager.Environment{
		{Name: ccName, Flow: manager.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
		{Name: codeName, Flow: manager.FlowAuthorizationCode, AuthURL: oauth.AuthURL(), TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
		{Name: "nosecret", Flow: manager.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
	}}
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log, Jitter: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	path := socketPathForTest(t)
	ln := listenForTest(t, path)
	s := NewSocketServer(m, log, limits)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	r := &socketRig{t: t, oauth: oauth, m: m, server: s, path: path, client: NewSocketClient(path, 10*time.Second), logs: logs}
	t.Cleanup(func() {
		r.client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		m.Close()
	})
	return r
}

// raw sends one request and returns status and decoded JSON body.
func (r *socketRig) raw(method, path string, body io.Reader) (int, map[string]any, http.Header) {
	r.t.Helper()
	req, _ := http.NewRequest(method, "http://tokentray"+path, body)
	resp, err := unixHTTPClient(r.path).Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if len(data) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &out); err != nil {
			r.t.Fatalf("%s %s: body is not JSON: %q", method, path, data)
		}
	}
	return resp.StatusCode, out, resp.Header
}

func (r *socketRig) wantError(method, path string, body io.Reader, status int, code string) {
	r.t.Helper()
	got, out, _ := r.raw(method, path, body)
	if got != status || out["error"] != code {
		r.t.Errorf("%s %s = %d %v, want %d %q", method, path, got, out, status, code)
	}
	if msg, _ := out["message"].(string); msg == "" {
		r.t.Errorf("%s %s: error without a message", method, path)
	}
}

func TestTokenEndpointAnswersTheProvidersToken(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	status, out, hdr := r.raw("GET", "/v1/environments/shared/token", nil)
	if status != 200 {
		t.Fatalf("status %d %v", status, out)
	}
	if hdr.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", hdr.Get("Content-Type"))
	}
	for _, k := range []string{"access_token", "token_type", "expires_at", "expires_in"} {
		if _, ok := out[k]; !ok {
			t.Errorf("answer lacks %q: %v", k, out)
		}
	}
	if in := out["expires_in"].(float64); in < 3500 || in > 3600 {
		t.Errorf("expires_in = %v, want about an hour", in)
	}
	// The token is one the provider issued: its resource server accepts it.
	req, _ := http.NewRequest("GET", r.oauth.ResourceURL(), nil)
	req.Header.Set("Authorization", "Bearer "+out["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("resource server answered %d to the socket's token", resp.StatusCode)
	}
}

func TestMinValidRefreshesOnlyWhenTheTokenWouldExpireSooner(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	ctx := context.Background()
	first, err := r.client.Token(ctx, ccName, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := r.oauth.TokenRequests()
	again, err := r.client.Token(ctx, ccName, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken != first.AccessToken || r.oauth.TokenRequests() != before {
		t.Error("min_valid=30m refreshed a token that is valid for an hour")
	}
	fresh, err := r.client.Token(ctx, ccName, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == first.AccessToken || r.oauth.TokenRequests() != before+1 {
		t.Errorf("min_valid=2h: token requests %d -> %d, want exactly one refresh", before, r.oauth.TokenRequests())
	}
}

func TestConcurrentMinValidReadsShareOneRefresh(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	if _, err := r.client.Token(context.Background(), ccName, 0); err != nil {
		t.Fatal(err)
	}
	before := r.oauth.TokenRequests()
	// Every caller wants more than the hour the token has left; the slow
	// provider makes sure they all arrive during one refresh.
	r.oauth.SetTokenDelay(300 * time.Millisecond)
	const callers = 16
	errs := make(chan error, callers)
	tokens := make(chan manager.Secret, callers)
	for range callers {
		go func() {
			t, err := r.client.Token(context.Background(), ccName, 2*time.Hour)
			errs <- err
			tokens <- t.AccessToken
		}()
	}
	seen := map[manager.Secret]bool{}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen[<-tokens] = true
	}
	if n := r.oauth.TokenRequests() - before; n != 1 || len(seen) != 1 {
		t.Errorf("%d concurrent reads with min_valid made %d token requests and saw %d tokens, want 1 and 1", callers, n, len(seen))
	}
}

func TestEngineErrorsHaveTheirCodes(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	r.wantError("GET", "/v1/environments/nope/token", nil, 404, CodeUnknownEnvironment)
	r.wantError("GET", "/v1/environments/nope", nil, 404, CodeUnknownEnvironment)
	r.wantError("GET", "/v1/environments/local/token", nil, 409, CodeNeedsLogin)
	r.wantError("GET", "/v1/environments/nosecret/token", nil, 409, CodeUnconfigured)
	r.wantError("POST", "/v1/environments/nosecret/login", nil, 409, CodeUnconfigured)
	r.wantError("GET", "/v1/environments/shared/token?min_valid=soon", nil, 400, CodeBadRequest)
	r.wantError("GET", "/v1/environments/shared/token?min_valid=-5s", nil, 400, CodeBadRequest)
	r.wantError("GET", "/v1/nothing", nil, 404, CodeNotFound)

	// Let the start-up fetch finish first, so the fault hits the refresh.
	if _, err := r.client.Token(context.Background(), ccName, 0); err != nil {
		t.Fatal(err)
	}
	r.oauth.FailNext(1, http.StatusBadRequest)
	r.wantError("POST", "/v1/environments/shared/refresh", nil, 502, CodeProviderError)
}

func TestWrongMethodIsJSON405WithAllow(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "/v1/environments/shared/token", "GET, HEAD"},
		{"GET", "/v1/environments/shared/refresh", "POST"},
		{"GET", "/v1/environments/shared/login", "POST, DELETE"},
		{"DELETE", "/v1/environments", "GET, HEAD"},
	} {
		status, out, hdr := r.raw(c.method, c.path, nil)
		if status != 405 || out["error"] != CodeMethodNotAllowed || hdr.Get("Allow") != c.allow {
			t.Errorf("%s %s = %d %v Allow %q, want 405 %s Allow %q", c.method, c.path, status, out, hdr.Get("Allow"), CodeMethodNotAllowed, c.allow)
		}
	}
}

func TestListAndStatusNeverCarrySecrets(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	tok, err := r.client.Token(context.Background(), ccName, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/environments", "/v1/environments/shared"} {
		resp, err := unixHTTPClient(r.path).Get("http://x" + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, secret := range []string{tok.AccessToken.Reveal(), oauthserver.DefaultClientSecret} {
			if strings.Contains(string(body), secret) {
				t.Errorf("%s answer contains a secret", path)
			}
		}
	}
	envs, err := r.client.Environments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 3 || envs[0].Name != ccName || envs[0].State != manager.StateValid {
		t.Errorf("environments = %+v", envs)
	}
	if strings.Contains(r.logs.String(), tok.AccessToken.Reveal()) {
		t.Error("a token was logged")
	}
}

func TestSecretPutTakesEffectAtOnce(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	ctx := context.Background()
	if _, err := r.client.Token(ctx, "nosecret", 0); !isCode(err, CodeUnconfigured) {
		t.Fatalf("before: err = %v, want unconfigured", err)
	}
	st, err := r.client.SetSecret(ctx, "nosecret", oauthserver.DefaultClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if st.State == manager.StateUnconfigured {
		t.Errorf("state after secret set = %s", st.State)
	}
	if _, err := r.client.Token(ctx, "nosecret", 0); err != nil {
		t.Errorf("token after secret set: %v", err)
	}
	r.wantError("PUT", "/v1/environments/nosecret/secret", strings.NewReader(""), 400, CodeBadRequest)
	r.wantError("PUT", "/v1/environments/nope/secret", strings.NewReader("x"), 404, CodeUnknownEnvironment)
}

func TestOversizedBodyIsRefusedBeforeTheEngine(t *testing.T) {
	r := newSocketRig(t, SocketLimits{MaxBodyBytes: 1024})
	r.wantError("PUT", "/v1/environments/nosecret/secret", strings.NewReader(strings.Repeat("x", 4096)), 413, CodeTooLarge)
	if st, _ := r.client.Environment(context.Background(), "nosecret"); st.State != manager.StateUnconfigured {
		t.Errorf("an oversized secret was stored: state %s", st.State)
	}
}

func TestLogoutForgetsTheTokens(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	ctx := context.Background()
	if _, err := r.client.Token(ctx, ccName, 0); err != nil {
		t.Fatal(err)
	}
	st, err := r.client.Logout(ctx, ccName)
	if err != nil {
		t.Fatal(err)
	}
	if st.ExpiresAt != nil {
		t.Errorf("after logout the status still has a token expiring %v", st.ExpiresAt)
	}
}

func TestLoginOfAuthorizationCodeAnswersTheURL(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	ctx := context.Background()
	events, err := r.client.Events(ctx, codeName)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	info, err := r.client.Login(ctx, codeName)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.AuthorizationURL, r.oauth.AuthURL()+"?") {
		t.Fatalf("authorization_url = %q", info.AuthorizationURL)
	}
	if code, page, err := oauthserver.FollowAndCallback(ctx, info.AuthorizationURL); err != nil || code != 200 {
		t.Fatalf("callback: %d %v\n%s\nlogs:\n%s", code, err, page, r.logs)
	}
	for {
		ev, err := events.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Env != codeName {
			t.Fatalf("event of %q on a stream filtered to %q", ev.Env, codeName)
		}
		if ev.Kind == manager.EventLoginDone {
			break
		}
		if ev.Kind == manager.EventLoginFailed {
			t.Fatalf("login failed: %s", ev.Message)
		}
	}
	if _, err := r.client.Token(ctx, codeName, 0); err != nil {
		t.Errorf("token after login: %v", err)
	}
}

func TestEventStreamOutlivesTheServerTimeoutsAndKeepsAlive(t *testing.T) {
	r := newSocketRig(t, SocketLimits{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, KeepAlive: 100 * time.Millisecond})
	conn, err := net.Dial("unix", r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
	rd := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	body := bufio.NewReader(resp.Body)
	time.Sleep(600 * time.Millisecond) // three times both server timeouts

	go r.client.Refresh(context.Background(), ccName)
	var sawKeepAlive, sawEvent bool
	for !sawKeepAlive || !sawEvent {
		line, err := body.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after the server timeouts (keep-alive seen %v, event seen %v): %v", sawKeepAlive, sawEvent, err)
		}
		switch {
		case line == ": keep-alive\n":
			sawKeepAlive = true
		case strings.HasPrefix(line, "event: "):
			if data, _ := body.ReadString('\n'); !strings.HasPrefix(data, "data: {") {
				t.Fatalf("event without JSON data: %q", data)
			}
			sawEvent = true
		}
	}
}

func TestShutdownEndsOpenEventStreams(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	events, err := r.client.Events(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer events.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := r.server.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with an open stream: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Shutdown took %v", took)
	}
	ended := make(chan error, 1)
	go func() {
		for {
			if _, err := events.Next(); err != nil {
				ended <- err
				return
			}
		}
	}()
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Error("stream still open 2s after Shutdown")
	}
}

func TestHugeHeadersAreRefused(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	req, _ := http.NewRequest("GET", "http://x/v1/environments", nil)
	req.Header.Set("X-Junk", strings.Repeat("a", 64<<10))
	resp, err := unixHTTPClient(r.path).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: status %d, want 431", resp.StatusCode)
	}
	r.stillAnswers()
}

func TestSlowClientIsCutOffAndOthersAreServed(t *testing.T) {
	r := newSocketRig(t, SocketLimits{ReadHeaderTimeout: 200 * time.Millisecond})
	slow, err := net.Dial("unix", r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET /v1/environments HTTP/1.1\r\nHost: x\r\n") // never finishes
	r.stillAnswers()
	slow.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(slow)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("server still holds the slow connection after %v", time.Since(start))
	}
}

func TestJunkDoesNotStopTheServer(t *testing.T) {
	r := newSocketRig(t, SocketLimits{})
	for _, junk := range []string{"\x00\x01\x02garbage\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", strings.Repeat("A", 1<<20)} {
		c, err := net.Dial("unix", r.path)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		io.WriteString(c, junk)
		io.ReadAll(c)
		c.Close()
	}
	r.stillAnswers()
}

func (r *socketRig) stillAnswers() {
	r.t.Helper()
	if _, err := r.client.Environments(context.Background()); err != nil {
		r.t.Fatalf("server stopped answering: %v", err)
	}
}

func isCode(err error, code string) bool {
	var api *APIError
	return errors.As(err, &api) && api.Code == code
}
