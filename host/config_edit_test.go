package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	"github.com/tokentray/tokentray/platform/socket/server"
)

// editRig is the host's config service over a real config file, with the
// engine it applies to served on a real socket, and a real authorization
// server behind it.
type editRig struct {
	t       *testing.T
	oauth   *oauthserver.Server
	cfgPath string
	sock    string
	store   *manager.VaultStore
	m       *manager.Manager
	cf      *ConfigFile
	server  *server.Server
	client  *socket.Client
	logs    *syncBuffer
}

func newEditRig(t *testing.T, configText string, confirm ...func(context.Context, manager.Question) error) *editRig {
	t.Helper()
	oauth := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	configText = strings.ReplaceAll(configText, "TOKEN_URL", oauth.TokenURL())
	configText = strings.ReplaceAll(configText, "AUTH_URL", oauth.AuthURL())
	configText = strings.ReplaceAll(configText, "CLIENT_ID", oauthserver.DefaultClientID)
	dir, err := os.MkdirTemp("", "tt-edit-") // short: a unix socket path has 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cf := NewConfigFile(cfgPath, log)
	cfg, err := cf.Load()
	if err != nil {
		t.Fatalf("the test config does not load: %v", err)
	}
	store := manager.NewMemoryStore()
	for _, e := range cfg.Environments {
		if err := store.SaveSecret(e.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
			t.Fatal(err)
		}
	}
	opts := manager.Options{Store: store, Logger: log, Jitter: func() float64 { return 0 }}
	if len(confirm) > 0 {
		opts.Confirm = confirm[0]
	}
	m, err := manager.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	cf.Attach(m)
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "tokentray", "tokentray.sock")
	ln, err := socket.Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer(m, log, server.Limits{})
	srv.SetConfigEditor(cf)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	client := socket.NewClient(sock, 2*time.Minute)
	t.Cleanup(func() {
		client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
		cf.Close()
		m.Close()
	})
	return &editRig{t: t, oauth: oauth, cfgPath: cfgPath, sock: sock, store: store, m: m, cf: cf, server: srv, client: client, logs: logs}
}

func (r *editRig) file() string {
	r.t.Helper()
	b, err := os.ReadFile(r.cfgPath)
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func (r *editRig) names() []string {
	var out []string
	for _, st := range r.m.Environments() {
		out = append(out, st.Name)
	}
	return out
}

// raw sends one request over the socket as it is and decodes the JSON answer.
func (r *editRig) raw(method, path string, body io.Reader) (int, map[string]any, http.Header) {
	r.t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", r.sock)
	}}}
	req, _ := http.NewRequest(method, "http://tokentray"+path, body)
	resp, err := hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func configOf(m *manager.Manager, name string) (config.Environment, bool) {
	cfg := m.Config()
	return cfg.Environment(name)
}

func isCode(err error, code string) bool {
	var api *socket.APIError
	return errors.As(err, &api) && api.Code == code
}

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

