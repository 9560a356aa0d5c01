package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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

// fileRig is an engine run from a real config file, served on a real
// socket, with a real authorization server behind it.
type fileRig struct {
	*socketRig
	cfgPath string
	store   *manager.VaultStore
	opened  chan string // URLs the engine opened in the "browser"
}

func newFileRig(t *testing.T, configText string) *fileRig {
	t.Helper()
	oauth := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	configText = strings.ReplaceAll(configText, "TOKEN_URL", oauth.TokenURL())
	configText = strings.ReplaceAll(configText, "AUTH_URL", oauth.AuthURL())
	configText = strings.ReplaceAll(configText, "CLIENT_ID", oauthserver.DefaultClientID)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadConfig(cfgPath)
	if err != nil {
		t.Fatalf("the test config does not load: %v", err)
	}
	store := manager.NewMemoryStore()
	for _, e := range cfg.Environments {
		if err := store.SaveSecret(e.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
			t.Fatal(err)
		}
	}
	logs := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opened := make(chan string, 4)
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log, Jitter: func() float64 { return 0 },
		OpenBrowser: func(u string) error { opened <- u; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(m, log, Limits{})
	r := serveForTest(t, oauth, m, srv, logs)
	return &fileRig{socketRig: r, cfgPath: cfgPath, store: store, opened: opened}
}

func (r *fileRig) file() string {
	r.t.Helper()
	b, err := os.ReadFile(r.cfgPath)
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func (r *fileRig) names() []string {
	var out []string
	for _, st := range r.m.Environments() {
		out = append(out, st.Name)
	}
	return out
}

const twoEnvConfig = `# my tokentray config, written by hand
[settings]
clipboard_clear = "45s" # as the team agreed

# the shared machine credentials
[[environment]]
name = "shared"
flow = "client_credentials"
token_url = "TOKEN_URL"
client_id = "CLIENT_ID"

[[environment]]
name = "other"
flow = "client_credentials"
token_url = "TOKEN_URL"
client_id = "CLIENT_ID"
`

func problemKeys(err error) []string {
	var api *socket.APIError
	if !errors.As(err, &api) {
		return nil
	}
	var keys []string
	for _, p := range api.Problems {
		keys = append(keys, p.Key)
	}
	slices.Sort(keys)
	return keys
}

func configOf(m *manager.Manager, name string) (config.Environment, bool) {
	cfg := m.Config()
	return cfg.Environment(name)
}

func TestEnvironmentConfigLeavesOutWhatThePresetFills(t *testing.T) {
	r := newFileRig(t, "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nclient_id = \"abc\"\nredirect_uri = \"http://127.0.0.1:8750/callback\"\n")
	e, err := r.client.EnvironmentConfig(context.Background(), "zs")
	if err != nil {
		t.Fatal(err)
	}
	want := config.Environment{Name: "zs", Preset: "zepto-sandbox", ClientID: "abc", RedirectURI: "http://127.0.0.1:8750/callback"}
	if e.Name != want.Name || e.Preset != want.Preset || e.ClientID != want.ClientID || e.RedirectURI != want.RedirectURI ||
		e.TokenURL != "" || e.AuthURL != "" || e.Flow != "" || e.Scopes != nil {
		t.Errorf("config %+v, want %+v", e, want)
	}
	code, body, _ := r.raw("GET", "/v1/environments/nope/config", nil)
	if code != http.StatusNotFound || body["error"] != socket.CodeUnknownEnvironment {
		t.Errorf("unknown: %d %v", code, body)
	}
}

func TestCopyNeedsAHostWithAClipboard(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	if _, err := r.client.Copy(ctx, "shared", "raw"); !isCode(err, socket.CodeNoClipboard) {
		t.Fatalf("copy on a daemon: %v, want no_clipboard", err)
	}
	var copied []string
	var mu sync.Mutex
	r.server.SetHostHooks(HostHooks{Copy: func(text string) (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		copied = append(copied, text)
		return 45 * time.Second, nil
	}})
	clears, err := r.client.Copy(ctx, "shared", "raw")
	if err != nil || clears != 45*time.Second {
		t.Fatalf("copy: %v %v", clears, err)
	}
	if _, err := r.client.Copy(ctx, "shared", "header"); err != nil {
		t.Fatal(err)
	}
	tok, err := r.client.Token(ctx, "shared", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tok.AccessToken.Reveal(), socket.AuthorizationHeader(tok.TokenType, tok.AccessToken.Reveal())}
	if !slices.Equal(copied, want) {
		t.Errorf("copied %q, want %q", copied, want)
	}
	if _, err := r.client.Copy(ctx, "shared", "json"); !isCode(err, socket.CodeBadRequest) {
		t.Errorf("format json: %v", err)
	}
	if _, err := r.client.Copy(ctx, "nope", "raw"); !isCode(err, socket.CodeUnknownEnvironment) {
		t.Errorf("unknown env: %v", err)
	}
}

func TestWindowAndHostInfoSayWhatTheHostOffers(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	if err := r.client.OpenWindow(ctx); !isCode(err, socket.CodeNoWindow) {
		t.Errorf("window on a daemon: %v", err)
	}
	h, err := r.client.Host(ctx)
	if err != nil || h.Clipboard || h.Tray || h.Window || h.Keychain || h.ConfigPath != "" {
		t.Errorf("daemon host: %+v %v", h, err)
	}
	opened := 0
	r.server.SetHostHooks(HostHooks{
		OpenWindow: func() error { opened++; return nil },
		Copy:       func(string) (time.Duration, error) { return 0, nil },
		Tray:       true,
	})
	if err := r.client.OpenWindow(ctx); err != nil || opened != 1 {
		t.Errorf("window: %v, opened %d times", err, opened)
	}
	if h, err := r.client.Host(ctx); err != nil || !h.Clipboard || !h.Tray || !h.Window {
		t.Errorf("desktop host: %+v %v", h, err)
	}
}

func TestPresetsSayWhatTheyFillAndNeed(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	list, err := r.client.Presets(context.Background())
	if err != nil || len(list) != len(config.Presets()) {
		t.Fatalf("presets: %d %v", len(list), err)
	}
	for _, p := range list {
		if p.Name == "" || p.Title == "" || p.Flow == "" || !slices.Contains(p.Needs, "client_id") {
			t.Errorf("preset %+v", p)
		}
		if p.Name == "zepto-sandbox" {
			if p.Fills.TokenURL != "https://go.sandbox.zeptopayments.com/oauth/token" || !slices.Contains(p.Needs, "redirect_uri") {
				t.Errorf("zepto-sandbox: %+v", p)
			}
		}
	}
	code, body, _ := r.raw("GET", "/v1/presets", nil)
	if code != http.StatusOK || body != nil {
		// raw decodes objects only; an array leaves body nil
		t.Errorf("GET /v1/presets: %d %v", code, body)
	}
}

func TestAuthorizeOpensTheBrowserInTheHost(t *testing.T) {
	r := newFileRig(t, "[[environment]]\nname = \"local\"\nflow = \"authorization_code\"\nauth_url = \"AUTH_URL\"\ntoken_url = \"TOKEN_URL\"\nclient_id = \"CLIENT_ID\"\n")
	ctx := context.Background()
	info, err := r.client.Authorize(ctx, "local")
	if err != nil || info.AuthorizationURL == "" {
		t.Fatalf("authorize: %+v %v", info, err)
	}
	select {
	case u := <-r.opened:
		if u != info.AuthorizationURL {
			t.Errorf("opened %q, answered %q", u, info.AuthorizationURL)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the host did not open the browser")
	}
	r.m.CancelLogin("local")
	if _, err := r.client.Login(ctx, "local"); err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-r.opened:
		t.Errorf("a plain login opened %q", u)
	case <-time.After(100 * time.Millisecond):
	}
	r.m.CancelLogin("local")
	code, body, _ := r.raw("POST", "/v1/environments/local/login", bytes.NewReader([]byte(`{"open_browser": "yes"}`)))
	if code != http.StatusBadRequest || body["error"] != socket.CodeBadRequest {
		t.Errorf("bad login body: %d %v", code, body)
	}
}
