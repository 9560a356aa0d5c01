package manager_test

// Fuzz targets for what reaches tokentray from outside: the config file
// and the query string a browser sends to the loopback callback. Seeds are
// in testdata/fuzz/<target>; `make fuzz` runs each for longer.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// FuzzParseConfig: any bytes give either a config the engine starts with
// or errors that name the file; never a panic.
func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"full.toml", "errors.toml"} {
		if data, err := os.ReadFile(filepath.Join("..", "config", "testdata", "config", name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("[[environment]]\nname = \"a\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:1/t\"\nclient_id = \"x\"\n"))
	f.Add([]byte("[settings]\nrefresh_margin = \"2m\"\nclipboard_clear = \"10s\"\n"))
	f.Add([]byte("[[environment]]\nname = \"z\"\npreset = \"zepto-sandbox\"\nclient_id = \"id\"\nscopes = [\"a\", \"b\"]\n"))
	f.Add([]byte("[[environment]]\nname = \"a\"\n[[environment]]\nname = \"a\"\n"))
	f.Add([]byte("[environment]\nname = 1\n\"\\u0000\" = [[1], {a = 2}]\n"))
	const path = "/home/someone/.config/tokentray/config.toml"
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.ParseConfig(path, data)
		if err != nil {
			for _, p := range config.ConfigErrors(err) {
				if !strings.Contains(p.Error(), path) {
					t.Errorf("config error does not name the file: %q", p.Error())
				}
			}
			if msg := err.Error(); msg == "" || (utf8.Valid(data) && !utf8.ValidString(msg)) {
				t.Errorf("unreadable error message %q", msg)
			}
			return
		}
		if cfg == nil {
			t.Fatal("no error and no config")
		}
		names := map[string]bool{}
		for _, e := range cfg.Environments {
			if names[e.Name] {
				t.Fatalf("duplicate environment %q accepted", e.Name)
			}
			names[e.Name] = true
			if err := config.CheckEnvironment(e); err != nil {
				t.Errorf("accepted environment %q fails its own check: %v", e.Name, err)
			}
		}
		if cfg.Settings.RefreshMargin <= 0 || cfg.Settings.ClipboardClear <= 0 {
			t.Errorf("accepted settings without defaults: %+v", cfg.Settings)
		}
		// What the parser accepts, the engine runs with.
		m, err := manager.New(cfg, manager.Options{Logger: discardLogger()})
		if err != nil {
			t.Fatalf("engine refuses a config the parser accepted: %v", err)
		}
		if got := len(m.Environments()); got != len(cfg.Environments) {
			t.Errorf("engine shows %d environments of %d", got, len(cfg.Environments))
		}
	})
}

// callbackRig is one authorization waiting at its loopback listener.
type callbackRig struct {
	srv      *oauthserver.Server
	m        *manager.Manager
	store    *manager.VaultStore
	callback string // the redirect_uri, without a query
	state    string
}

// begin starts an authorization unless one is running.
func (c *callbackRig) begin(t *testing.T) {
	t.Helper()
	if st, _ := c.m.Status("local"); st.State == manager.StateAuthorizing {
		return
	}
	info, err := c.m.Login(context.Background(), "local")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	q := queryOf(t, info.AuthorizationURL)
	c.callback, c.state = q.Get("redirect_uri"), q.Get("state")
}

// FuzzCallbackQuery sends fuzzed query strings to the real loopback
// listener of a running authorization. "STATE" in the input stands for the
// right state, so the fuzzer reaches past the state check too. The
// listener must always answer (a handler panic drops the connection), a
// wrong state must change nothing, and no query can make tokens appear: the
// fuzzer cannot know a code the provider issued.
func FuzzCallbackQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"state=STATE&code=abc",
		"state=wrong&code=abc",
		"code=abc",
		"state=STATE",
		"state=STATE&error=access_denied",
		"state=STATE&error=server_error&error_description=%3Cscript%3E",
		"state=STATE&state=other&code=x",
		"state=other&state=STATE&code=x",
		"state=STATE&code=abc&iss=http%3A%2F%2Fevil",
		"state=%00&code=%ff%fe",
		"state=STATE;code=abc",
		"%zz=1&state",
	} {
		f.Add(seed)
	}
	srv := oauthserver.Start(f, oauthserver.Options{})
	store := manager.NewMemoryStore()
	_ = store.SaveSecret("local", manager.StoredSecret{Value: oauthserver.DefaultClientSecret})
	m, err := manager.New(&config.Config{Environments: []config.Environment{codeEnv(srv)}}, manager.Options{
		Store: store, Logger: discardLogger(), LoginTimeout: time.Hour,
	})
	if err != nil {
		f.Fatal(err)
	}
	m.Start()
	f.Cleanup(m.Close)
	c := &callbackRig{srv: srv, m: m, store: store}
	client := &http.Client{Timeout: 10 * time.Second}

	f.Fuzz(func(t *testing.T, query string) {
		c.begin(t)
		raw := strings.ReplaceAll(query, "STATE", url.QueryEscape(c.state))
		target, err := url.Parse(c.callback)
		if err != nil {
			t.Fatal(err)
		}
		target.RawQuery = raw
		req, err := http.NewRequest(http.MethodGet, target.String(), nil)
		if err != nil {
			return // not a request a browser could send
		}
		requests := srv.TokenRequests()
		resp, err := client.Do(req)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset") {
				t.Fatalf("the callback listener dropped %q: %v", raw, err)
			}
			return // the listener closed after an earlier input ended the flow
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "" {
			t.Errorf("answer to %q has no content type", raw)
		}

		q, _ := url.ParseQuery(req.URL.RawQuery)
		rightState := q.Get("state") == c.state
		st, _ := m.Status("local")
		if !rightState {
			if st.State != manager.StateAuthorizing {
				t.Fatalf("a callback with the wrong state (%q) ended the authorization: state %s", raw, st.State)
			}
			if srv.TokenRequests() != requests {
				t.Fatalf("a callback with the wrong state (%q) reached the token endpoint", raw)
			}
		}
		if saved, _ := store.LoadTokens("local"); saved != nil || st.State == manager.StateValid {
			t.Fatalf("callback %q produced tokens without a code the provider issued", raw)
		}
	})
}
