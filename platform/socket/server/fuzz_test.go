package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// FuzzSocketRouter sends fuzzed method, target (path and query) and body
// through net/http's own request parser to the socket API's handler, in
// front of an engine with a real config and a real authorization server.
// Whatever arrives: no panic, and every answer but the event stream is
// JSON, errors in the {"error", "message"} shape, and no redirect. Seeds
// are in testdata/fuzz/FuzzSocketRouter.
func FuzzSocketRouter(f *testing.F) {
	for _, seed := range []struct{ method, target, body string }{
		{"GET", "/v1/environments", ""},
		{"GET", "/v1/environments/shared", ""},
		{"GET", "/v1/environments/shared/token?min_valid=30s", ""},
		{"GET", "/v1/environments/shared/token?min_valid=-1", ""},
		{"GET", "/v1/environments/local/token", ""},
		{"GET", "/v1/environments/nosecret/token?min_valid=99999999999999999999", ""},
		{"POST", "/v1/environments/shared/refresh", ""},
		{"POST", "/v1/environments/local/login", ""},
		{"DELETE", "/v1/environments/local/login", ""},
		{"PUT", "/v1/environments/nosecret/secret", "s3cr3t"},
		{"POST", "/v1/environments/local/logout", ""},
		{"GET", "/v1/events?env=shared", ""},
		{"PATCH", "/v1/environments", "{}"},
		{"GET", "/v1/environments/%2e%2e/token", ""},
		{"GET", "/v1/environments/local/../shared/token", ""},
		{"GET", "//v1/environments", ""},
		{"GET", "/v1/./events", ""},
		{"GET", "/v1/environments/shared/token?min_valid=18446744074", ""},
		{"GET", "/v1/environments/no%20such/token", ""},
		{"HEAD", "/v1/environments/shared/token", ""},
		{"GET", "/", ""},
		{"OPTIONS", "*", ""},
	} {
		f.Add(seed.method, seed.target, []byte(seed.body))
	}

	oauth := oauthserver.Start(f, oauthserver.Options{AccessTokenTTL: time.Hour})
	store := manager.NewMemoryStore()
	for _, env := range []string{"shared", "local"} {
		_ = store.SaveSecret(env, manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	}
	cfg := &config.Config{Environments: []config.Environment{
		{Name: "shared", Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
		{Name: "local", Flow: config.FlowAuthorizationCode, AuthURL: oauth.AuthURL(), TokenURL: oauth.TokenURL(),
			RevokeURL: oauth.RevokeURL(), ClientID: oauthserver.DefaultClientID},
		{Name: "nosecret", Flow: config.FlowClientCredentials, TokenURL: oauth.TokenURL(), ClientID: oauthserver.DefaultClientID},
	}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log, LoginTimeout: time.Minute})
	if err != nil {
		f.Fatal(err)
	}
	m.Start()
	f.Cleanup(m.Close)
	// The server's own handler: routes and middleware, as the socket serves them.
	handler := NewServer(m, log, Limits{RequestTimeout: 2 * time.Second}).srv.Handler

	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: tokentray\r\nContent-Length: %d\r\n\r\n", method, target, len(body))
		req, err := http.ReadRequest(bufio.NewReader(io.MultiReader(strings.NewReader(raw), bytes.NewReader(body))))
		if err != nil {
			return // net/http answers 400 itself before any handler runs
		}
		// The event stream runs until the client leaves: leave soon.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req = req.WithContext(ctx)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)

		res := rec.Result()
		ctype := res.Header.Get("Content-Type")
		switch {
		case ctype == "text/event-stream":
			return
		case req.Method == http.MethodHead:
			return
		case req.Method == http.MethodOptions && req.RequestURI == "*":
			// "OPTIONS *" never reaches a handler: net/http answers it.
			return
		}
		if ctype != "application/json" {
			t.Fatalf("%s %q: HTTP %d with content type %q, want JSON:\n%s", method, target, res.StatusCode, ctype, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: HTTP %d body is not JSON:\n%s", method, target, res.StatusCode, rec.Body)
		}
		if res.StatusCode >= 400 {
			var e struct {
				Error   string `json:"error"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Message == "" {
				t.Fatalf("%s %q: HTTP %d error body %s is not {\"error\", \"message\"}", method, target, res.StatusCode, rec.Body)
			}
			if strings.Contains(rec.Body.String(), oauthserver.DefaultClientSecret) {
				t.Fatalf("%s %q: the error carries the client secret", method, target)
			}
		}
	})
}
