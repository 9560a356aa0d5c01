package socket

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

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// fileRig is an engine run from a real config file, served on a real
// socket, with a real authorization server behind it.
type fileRig struct {
	*socketRig
	cfgPath string
	store   *manager.MemoryStore
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
		if err := store.SaveSecret(e.Name, oauthserver.DefaultClientSecret); err != nil {
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
	srv := NewServer(m, log, Limits{})
	srv.SetConfigPath(cfgPath)
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
	var api *APIError
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

func TestPutEnvironmentWithBadInputAnswersEveryProblemAndWritesNothing(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	before := r.file()
	cases := []struct {
		name, env, body string
		keys            []string
	}{
		{"unknown keys, a bad URL and a secret at once", "new-one",
			`{"flow": "client_credentials", "colour": "red", "token_url": "ftp://example.com/token", "client_secret": "s3cr3t", "auth_url": "http://example.com/authorize"}`,
			[]string{"auth_url", "client_secret", "colour", "token_url"}},
		{"a name that another environment has", "shared",
			`{"name": "other", "flow": "client_credentials", "token_url": "https://example.com/token"}`,
			[]string{"name"}},
		{"a key given twice and a wrong type", "new-one",
			`{"flow": "client_credentials", "flow": "client_credentials", "scopes": "read write", "token_url": "https://example.com/token"}`,
			[]string{"flow", "scopes"}},
		{"a bad name in the path and an unknown flow", "Bad_Name",
			`{"flow": "implicit", "token_url": "https://example.com/token"}`,
			[]string{"flow", "name"}},
		{"a redirect URI that is not a URL and an unknown auth style", "new-one",
			`{"flow": "authorization_code", "auth_url": "https://example.com/a", "token_url": "https://example.com/t", "redirect_uri": "127.0.0.1:8750", "auth_style": "magic"}`,
			[]string{"auth_style", "redirect_uri"}},
		{"not a JSON object", "new-one", `["flow"]`, []string{""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.client.PutEnvironmentJSON(context.Background(), tc.env, []byte(tc.body))
			var api *APIError
			if !errors.As(err, &api) || api.Status != http.StatusBadRequest || api.Code != CodeInvalidConfig {
				t.Fatalf("PUT: %v, want 400 invalid_config", err)
			}
			if got := problemKeys(err); !slices.Equal(got, tc.keys) {
				t.Errorf("problem keys %q, want %q (problems: %+v)", got, tc.keys, api.Problems)
			}
			for _, p := range api.Problems {
				if p.Message == "" || strings.Contains(p.Message, "s3cr3t") {
					t.Errorf("problem %+v: empty or carries the secret", p)
				}
			}
			if after := r.file(); after != before {
				t.Errorf("the config file changed:\n%s", after)
			}
		})
	}
	if got := r.names(); !slices.Equal(got, []string{"shared", "other"}) {
		t.Errorf("engine runs %v after refused PUTs", got)
	}
	if strings.Contains(r.logs.String(), "s3cr3t") {
		t.Error("the secret sent in a body reached the log")
	}
}

func TestPutEnvironmentKeepsCommentsAndAHandAddedEnvironment(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	// Added by hand while the server runs (the watcher is not running
	// here: the PUT itself must read the file as it is now).
	handAdded := "\n# added by hand, keep me\n[[environment]]\nname = \"by-hand\"\nflow = \"client_credentials\"\ntoken_url = \"" +
		r.oauth.TokenURL() + "\"\nclient_id = \"x\"\n"
	f, err := os.OpenFile(r.cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(handAdded); err != nil {
		t.Fatal(err)
	}
	f.Close()

	st, err := r.client.PutEnvironment(context.Background(), "api-test", config.Environment{
		Flow: config.FlowClientCredentials, TokenURL: r.oauth.TokenURL(), ClientID: oauthserver.DefaultClientID, Scopes: []string{"read"},
	})
	if err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if st.Name != "api-test" || st.Flow != config.FlowClientCredentials {
		t.Errorf("status %+v", st)
	}
	text := r.file()
	for _, want := range []string{
		"# my tokentray config, written by hand",
		`clipboard_clear = "45s" # as the team agreed`,
		"# the shared machine credentials",
		handAdded[1:],
		"name = \"api-test\"",
		"scopes = [\"read\"]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lost %q:\n%s", want, text)
		}
	}
	if got := r.names(); !slices.Equal(got, []string{"shared", "other", "by-hand", "api-test"}) {
		t.Errorf("engine runs %v, want the file's four", got)
	}
	fi, err := os.Stat(r.cfgPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after write: %v %v", fi.Mode(), err)
	}

	// A change of one key of an existing environment changes that line only.
	cur, err := r.client.EnvironmentConfig(context.Background(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	cur.ClientID = "changed-id"
	if _, err := r.client.PutEnvironment(context.Background(), "shared", cur); err != nil {
		t.Fatalf("PUT shared: %v", err)
	}
	want := strings.Replace(text, "client_id = \""+oauthserver.DefaultClientID+"\"", "client_id = \"changed-id\"", 1)
	if got := r.file(); got != want {
		t.Errorf("editing one key:\n%s\nwant:\n%s", got, want)
	}
	if e, _ := configOf(r.m, "shared"); e.ClientID != "changed-id" {
		t.Errorf("engine runs shared with client id %q", e.ClientID)
	}
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
	if code != http.StatusNotFound || body["error"] != CodeUnknownEnvironment {
		t.Errorf("unknown: %d %v", code, body)
	}
}

func TestDeleteEnvironmentRemovesItFromFileEngineAndKeychain(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	if _, err := r.client.Token(ctx, "shared", 0); err != nil {
		t.Fatalf("token: %v", err)
	}
	if tok, _ := r.store.LoadTokens("shared"); tok == nil {
		t.Fatal("no tokens stored before the delete")
	}
	if err := r.client.DeleteEnvironment(ctx, "shared"); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	if tok, _ := r.store.LoadTokens("shared"); tok != nil {
		t.Errorf("tokens still stored: %+v", tok)
	}
	if sec, _ := r.store.LoadSecret("shared"); sec != "" {
		t.Error("client secret still stored")
	}
	if sec, _ := r.store.LoadSecret("other"); sec == "" {
		t.Error("the other environment's secret went too")
	}
	text := r.file()
	if strings.Contains(text, `name = "shared"`) || strings.Contains(text, "# the shared machine credentials") {
		t.Errorf("shared is still in the file:\n%s", text)
	}
	for _, want := range []string{"# my tokentray config, written by hand", `clipboard_clear = "45s" # as the team agreed`, `name = "other"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lost %q:\n%s", want, text)
		}
	}
	if got := r.names(); !slices.Equal(got, []string{"other"}) {
		t.Errorf("engine runs %v", got)
	}
	_, err := r.client.Environment(ctx, "shared")
	if !isCode(err, CodeUnknownEnvironment) {
		t.Errorf("after delete: %v", err)
	}
	if err := r.client.DeleteEnvironment(ctx, "shared"); !isCode(err, CodeUnknownEnvironment) {
		t.Errorf("second delete: %v", err)
	}
}

func TestSettingsRoundTripThroughTheFile(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	got, err := r.client.Settings(ctx)
	if err != nil || got.ClipboardClear != "45s" || got.RefreshMargin != "5m" || got.StartAtLogin != nil {
		t.Fatalf("GET settings: %+v %v", got, err)
	}
	got, err = r.client.PutSettings(ctx, Settings{RefreshMargin: "10m"})
	if err != nil || got.RefreshMargin != "10m" || got.ClipboardClear != "45s" {
		t.Fatalf("PUT settings: %+v %v", got, err)
	}
	if s := r.m.Config().Settings; s.RefreshMargin != 10*time.Minute || s.ClipboardClear != 45*time.Second {
		t.Errorf("engine settings %+v", s)
	}
	text := r.file()
	if !strings.Contains(text, `clipboard_clear = "45s" # as the team agreed`) || !strings.Contains(text, `refresh_margin = "10m"`) {
		t.Errorf("file after PUT settings:\n%s", text)
	}

	before := r.file()
	_, err = r.client.PutSettings(ctx, Settings{ClipboardClear: "soon", RefreshMargin: "-5m"})
	if got := problemKeys(err); !slices.Equal(got, []string{"clipboard_clear", "refresh_margin"}) {
		t.Errorf("bad durations: %v (keys %v)", err, got)
	}
	code, body, _ := r.raw("PUT", "/v1/settings", strings.NewReader(`{"theme": "dark", "client_secret": "x"}`))
	if code != http.StatusBadRequest || body["error"] != CodeInvalidConfig || len(body["problems"].([]any)) != 2 {
		t.Errorf("unknown keys: %d %v", code, body)
	}
	on := true
	if _, err := r.client.PutSettings(ctx, Settings{StartAtLogin: &on}); !isCode(err, CodeNoAutostart) {
		t.Errorf("start_at_login on a daemon: %v", err)
	}
	if after := r.file(); after != before {
		t.Errorf("refused settings changed the file:\n%s", after)
	}

	// A host that can start at login: the hook is its seam.
	var mu sync.Mutex
	enabled := false
	r.server.SetHostHooks(HostHooks{Autostart: func(set *bool) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if set != nil {
			enabled = *set
		}
		return enabled, nil
	}})
	got, err = r.client.PutSettings(ctx, Settings{StartAtLogin: &on})
	if err != nil || got.StartAtLogin == nil || !*got.StartAtLogin {
		t.Fatalf("start_at_login on: %+v %v", got, err)
	}
	if got, _ := r.client.Settings(ctx); got.StartAtLogin == nil || !*got.StartAtLogin {
		t.Errorf("GET after on: %+v", got)
	}
}

func TestCopyNeedsAHostWithAClipboard(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	if _, err := r.client.Copy(ctx, "shared", "raw"); !isCode(err, CodeNoClipboard) {
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
	want := []string{tok.AccessToken.Reveal(), manager.AuthorizationHeader(tok.TokenType, tok.AccessToken.Reveal())}
	if !slices.Equal(copied, want) {
		t.Errorf("copied %q, want %q", copied, want)
	}
	if _, err := r.client.Copy(ctx, "shared", "json"); !isCode(err, CodeBadRequest) {
		t.Errorf("format json: %v", err)
	}
	if _, err := r.client.Copy(ctx, "nope", "raw"); !isCode(err, CodeUnknownEnvironment) {
		t.Errorf("unknown env: %v", err)
	}
}

func TestWindowAndHostInfoSayWhatTheHostOffers(t *testing.T) {
	r := newFileRig(t, twoEnvConfig)
	ctx := context.Background()
	if err := r.client.OpenWindow(ctx); !isCode(err, CodeNoWindow) {
		t.Errorf("window on a daemon: %v", err)
	}
	h, err := r.client.Host(ctx)
	if err != nil || h.Clipboard || h.Tray || h.Window || h.Keychain || h.ConfigPath != r.cfgPath {
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
	if code != http.StatusBadRequest || body["error"] != CodeBadRequest {
		t.Errorf("bad login body: %d %v", code, body)
	}
}
