package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/enginewait"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// socketRig is an engine with a real authorization server behind it,
// served on a real unix socket.
type socketRig struct {
	t      *testing.T
	oauth  *oauthserver.Server
	m      *manager.Manager
	server *Server
	path   string
	client *socket.Client
	logs   *strings.Builder
}

const ccName, codeName = "shared", "local"

func newSocketRig(t *testing.T, limits Limits) *socketRig {
	t.Helper()
	oauth := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	store := manager.NewMemoryStore()
	for _, env := range []string{ccName, codeName} {
		if err := store.SaveSecret(env, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Environments: []config.Environment{
		{Name: ccName, Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
		{Name: codeName, Flow: config.FlowAuthorizationCode, AuthURL: oauth.AuthURL(), TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
		{Name: "nosecret", Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
	}}
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log, Jitter: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}
	return serveForTest(t, oauth, m, NewServer(m, log, limits), logs)
}

// serveForTest serves s on a fresh socket with a client of it; the test's
// end shuts the server down (checking it stopped cleanly) and closes m.
func serveForTest(t *testing.T, oauth *oauthserver.Server, m *manager.Manager, s *Server, logs *strings.Builder) *socketRig {
	t.Helper()
	path := socketPathForTest(t)
	ln := listenForTest(t, path)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	r := &socketRig{t: t, oauth: oauth, m: m, server: s, path: path, client: socket.NewClient(path, 10*time.Second), logs: logs}
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
	r := newSocketRig(t, Limits{})
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
	r := newSocketRig(t, Limits{})
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
	r := newSocketRig(t, Limits{})
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
	r := newSocketRig(t, Limits{})
	r.wantError("GET", "/v1/environments/nope/token", nil, 404, socket.CodeUnknownEnvironment)
	r.wantError("GET", "/v1/environments/nope", nil, 404, socket.CodeUnknownEnvironment)
	r.wantError("GET", "/v1/environments/local/token", nil, 409, socket.CodeNeedsLogin)
	r.wantError("GET", "/v1/environments/nosecret/token", nil, 409, socket.CodeUnconfigured)
	r.wantError("POST", "/v1/environments/nosecret/login", nil, 409, socket.CodeUnconfigured)
	r.wantError("GET", "/v1/environments/shared/token?min_valid=soon", nil, 400, socket.CodeBadRequest)
	r.wantError("GET", "/v1/environments/shared/token?min_valid=-5s", nil, 400, socket.CodeBadRequest)
	r.wantError("GET", "/v1/nothing", nil, 404, socket.CodeNotFound)

	// Let the start-up fetch finish first, so the fault hits the refresh.
	if _, err := r.client.Token(context.Background(), ccName, 0); err != nil {
		t.Fatal(err)
	}
	r.oauth.FailNext(1, http.StatusBadRequest)
	r.wantError("POST", "/v1/environments/shared/refresh", nil, 502, socket.CodeProviderError)
}

func TestWrongMethodIsJSON405WithAllow(t *testing.T) {
	r := newSocketRig(t, Limits{})
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "/v1/environments/shared/token", "GET, HEAD"},
		{"GET", "/v1/environments/shared/refresh", "POST"},
		{"GET", "/v1/environments/shared/login", "POST, DELETE"},
		{"DELETE", "/v1/environments", "GET, HEAD"},
	} {
		status, out, hdr := r.raw(c.method, c.path, nil)
		if status != 405 || out["error"] != socket.CodeMethodNotAllowed || hdr.Get("Allow") != c.allow {
			t.Errorf("%s %s = %d %v Allow %q, want 405 %s Allow %q", c.method, c.path, status, out, hdr.Get("Allow"), socket.CodeMethodNotAllowed, c.allow)
		}
	}
}

func TestListAndStatusNeverCarrySecrets(t *testing.T) {
	r := newSocketRig(t, Limits{})
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
	if len(envs) != 3 || envs[0].Name != ccName || envs[0].State != socket.StateValid {
		t.Errorf("environments = %+v", envs)
	}
	if strings.Contains(r.logs.String(), tok.AccessToken.Reveal()) {
		t.Error("a token was logged")
	}
}

func TestSecretPutTakesEffectAtOnce(t *testing.T) {
	r := newSocketRig(t, Limits{})
	ctx := context.Background()
	if _, err := r.client.Token(ctx, "nosecret", 0); !isCode(err, socket.CodeUnconfigured) {
		t.Fatalf("before: err = %v, want unconfigured", err)
	}
	st, err := r.client.SetSecret(ctx, "nosecret", oauthserver.DefaultClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	if st.State == socket.StateUnconfigured {
		t.Errorf("state after secret set = %s", st.State)
	}
	if _, err := r.client.Token(ctx, "nosecret", 0); err != nil {
		t.Errorf("token after secret set: %v", err)
	}
	r.wantError("PUT", "/v1/environments/nosecret/secret", strings.NewReader(""), 400, socket.CodeBadRequest)
	r.wantError("PUT", "/v1/environments/nope/secret", strings.NewReader("x"), 404, socket.CodeUnknownEnvironment)
}

func TestOversizedBodyIsRefusedBeforeTheEngine(t *testing.T) {
	r := newSocketRig(t, Limits{MaxBodyBytes: 1024})
	r.wantError("PUT", "/v1/environments/nosecret/secret", strings.NewReader(strings.Repeat("x", 4096)), 413, socket.CodeTooLarge)
	if st, _ := r.client.Environment(context.Background(), "nosecret"); st.State != socket.StateUnconfigured {
		t.Errorf("an oversized secret was stored: state %s", st.State)
	}
}

func TestLogoutForgetsTheTokens(t *testing.T) {
	r := newSocketRig(t, Limits{})
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
	r := newSocketRig(t, Limits{})
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
		if ev.Kind == socket.EventLoginDone {
			break
		}
		if ev.Kind == socket.EventLoginFailed {
			t.Fatalf("login failed: %s", ev.Message)
		}
	}
	if _, err := r.client.Token(ctx, codeName, 0); err != nil {
		t.Errorf("token after login: %v", err)
	}
}

func TestEventStreamOutlivesTheServerTimeoutsAndKeepsAlive(t *testing.T) {
	r := newSocketRig(t, Limits{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, KeepAlive: 100 * time.Millisecond})
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
	r := newSocketRig(t, Limits{})
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
	r := newSocketRig(t, Limits{})
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
	r := newSocketRig(t, Limits{ReadHeaderTimeout: 200 * time.Millisecond})
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
	r := newSocketRig(t, Limits{})
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
	var api *socket.APIError
	return errors.As(err, &api) && api.Code == code
}

// send writes a raw request on a new connection and reads the answer, so
// that nothing (redirects, header checks) happens on the client's side.
func (r *socketRig) send(request string) (int, map[string]any, http.Header) {
	r.t.Helper()
	c, err := net.Dial("unix", r.path)
	if err != nil {
		r.t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	go io.WriteString(c, request) // a huge request may be answered before it is all sent
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		r.t.Fatalf("%.40q: %v", request, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" || json.Unmarshal(data, &out) != nil {
		r.t.Errorf("%.40q: HTTP %d %q answer is not JSON: %q", request, resp.StatusCode, ct, data)
	}
	return resp.StatusCode, out, resp.Header
}

func TestUncleanPathsAreJSONErrorsNotRedirects(t *testing.T) {
	r := newSocketRig(t, Limits{})
	for _, p := range []string{
		"/v1/environments/local/../shared/token",
		"//v1/environments",
		"/v1/./environments",
		"/v1/environments/%2e%2e/token",
		"/v1/environments/shared/token/.",
	} {
		status, out, hdr := r.send("GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if status != 400 || out["error"] != socket.CodeBadRequest || hdr.Get("Location") != "" {
			t.Errorf("GET %s = %d %v Location %q, want a JSON 400 %s", p, status, out, hdr.Get("Location"), socket.CodeBadRequest)
		}
	}
	r.wantError("GET", "/v1/environments/", nil, 404, socket.CodeNotFound)
	r.stillAnswers()
}

func TestServerOwnErrorsAreJSON(t *testing.T) {
	r := newSocketRig(t, Limits{MaxHeaderBytes: 1 << 10})
	huge := "GET /v1/environments HTTP/1.1\r\nHost: x\r\nX-Junk: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
	if status, out, _ := r.send(huge); status != 431 || out["error"] != socket.CodeTooLarge || !strings.Contains(out["message"].(string), "1024 bytes") {
		t.Errorf("64 KiB header = %d %v, want a JSON 431 %s naming the limit", status, out, socket.CodeTooLarge)
	}
	for _, junk := range []string{
		"GET /v1/environments HTTP/1.1\r\n\r\n", // no Host
		"\x00\x01garbage\r\n\r\n",
		"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET /v1/environments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
	} {
		if status, out, _ := r.send(junk); status < 400 || out["message"] == "" || out["error"] == "" {
			t.Errorf("%q = %d %v, want a JSON error", junk, status, out)
		}
	}
	r.stillAnswers()
}

func TestMinValidOutOfRangeIsRefused(t *testing.T) {
	r := newSocketRig(t, Limits{})
	for _, v := range []string{"18446744074", "9223372037", "86401", "25h", "99999999999999999999", "9999999999999h"} {
		r.wantError("GET", "/v1/environments/shared/token?min_valid="+v, nil, 400, socket.CodeBadRequest)
	}
	for _, v := range []string{"86400", "24h", "30", "30s"} {
		if status, out, _ := r.raw("GET", "/v1/environments/shared/token?min_valid="+v, nil); status != 200 {
			t.Errorf("min_valid=%s = %d %v, want 200", v, status, out)
		}
	}
}

// openStream subscribes to /v1/events on a raw connection that the test
// never reads past the answer head.
func (r *socketRig) openStream() (net.Conn, int) {
	r.t.Helper()
	c, err := net.Dial("unix", r.path)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	c.SetReadDeadline(time.Time{})
	return c, resp.StatusCode
}

func (r *socketRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEventSubscribersAreCapped(t *testing.T) {
	r := newSocketRig(t, Limits{MaxSubscribers: 2})
	first, status := r.openStream()
	if status != 200 {
		t.Fatalf("first stream: %d", status)
	}
	if _, status := r.openStream(); status != 200 {
		t.Fatalf("second stream: %d", status)
	}
	r.wantError("GET", "/v1/events", nil, 503, socket.CodeTooManySubscribers)
	r.stillAnswers()
	first.Close()
	r.waitFor("a closed stream frees its place", func() bool { return r.server.subscribers.Load() == 1 })
	if _, status := r.openStream(); status != 200 {
		t.Errorf("stream after one closed: %d", status)
	}
}

func TestSubscriberThatDoesNotReadIsDropped(t *testing.T) {
	r := newSocketRig(t, Limits{EventWriteTimeout: 200 * time.Millisecond})
	stuck, _ := r.openStream()
	// Events until its socket buffer is full and a write times out.
	refreshes := 0
	r.waitFor("the non-reading subscriber is dropped", func() bool {
		if _, err := r.client.Refresh(context.Background(), ccName); err != nil {
			t.Fatal(err)
		}
		refreshes++
		return r.server.subscribers.Load() == 0
	})
	t.Logf("dropped after %d refreshes", refreshes)
	// Its connection was closed: after the buffered events, EOF.
	stuck.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, stuck); err != nil {
		t.Errorf("dropped stream: %v, want EOF", err)
	}
}

func TestIdleConnectionFloodEvictsItsOldestAndReadsGoOn(t *testing.T) {
	const max = 8
	r := newSocketRig(t, Limits{MaxConns: max})
	var idle []net.Conn
	for range 3 * max {
		c, err := net.Dial("unix", r.path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	// The read's connection queues behind the flood's, so by the time it
	// is answered every one of them has been accepted.
	if _, err := r.client.Token(context.Background(), ccName, 0); err != nil {
		t.Fatalf("token read during an idle flood: %v", err)
	}
	// The first ones connected were the ones closed.
	idle[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle[0].Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the oldest idle connection is still open (read %d, %v)", n, err)
	}
	if n := r.server.capped.Load().open(); n > max {
		t.Errorf("%d connections open, cap %d", n, max)
	}
}

func TestWhenEveryConnectionIsBusyNewOnesGetJSON503(t *testing.T) {
	const max = 3
	r := newSocketRig(t, Limits{MaxConns: max})
	for range max {
		if _, status := r.openStream(); status != 200 {
			t.Fatalf("stream: %d", status)
		}
	}
	c, err := net.Dial("unix", r.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a connection over the cap: %v", err)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 503 || out["error"] != socket.CodeTooManyConnections {
		t.Errorf("connection over the cap = %d %v, want 503 %s", resp.StatusCode, out, socket.CodeTooManyConnections)
	}
}

// lockedWriter lets the engine's goroutines log into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// socketPathForTest is a short path (unix socket paths are limited to 108
// bytes) in a fresh directory that is removed after the test.
func socketPathForTest(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tt-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "tokentray", "tokentray.sock")
}

func listenForTest(t testing.TB, path string) net.Listener {
	t.Helper()
	ln, err := socket.Listen(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// unixHTTPClient speaks HTTP over the unix socket at path, with no trust checks.
func unixHTTPClient(path string) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}