func TestPutEnvironmentWithBadInputAnswersEveryProblemAndWritesNothing(t *testing.T) {
	r := newEditRig(t, twoEnvConfig)
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
			var api *socket.APIError
			if !errors.As(err, &api) || api.Status != http.StatusBadRequest || api.Code != socket.CodeInvalidConfig {
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
	r := newEditRig(t, twoEnvConfig)
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

func TestDeleteEnvironmentRemovesItFromFileEngineAndKeychain(t *testing.T) {
	r := newEditRig(t, twoEnvConfig)
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
	if sec, _ := r.store.LoadSecret("shared"); sec.Value != "" {
		t.Error("client secret still stored")
	}
	if sec, _ := r.store.LoadSecret("other"); sec.Value == "" {
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
	if !isCode(err, socket.CodeUnknownEnvironment) {
		t.Errorf("after delete: %v", err)
	}
	if err := r.client.DeleteEnvironment(ctx, "shared"); !isCode(err, socket.CodeUnknownEnvironment) {
		t.Errorf("second delete: %v", err)
	}
}

func TestSettingsRoundTripThroughTheFile(t *testing.T) {
	r := newEditRig(t, twoEnvConfig)
	ctx := context.Background()
	got, err := r.client.Settings(ctx)
	if err != nil || got.ClipboardClear != "45s" || got.RefreshMargin != "5m" || got.StartAtLogin != nil {
		t.Fatalf("GET settings: %+v %v", got, err)
	}
	got, err = r.client.PutSettings(ctx, socket.Settings{RefreshMargin: "10m"})
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
	_, err = r.client.PutSettings(ctx, socket.Settings{ClipboardClear: "soon", RefreshMargin: "-5m"})
	if got := problemKeys(err); !slices.Equal(got, []string{"clipboard_clear", "refresh_margin"}) {
		t.Errorf("bad durations: %v (keys %v)", err, got)
	}
	code, body, _ := r.raw("PUT", "/v1/settings", strings.NewReader(`{"colour": "dark", "client_secret": "x"}`))
	if code != http.StatusBadRequest || body["error"] != socket.CodeInvalidConfig || len(body["problems"].([]any)) != 2 {
		t.Errorf("unknown keys: %d %v", code, body)
	}
	on := true
	if _, err := r.client.PutSettings(ctx, socket.Settings{StartAtLogin: &on}); !isCode(err, socket.CodeNoAutostart) {
		t.Errorf("start_at_login on a daemon: %v", err)
	}
	if after := r.file(); after != before {
		t.Errorf("refused settings changed the file:\n%s", after)
	}

	// A host that can start at login: the hook is its seam.
	var mu sync.Mutex
	enabled := false
	r.server.SetHostHooks(server.HostHooks{Autostart: func(set *bool) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if set != nil {
			enabled = *set
		}
		return enabled, nil
	}})
	got, err = r.client.PutSettings(ctx, socket.Settings{StartAtLogin: &on})
	if err != nil || got.StartAtLogin == nil || !*got.StartAtLogin {
		t.Fatalf("start_at_login on: %+v %v", got, err)
	}
	if got, _ := r.client.Settings(ctx); got.StartAtLogin == nil || !*got.StartAtLogin {
		t.Errorf("GET after on: %+v", got)
	}
}

// The window's theme and the guard's approval window are settings like
// the others: read, written to the file with its comments, checked by the
// file's rules.
func TestThemeAndGuardWindowSettingsRoundTripThroughTheFile(t *testing.T) {
	r := newEditRig(t, twoEnvConfig)
	code, body, _ := r.raw("GET", "/v1/settings", nil)
	if code != http.StatusOK || body["theme"] != "system" || body["guard_window"] != "10m" {
		t.Fatalf("GET settings: %d %v, want theme system and guard_window 10m", code, body)
	}
	code, body, _ = r.raw("PUT", "/v1/settings", strings.NewReader(`{"theme": "dark", "guard_window": "15m"}`))
	if code != http.StatusOK || body["theme"] != "dark" || body["guard_window"] != "15m" {
		t.Fatalf("PUT theme and guard_window: %d %v", code, body)
	}
	text := r.file()
	for _, want := range []string{`theme = "dark"`, `guard_window = "15m"`, `clipboard_clear = "45s" # as the team agreed`} {
		if !strings.Contains(text, want) {
			t.Errorf("file after PUT lacks %s:\n%s", want, text)
		}
	}
	if s := r.m.Config().Settings; s.GuardWindow != 15*time.Minute {
		t.Errorf("engine guard window %v, want 15m", s.GuardWindow)
	}
	before := r.file()
	code, body, _ = r.raw("PUT", "/v1/settings", strings.NewReader(`{"theme": "blue"}`))
	problems, _ := body["problems"].([]any)
	if code != http.StatusBadRequest || len(problems) != 1 || !strings.Contains(fmt.Sprint(problems[0]), `must be "system"`) {
		t.Errorf("theme blue: %d %v", code, body)
	}
	if r.file() != before {
		t.Error("a refused theme changed the file")
	}
}

const guardedConfig = `# hand-written
[[environment]]
name = "prod"
flow = "client_credentials"
token_url = "TOKEN_URL"
client_id = "CLIENT_ID"
guard = "confirm"   # hand edit

[[environment]]
name = "sandbox"
flow = "client_credentials"
token_url = "TOKEN_URL"
client_id = "CLIENT_ID"
`

// asker answers every question with allow (or not) and remembers them.
type asker struct {
	mu    sync.Mutex
	allow bool
	asked []manager.Question
}

func (a *asker) confirm(_ context.Context, q manager.Question) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, q)
	if a.allow {
		return nil
	}
	return &manager.DeniedError{Env: q.Env, Reader: q.Reader, Action: q.Action, Reason: "you chose Deny in the notification"}
}

func (a *asker) questions() []manager.Question {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.asked)
}

func (a *asker) setAllow(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.allow = on
}

