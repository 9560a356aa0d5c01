package cli

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/enginewait"

	"github.com/tokentray/tokentray/host"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// envRig is a real engine and socket server run from a real config file,
// for the commands that edit it.
type envRig struct {
	cfgPath, sockPath string
	m                 *manager.Manager
	store             *manager.VaultStore
	tokenURL          string
}

func newEnvRig(t *testing.T) *envRig {
	t.Helper()
	oauth := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: time.Hour})
	dir, err := os.MkdirTemp("", "tt-env-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfgPath := filepath.Join(dir, "config.toml")
	text := "# hand-written\n[[environment]]\nname = \"shared\"\nflow = \"client_credentials\"\ntoken_url = \"" + oauth.TokenURL() +
		"\"\nclient_id = \"" + oauthserver.DefaultClientID + "\"\n"
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	cf := host.NewConfigFile(cfgPath, log)
	cfg, err := cf.Load()
	if err != nil {
		t.Fatal(err)
	}
	store := manager.NewMemoryStore()
	_ = store.SaveSecret("shared", manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	m, err := manager.New(cfg, manager.Options{Store: store, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	cf.Attach(m)
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}
	sockPath := filepath.Join(dir, "run", "tokentray.sock")
	ln, err := socket.Listen(sockPath, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewServer(m, log, server.Limits{})
	srv.SetConfigEditor(cf)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		cf.Close()
		m.Close()
	})
	return &envRig{cfgPath: cfgPath, sockPath: sockPath, m: m, store: store, tokenURL: oauth.TokenURL()}
}

func (r *envRig) run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(append(args, "--socket", r.sockPath), strings.NewReader(stdin), &out, &errb, Options{})
	return code, out.String(), errb.String()
}

func (r *envRig) file(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(r.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEnvSetAddsChangesAndRemoveRemoves(t *testing.T) {
	r := newEnvRig(t)
	code, out, errs := r.run(t, "", "env", "set", "api", "--flow", "client_credentials", "--token-url", r.tokenURL,
		"--client-id", "cid", "--scope", "read", "--scope", "write")
	if code != exitOK || !strings.Contains(out, "api: saved") {
		t.Fatalf("env set: %d %q %q", code, out, errs)
	}
	cfg := r.m.Config()
	e, ok := cfg.Environment("api")
	if !ok || e.ClientID != "cid" || strings.Join(e.Scopes, " ") != "read write" {
		t.Fatalf("engine has %+v %v", e, ok)
	}
	// Only the flag given changes; the rest stays as the file has it.
	if code, _, errs := r.run(t, "", "env", "set", "api", "--client-id", "cid2"); code != exitOK {
		t.Fatalf("env set --client-id: %d %q", code, errs)
	}
	text := r.file(t)
	if !strings.Contains(text, "# hand-written") || !strings.Contains(text, `client_id = "cid2"`) || !strings.Contains(text, `scopes = ["read", "write"]`) {
		t.Errorf("file after two sets:\n%s", text)
	}

	// --json: the whole environment from stdin.
	body := `{"flow": "client_credentials", "token_url": "` + r.tokenURL + `", "client_id": "from-json"}`
	if code, _, errs := r.run(t, body, "env", "set", "json-one", "--json"); code != exitOK {
		t.Fatalf("env set --json: %d %q", code, errs)
	}
	cfg = r.m.Config()
	if e, ok := cfg.Environment("json-one"); !ok || e.ClientID != "from-json" {
		t.Errorf("json-one: %+v %v", e, ok)
	}

	if code, out, errs := r.run(t, "", "env", "remove", "api"); code != exitOK || !strings.Contains(out, "api: removed") {
		t.Fatalf("env remove: %d %q %q", code, out, errs)
	}
	cfg = r.m.Config()
	if _, ok := cfg.Environment("api"); ok || strings.Contains(r.file(t), `name = "api"`) {
		t.Errorf("api still there:\n%s", r.file(t))
	}
	if code, _, errs := r.run(t, "", "env", "remove", "api"); code != exitUsage || !strings.Contains(errs, "unknown environment") {
		t.Errorf("remove again: %d %q", code, errs)
	}
}

func TestEnvSetPrintsEveryProblemAndExits2(t *testing.T) {
	r := newEnvRig(t)
	before := r.file(t)
	body := `{"flow": "client_credentials", "token_url": "ftp://x/token", "colour": "red", "client_secret": "hunter2"}`
	code, out, errs := r.run(t, body, "env", "set", "bad", "--json")
	if code != exitUsage || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 3 {
		t.Errorf("want one line per problem (3), got:\n%s", errs)
	}
	for _, key := range []string{"token_url", "colour", "client_secret"} {
		if !strings.Contains(errs, `key "`+key+`"`) {
			t.Errorf("stderr does not name %s:\n%s", key, errs)
		}
	}
	if strings.Contains(errs, "hunter2") {
		t.Error("the secret was echoed")
	}
	if r.file(t) != before {
		t.Error("the config file changed")
	}
}

func TestEnvWithoutARunningTokentrayExits4(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := Run([]string{"env", "remove", "x", "--socket", filepath.Join(dir, "none.sock")}, strings.NewReader(""), &out, &errb, Options{})
	if code != exitNoDaemon {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}
