//go:build linux

package e2e

// A script running as the user, against a daemon: the built binary, its
// command line and its config file, as the attacker would use them. The
// daemon has nobody to ask, so every change that needs the user's yes is
// refused (exit 5) and nothing is written.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// statusOf is env's entry of `tokentray status --json`.
func (h *home) statusOf(env string) socket.Status {
	h.t.Helper()
	var list []socket.Status
	if err := json.Unmarshal([]byte(h.mustRun("", "status", "--json")), &list); err != nil {
		h.t.Fatal(err)
	}
	for _, st := range list {
		if st.Name == env {
			return st
		}
	}
	h.t.Fatalf("status --json has no %s", env)
	return socket.Status{}
}

func (h *home) configText() string {
	h.t.Helper()
	b, err := os.ReadFile(h.config)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

// TestAddedGuardAppliesToTheNextRead: a guard added while the daemon runs,
// through `env set` or by hand, guards the very next read.
func TestAddedGuardAppliesToTheNextRead(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	viaSocket, byHand := h.envName("prod"), h.envName("live")
	h.writeConfig(clientCredentialsConfig(srv, viaSocket) + "\n" + clientCredentialsConfig(srv, byHand))
	h.startDaemon()
	for _, env := range []string{viaSocket, byHand} {
		h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
		h.mustRun("", "token", env)
	}

	body := `{"flow":"client_credentials","token_url":"` + srv.TokenURL() + `","client_id":"` + oauthserver.DefaultClientID + `","guard":"confirm"}`
	h.mustRun(body, "env", "set", viaSocket, "--json")
	h.wantFailure(h.run("", "token", viaSocket), 5, "denied")
	if !h.statusOf(viaSocket).Guarded {
		t.Error("status --json does not say the environment is guarded")
	}

	text := strings.Replace(h.configText(), "name = \""+byHand+"\"\n", "name = \""+byHand+"\"\nguard = \"confirm\"\n", 1)
	h.writeConfig(text)
	waitFor(t, "the hand-added guard", 10*time.Second, func() bool { return h.statusOf(byHand).Guarded })
	h.wantFailure(h.run("", "token", byHand), 5, "denied")
}

// TestScriptCannotLowerOrMoveAGuardedEnvironment: turning the guard off,
// pointing the token endpoint elsewhere, signing out and removing all need
// the user; a hand edit that turns the guard off is held back.
func TestScriptCannotLowerOrMoveAGuardedEnvironment(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("prod")
	h.writeConfig(clientCredentialsConfig(srv, env) + "guard = \"confirm\"\n")
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	before := h.configText()

	lowered := `{"flow":"client_credentials","token_url":"` + srv.TokenURL() + `","client_id":"` + oauthserver.DefaultClientID + `","guard":"none","scopes":["read"]}`
	for _, attempt := range []struct {
		what, stdin string
		args        []string
	}{
		{"guard off plus a scope", lowered, []string{"env", "set", env, "--json"}},
		{"token_url elsewhere", "", []string{"env", "set", env, "--token-url", "https://collector.example/token"}},
		{"client id", "", []string{"env", "set", env, "--client-id", "someone-else"}},
		{"sign out", "", []string{"logout", env}},
		{"remove", "", []string{"env", "remove", env}},
	} {
		r := h.run(attempt.stdin, attempt.args...)
		if r.code != 5 || !strings.Contains(r.stderr, "denied") {
			t.Errorf("%s: exit %d, stderr %q; want 5 denied", attempt.what, r.code, r.stderr)
		}
	}
	if after := h.configText(); after != before {
		t.Errorf("refused changes wrote the config:\n%s", after)
	}

	// By hand: held back, and said so; the entry keeps running guarded.
	h.writeConfig(strings.Replace(before, "guard = \"confirm\"\n", "scopes = [\"read\"]\n", 1))
	waitFor(t, "the held hand edit in status", 10*time.Second, func() bool { return h.statusOf(env).Held != "" })
	st := h.statusOf(env)
	if !st.Guarded || !strings.Contains(st.Held, `guard = "none"`) {
		t.Errorf("status after a hand edit turning the guard off: guarded %v, held %q", st.Guarded, st.Held)
	}
	h.wantFailure(h.run("", "token", env), 5, "denied")
}

// TestTokensNeverFollowAMovedTokenEndpoint: pointing an (unguarded)
// environment's token_url at another server sends neither the stored
// refresh token nor the client secret there.
func TestTokensNeverFollowAMovedTokenEndpoint(t *testing.T) {
	var got atomic.Int32
	var seen atomic.Value
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		_ = r.ParseForm()
		seen.Store(r.PostForm.Encode() + " " + r.Header.Get("Authorization"))
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
	}))
	defer collector.Close()

	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	code, cc := h.envName("web"), h.envName("api")
	h.writeConfig(codeConfig(srv, code) + "\n" + clientCredentialsConfig(srv, cc))
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", code)
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", cc)
	if r := h.login(code); r.code != 0 {
		t.Fatalf("login: %+v", r)
	}
	h.mustRun("", "token", cc)

	for _, env := range []string{code, cc} {
		h.mustRun("", "env", "set", env, "--token-url", collector.URL+"/token")
	}
	h.wantFailure(h.run("", "refresh", code), 3, "needs login")
	h.wantFailure(h.run("", "token", cc), 2, "given for")
	if n := got.Load(); n != 0 {
		t.Fatalf("the collector got %d requests: %v", n, seen.Load())
	}
	if st := h.statusOf(code); st.State != socket.StateNeedsLogin || !strings.Contains(st.Error, "moved") {
		t.Errorf("%s after the move: %s %q; want needs_login saying the endpoint moved", code, st.State, st.Error)
	}
	if st := h.statusOf(cc); st.Next == nil || st.Next.Action != socket.NextSetSecret {
		t.Errorf("%s after the move: next %+v; want set_secret", cc, st.Next)
	}
}

// TestValuesOutOfBoundsAreRefusedWithTheBound: a 10,000-character name
// and a 10-year clipboard are refused, in the file and through the socket.
func TestValuesOutOfBoundsAreRefusedWithTheBound(t *testing.T) {
	h := newHome(t)
	long := strings.Repeat("a", 10000)
	h.writeConfig("[settings]\nclipboard_clear = \"87600h\"\n")
	r := h.run("", "daemon")
	h.wantFailure(r, 2, "between 5s and 1h")

	h.writeConfig("")
	h.startDaemon()
	r = h.run(`{"flow":"client_credentials","token_url":"https://example.com/token","client_id":"x"}`, "env", "set", long, "--json")
	h.wantFailure(r, 2, "at most 64")
	if strings.Contains(r.stderr, long) {
		t.Error("the refusal prints the whole 10,000-character name")
	}
}
