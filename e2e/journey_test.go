//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

func codeConfig(srv *oauthserver.Server, name string) string {
	return fmt.Sprintf(`[[environment]]
name = %q
flow = "authorization_code"
auth_url = %q
token_url = %q
revocation_url = %q
client_id = %q
scopes = ["read"]
`, name, srv.AuthURL(), srv.TokenURL(), srv.RevokeURL(), oauthserver.DefaultClientID)
}

func clientCredentialsConfig(srv *oauthserver.Server, name string) string {
	return fmt.Sprintf(`[[environment]]
name = %q
flow = "client_credentials"
token_url = %q
client_id = %q
`, name, srv.TokenURL(), oauthserver.DefaultClientID)
}

// acceptedByProvider asks the provider's resource server whether token is
// one it issued and still honours.
func acceptedByProvider(t *testing.T, srv *oauthserver.Server, token string) bool {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.ResourceURL(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// login runs `tokentray login ENV --no-browser`, follows the printed URL
// like a browser and waits for the command to finish.
func (h *home) login(env string) result {
	h.t.Helper()
	url, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "30s")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(url, "/authorize?") {
		h.t.Fatalf("first line of `login` is not the authorization URL: %q", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, page, err := oauthserver.FollowAndCallback(ctx, url)
	if err != nil || code != http.StatusOK {
		h.t.Fatalf("browser: callback answered %d %v\n%s", code, err, page)
	}
	return wait()
}

// TestLoginThenScriptsGetTokensUntilLogout is a user's whole journey: the
// secret goes into the keychain, login in the browser, scripts read the
// token in every format, exec, refresh, a restart that keeps the login,
// and logout with revocation.
func TestLoginThenScriptsGetTokensUntilLogout(t *testing.T) {
	requireKeychain(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("zepto")
	h.writeConfig(codeConfig(srv, env))

	d := h.startDaemon()
	out := h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if !strings.Contains(out, env+": client secret stored") {
		t.Errorf("secret set said %q", out)
	}
	status := h.mustRun("", "status")
	if !regexp.MustCompile(env + `\s+needs_login\s+no token\s+run ` + "`tokentray login " + env + "`").MatchString(status) {
		t.Errorf("status before login:\n%s", status)
	}
	h.wantFailure(h.run("", "token", env), 3, "run `tokentray login "+env+"`")

	if r := h.login(env); r.code != 0 {
		t.Fatalf("login exit %d\nstdout: %s\nstderr: %s\ndaemon:\n%s", r.code, r.stdout, r.stderr, d.logs)
	}

	// token, in all three formats, is the provider's token.
	raw := strings.TrimSuffix(h.mustRun("", "token", env), "\n")
	if raw == "" || strings.Contains(raw, "\n") || !acceptedByProvider(t, srv, raw) {
		t.Fatalf("raw token %q is not one the provider accepts", raw)
	}
	var answer map[string]any
	if err := json.Unmarshal([]byte(h.mustRun("", "token", env, "--format", "json")), &answer); err != nil {
		t.Fatal(err)
	}
	if answer["access_token"] != raw || answer["token_type"] == "" || answer["expires_in"].(float64) < 7000 {
		t.Errorf("json token answer = %v", answer)
	}
	if _, err := time.Parse(time.RFC3339, answer["expires_at"].(string)); err != nil {
		t.Errorf("expires_at: %v", err)
	}
	if got := h.mustRun("", "token", "--format", "header", env); got != "Authorization: Bearer "+raw+"\n" {
		t.Errorf("header format = %q", got)
	}

	// status, for people and for scripts; neither shows the token.
	status = h.mustRun("", "status")
	if !regexp.MustCompile(env + `\s+valid\s+expires in 1h 5\dm\n`).MatchString(status) {
		t.Errorf("status after login:\n%s", status)
	}
	statusJSON := h.mustRun("", "status", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(statusJSON), &list); err != nil || len(list) != 1 || list[0]["state"] != "valid" || list[0]["name"] != env {
		t.Errorf("status --json = %s (%v)", statusJSON, err)
	}
	if strings.Contains(status+statusJSON, raw) {
		t.Error("status shows the access token")
	}

	// exec: the child sees the token, and its exit code comes back.
	check := `test "$ACCESS_TOKEN" = "` + raw + `" && exit 7; exit 1`
	if r := h.run("", "exec", env, "--", "sh", "-c", check); r.code != 7 {
		t.Errorf("exec: child exit %d, want 7 (token in $ACCESS_TOKEN)\nstderr: %s", r.code, r.stderr)
	}
	check = `test "$MY_TOKEN" = "` + raw + `" && test -z "$ACCESS_TOKEN"`
	if r := h.run("", "exec", env, "--env-var", "MY_TOKEN", "--", "sh", "-c", check); r.code != 0 {
		t.Errorf("exec --env-var MY_TOKEN: exit %d, stderr: %s", r.code, r.stderr)
	}

	// refresh: a new token from the refresh token grant.
	before := srv.TokenRequestsByGrant("refresh_token")
	h.mustRun("", "refresh", env)
	refreshed := strings.TrimSpace(h.mustRun("", "token", env))
	if refreshed == raw || srv.TokenRequestsByGrant("refresh_token") != before+1 || !acceptedByProvider(t, srv, refreshed) {
		t.Errorf("refresh did not replace the token with a new one from the provider")
	}

	// A restart reads the tokens back from the keychain: no login.
	d.stop()
	requests := srv.TokenRequests()
	h.startDaemon()
	if got := strings.TrimSpace(h.mustRun("", "token", env)); got != refreshed {
		t.Errorf("after restart: token %q, want the one from before the restart", got)
	}
	if srv.TokenRequests() != requests {
		t.Errorf("the restart asked the provider again (%d -> %d token requests)", requests, srv.TokenRequests())
	}

	// logout revokes at the provider and forgets.
	h.mustRun("", "logout", env)
	if acceptedByProvider(t, srv, refreshed) {
		t.Error("the provider still accepts the token after logout (no revocation)")
	}
	h.wantFailure(h.run("", "token", env), 3, "needs login")
}

func TestSecretSetGoesThroughTheRunningDaemonAndTakesEffectAtOnce(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("campaignflow")
	h.writeConfig(clientCredentialsConfig(srv, env))
	h.startDaemon()

	h.wantFailure(h.run("", "token", env), 2, "tokentray secret set "+env)
	if out := h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env); strings.Contains(out, oauthserver.DefaultClientSecret) {
		t.Errorf("secret set echoed the secret: %q", out)
	}
	tok := strings.TrimSpace(h.mustRun("", "token", env))
	if !acceptedByProvider(t, srv, tok) {
		t.Errorf("token after secret set is not accepted by the provider")
	}
	// Client credentials: login fetches a token and has no URL to show.
	if r := h.run("", "login", env, "--no-browser"); r.code != 0 {
		t.Errorf("login of client credentials: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestDeniedLoginFailsWithWhatToDoNext(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.DenyAuthorization(true)
	h := newHome(t)
	env := h.envName("denied")
	h.writeConfig(codeConfig(srv, env))
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)

	url, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "30s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, _ = oauthserver.FollowAndCallback(ctx, url) // the callback says "denied"
	h.wantFailure(wait(), 1, "run `tokentray login "+env+"` to try again")
}

func TestLoginTimesOutWhenNobodyAuthorizes(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("slow")
	h.writeConfig(codeConfig(srv, env))
	h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", env)

	_, wait := h.startReadingFirstLine("login", env, "--no-browser", "--timeout", "1s")
	h.wantFailure(wait(), 1, "not finished within 1s")
	// The daemon ended the authorization too.
	st := h.mustRun("", "status")
	if strings.Contains(st, "authorizing") {
		t.Errorf("still authorizing after the login command gave up:\n%s", st)
	}
}