// TestGuardEditsApplyAtOnce: a guard added through the socket or by hand
// guards the very next read; one removed by hand waits for the user.
func TestGuardEditsApplyAtOnce(t *testing.T) {
	r := newEditRig(t, twoEnvConfig) // a daemon: nobody to ask, guarded reads are denied
	ctx := context.Background()
	cur, err := r.client.EnvironmentConfig(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	cur.Guard = config.GuardConfirm
	st, err := r.client.PutEnvironment(ctx, "shared", cur)
	if err != nil || !st.Guarded {
		t.Fatalf("PUT guard = confirm: status %+v, %v; want guarded", st, err)
	}
	if _, err := r.client.Token(ctx, "shared", 0); !isCode(err, socket.CodeDenied) {
		t.Fatalf("read after PUT guard = confirm: %v, want 403 denied", err)
	}
	// By hand, through the watcher: the other environment.
	defer r.cf.Watch()()
	text := strings.Replace(r.file(), "name = \"other\"\n", "name = \"other\"\nguard = \"confirm\"\n", 1)
	if err := os.WriteFile(r.cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hand-added guard applied", func() bool { return r.m.Guarded("other") })
	if _, err := r.client.Token(ctx, "other", 0); !isCode(err, socket.CodeDenied) {
		t.Fatalf("read after a hand-added guard: %v, want 403 denied", err)
	}
}

// TestLoweringOrMovingAGuardedEnvironmentAsksFirst: through the socket,
// turning the guard off, moving an endpoint, signing out and removing are
// asked before anything is written; refused, nothing changes.
func TestLoweringOrMovingAGuardedEnvironmentAsksFirst(t *testing.T) {
	a := &asker{}
	r := newEditRig(t, guardedConfig, a.confirm)
	ctx := context.Background()
	before := r.file()
	cur, err := r.client.EnvironmentConfig(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	lowered := cur
	lowered.Guard, lowered.Scopes = config.GuardNone, []string{"read"}
	moved := cur
	moved.TokenURL = "https://collector.example/token"
	for _, tc := range []struct {
		what string
		do   func() error
	}{
		{"guard = none plus a scope", func() error { _, err := r.client.PutEnvironment(ctx, "prod", lowered); return err }},
		{"token_url elsewhere", func() error { _, err := r.client.PutEnvironment(ctx, "prod", moved); return err }},
		{"sign out", func() error { _, err := r.client.Logout(ctx, "prod"); return err }},
		{"delete", func() error { return r.client.DeleteEnvironment(ctx, "prod") }},
	} {
		n := len(a.questions())
		if err := tc.do(); !isCode(err, socket.CodeDenied) {
			t.Errorf("%s, refused by the user: %v, want 403 denied", tc.what, err)
		}
		if got := a.questions(); len(got) != n+1 || got[n].Env != "prod" || got[n].Reader.PID != int32(os.Getpid()) {
			t.Errorf("%s: questions %+v, want one about prod from this test", tc.what, got[n:])
		}
	}
	if after := r.file(); after != before {
		t.Errorf("refused changes wrote the file:\n%s", after)
	}
	if !r.m.Guarded("prod") || !slices.Equal(r.names(), []string{"prod", "sandbox"}) {
		t.Errorf("refused changes changed the engine: guarded %v, names %v", r.m.Guarded("prod"), r.names())
	}
	// Unguarded environments and changes that move nothing are not asked.
	n := len(a.questions())
	sb, _ := r.client.EnvironmentConfig(ctx, "sandbox")
	sb.TokenURL = r.oauth.TokenURL() + "?v=2"
	if _, err := r.client.PutEnvironment(ctx, "sandbox", sb); err != nil {
		t.Errorf("moving an unguarded environment: %v", err)
	}
	cur.Scopes = []string{"read"}
	if _, err := r.client.PutEnvironment(ctx, "prod", cur); err != nil {
		t.Errorf("a scope on a guarded environment: %v", err)
	}
	if got := a.questions(); len(got) != n {
		t.Errorf("asked %d more questions, want none: %+v", len(got)-n, got[n:])
	}
	// Allowed: written.
	a.setAllow(true)
	if st, err := r.client.PutEnvironment(ctx, "prod", lowered); err != nil || st.Guarded {
		t.Fatalf("allowed guard = none: %+v, %v", st, err)
	}
	if !strings.Contains(r.file(), `guard = "none"`) {
		t.Errorf("the allowed change is not in the file:\n%s", r.file())
	}
}

// TestHandEditThatLowersAGuardIsHeldUntilAllowed: the same change made by
// hand in the file keeps the guarded entry running, says why, asks, and
// applies once allowed.
func TestHandEditThatLowersAGuardIsHeldUntilAllowed(t *testing.T) {
	a := &asker{}
	r := newEditRig(t, guardedConfig, a.confirm)
	defer r.cf.Watch()()
	edited := strings.Replace(r.file(), "guard = \"confirm\"   # hand edit\n", "scopes = [\"read\"]\n", 1)
	if err := os.WriteFile(r.cfgPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the question about the hand edit", func() bool { return len(a.questions()) == 1 })
	q := a.questions()[0]
	if q.Env != "prod" || q.Action != manager.ActionEdit || !strings.Contains(q.Detail, `guard = "none"`) || q.Reader.PID != 0 {
		t.Errorf("question %+v, want an edit of prod turning the guard off, asked by nobody", q)
	}
	waitFor(t, "the refusal shown", func() bool {
		st, _ := r.m.Status("prod")
		return strings.Contains(st.Held, "not applied")
	})
	if st, _ := r.m.Status("prod"); !st.Guarded || len(st.Scopes) != 0 {
		t.Errorf("refused hand edit applied: %+v", st)
	}
	if !strings.Contains(r.logs.String(), "held back") {
		t.Errorf("the log does not say the edit is held back:\n%s", r.logs.String())
	}
	// The next edit asks again; allowed, it applies as the file says.
	a.setAllow(true)
	edited = strings.Replace(edited, "scopes = [\"read\"]\n", "scopes = [\"read\", \"write\"]\n", 1)
	if err := os.WriteFile(r.cfgPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the allowed hand edit applied", func() bool {
		st, _ := r.m.Status("prod")
		return !st.Guarded && len(st.Scopes) == 2 && st.Held == ""
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
