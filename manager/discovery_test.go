package manager_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/oidcserver"
	"github.com/tokentray/tokentray/manager"
)

func TestDiscoverReadsRFC8414Metadata(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	md, err := manager.Discover(context.Background(), http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if md.AuthorizationEndpoint != srv.AuthURL() || md.TokenEndpoint != srv.TokenURL() || md.RevocationEndpoint != srv.RevokeURL() {
		t.Errorf("endpoints %+v, want the server's", md)
	}
	if !slices.Contains(md.CodeChallengeMethodsSupported, "S256") {
		t.Errorf("PKCE methods %v lack S256", md.CodeChallengeMethodsSupported)
	}
}

func TestDiscoverFallsBackToOpenIDConfiguration(t *testing.T) {
	op := oidcserver.Start(t, oidcserver.Options{})
	md, err := manager.Discover(context.Background(), http.DefaultClient, op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	if md.TokenEndpoint != op.TokenURL() || md.DeviceAuthorizationEndpoint != op.DeviceAuthorizationURL() {
		t.Errorf("endpoints %+v, want the provider's token and device endpoints", md)
	}
	if md.AuthorizationEndpoint == "" || md.RevocationEndpoint == "" {
		t.Errorf("authorization or revocation endpoint missing: %+v", md)
	}
	if n := op.Requests("/.well-known/oauth-authorization-server"); n != 1 {
		t.Errorf("RFC 8414 document asked for %d times, want 1 (tried first)", n)
	}
	if n := op.Requests("/.well-known/openid-configuration"); n != 1 {
		t.Errorf("OpenID configuration asked for %d times, want 1", n)
	}
}

func TestDiscoverRejectsIssuerMismatch(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.SetIssuer("https://someone-else.example")
	_, err := manager.Discover(context.Background(), http.DefaultClient, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "someone-else.example") {
		t.Fatalf("Discover: %v, want an issuer mismatch", err)
	}

	// The engine refuses to use the endpoints and asks the provider nothing.
	env := ccEnv(srv)
	env.TokenURL, env.Issuer = "", srv.URL
	r := newRig(t, srv, nil, env)
	if _, err := r.m.Token(context.Background(), "shared", 0); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Fatalf("Token: %v, want the issuer mismatch", err)
	}
	if n := srv.TokenRequests(); n != 0 {
		t.Errorf("%d token requests to a server whose metadata names another issuer", n)
	}
}

// metadataServer serves doc at one well-known path and records every path asked for.
func metadataServer(t *testing.T, path string, doc func(base string) map[string]any) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var seen []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(doc(srv.URL))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(seen) }
}

func TestDiscoverPutsWellKnownBeforeTheIssuerPath(t *testing.T) {
	srv, seen := metadataServer(t, "/.well-known/oauth-authorization-server/tenant-a", func(base string) map[string]any {
		return map[string]any{"issuer": base + "/tenant-a", "token_endpoint": base + "/tenant-a/token"}
	})
	md, err := manager.Discover(context.Background(), http.DefaultClient, srv.URL+"/tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	if md.TokenEndpoint != srv.URL+"/tenant-a/token" {
		t.Errorf("token endpoint %q", md.TokenEndpoint)
	}
	if got := seen(); len(got) != 1 {
		t.Errorf("asked for %v, want only the RFC 8414 §3.1 path", got)
	}
}

func TestDiscoverRefusesPlainHTTPEndpointsOffLoopback(t *testing.T) {
	srv, _ := metadataServer(t, "/.well-known/oauth-authorization-server", func(base string) map[string]any {
		return map[string]any{"issuer": base, "token_endpoint": "http://auth.example.com/token"}
	})
	_, err := manager.Discover(context.Background(), http.DefaultClient, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "https://") {
		t.Fatalf("Discover: %v, want a refusal of the http:// token endpoint", err)
	}
}

func TestDiscoverRefusesPlainHTTPIssuerOffLoopback(t *testing.T) {
	_, err := manager.Discover(context.Background(), http.DefaultClient, "http://auth.example.com")
	if err == nil || !strings.Contains(err.Error(), "https://") {
		t.Fatalf("Discover: %v, want a refusal before any request", err)
	}
}

func TestDiscoverSaysWhatToDoWhenNothingIsThere(t *testing.T) {
	srv, seen := metadataServer(t, "/nowhere", nil)
	_, err := manager.Discover(context.Background(), http.DefaultClient, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "set the endpoints") {
		t.Fatalf("Discover: %v", err)
	}
	if got := seen(); len(got) != 2 {
		t.Errorf("asked for %v, want the RFC 8414 and OpenID paths", got)
	}
}

// countingTransport counts metadata requests on their way out.
type countingTransport struct {
	mu       sync.Mutex
	metadata int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/.well-known/") {
		c.mu.Lock()
		c.metadata++
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.metadata
}

func TestDiscoveredMetadataIsCachedAndRefetchedAfterAFailure(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := ccEnv(srv)
	env.TokenURL, env.Issuer = "", srv.URL
	store := manager.NewMemoryStore()
	if err := store.SaveSecret(env.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	counter := &countingTransport{}
	m, err := manager.New(&config.Config{Environments: []config.Environment{env}}, manager.Options{
		Store: store, Clock: fakeclock.New(epoch), Logger: testLogger(), Jitter: func() float64 { return 0 },
		HTTPClient: &http.Client{Transport: counter},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Close)
	ctx := context.Background()

	if _, err := m.Token(ctx, "shared", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Refresh(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if n := counter.count(); n != 1 {
		t.Fatalf("%d metadata fetches for two token requests, want 1 (cached)", n)
	}
	srv.FailNext(1, http.StatusServiceUnavailable)
	if _, err := m.Refresh(ctx, "shared"); err == nil {
		t.Fatal("refresh through an injected 503 succeeded")
	}
	if _, err := m.Refresh(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if n := counter.count(); n != 2 {
		t.Errorf("%d metadata fetches, want 2: the failure drops the cached endpoints", n)
	}
	if n := srv.TokenRequests(); n != 4 {
		t.Errorf("%d token requests at the discovered endpoint, want 4", n)
	}
}

func TestDiscoveredEndpointsServeAnAuthCodeLogin(t *testing.T) {
	// A server that takes client credentials only in the form body says so
	// in its metadata; the engine follows.
	srv := oauthserver.Start(t, oauthserver.Options{ClientAuth: "form"})
	env := codeEnv(srv)
	env.AuthURL, env.TokenURL, env.Issuer = "", "", srv.URL
	r := newRig(t, srv, nil, env)
	r.login("local")
	if got := r.state("local"); got != manager.StateValid {
		t.Fatalf("state %s after login, want valid", got)
	}
	if auth := srv.LastClientAuth(); auth != "form" {
		t.Errorf("client authenticated by %q, want form as the metadata asks", auth)
	}
	if _, err := r.m.Refresh(context.Background(), "local"); err != nil {
		t.Fatalf("refresh at the discovered endpoint: %v", err)
	}
}
