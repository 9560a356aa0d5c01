//go:build linux

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// registeredCallback is the integrator's own server callback, registered
// with the provider long before a desktop tool: nothing on this machine
// listens there.
const registeredCallback = "https://app.example.com/oauth/callback"

// pasteProvider is the test server with registeredCallback registered for
// the test client, next to the loopback URIs.
func pasteProvider(t *testing.T) *oauthserver.Server {
	c := oauthserver.DefaultClient()
	c.RedirectURIs = append(c.RedirectURIs, registeredCallback)
	return oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{c}})
}

func pasteConfig(srv *oauthserver.Server, name string) string {
	return codeConfig(srv, name) + fmt.Sprintf("redirect_uri = %q\n", registeredCallback)
}

// landOn plays the browser: it approves at the provider and returns the
// URL the browser ends on (the registered callback with code and state),
// without opening it.
func landOn(t *testing.T, authURL string) string {
	t.Helper()
	if got := queryParam(t, authURL, "redirect_uri"); got != registeredCallback {
		t.Fatalf("authorization URL redirects to %q, want the configured %q", got, registeredCallback)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	landed, err := oauthserver.Follow(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(landed, registeredCallback+"?") {
		t.Fatalf("browser ended on %q", landed)
	}
	return landed
}

func queryParam(t *testing.T, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

// TestLoginWithRegisteredHTTPSRedirectByPastingTheURL: the redirect URI is
// the integrator's own https callback; the user pastes the URL the browser
// ended on, and scripts get tokens.
func TestLoginWithRegisteredHTTPSRedirectByPastingTheURL(t *testing.T) {
	requireKeychain(t)
	srv := pasteProvider(t)
	h := newHome(t)
	env := h.envName("paste")
	h.writeConfig(pasteConfig(srv, env))
	h.seedSecret(env)
	d := h.startDaemon()

	for _, args := range [][]string{
		{"login", env, "--paste", "--no-browser", "--timeout", "30s"},
		{"login", env, "--no-browser", "--timeout", "30s"}, // the paste path is automatic for an https redirect
	} {
		authURL, stdin, wait := h.startWithStdin(args...)
		if !strings.Contains(authURL, "/authorize?") {
			t.Fatalf("first line of `login` is not the authorization URL: %q", authURL)
		}
		landed := landOn(t, authURL)
		if _, err := io.WriteString(stdin, landed+"\n"); err != nil {
			t.Fatal(err)
		}
		r := wait()
		if r.code != 0 {
			t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s\ndaemon:\n%s", args, r.code, r.stdout, r.stderr, d.logs)
		}
		if !strings.Contains(r.stderr, "authorized") {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
		raw := strings.TrimSpace(h.mustRun("", "token", env))
		if raw == "" || !acceptedByProvider(t, srv, raw) {
			t.Fatalf("token %q is not one the provider accepts", raw)
		}
		if v := srv.LastTokenRequest(); v.Get("code_verifier") == "" || v.Get("redirect_uri") != registeredCallback {
			t.Errorf("code exchange: verifier %q, redirect_uri %q", v.Get("code_verifier"), v.Get("redirect_uri"))
		}
	}
}

// TestPastedURLWithWrongStateOrDenialFails: a URL of another sign-in is
// refused with a clear line and exit 1, nothing is exchanged; a pasted
// error=access_denied says the authorization was denied.
func TestPastedURLWithWrongStateOrDenialFails(t *testing.T) {
	requireKeychain(t)
	srv := pasteProvider(t)
	h := newHome(t)
	env := h.envName("paste")
	h.writeConfig(pasteConfig(srv, env))
	h.seedSecret(env)
	d := h.startDaemon()

	authURL, stdin, wait := h.startWithStdin("login", env, "--paste", "--no-browser", "--timeout", "30s")
	landed := landOn(t, authURL)
	u, _ := url.Parse(landed)
	q := u.Query()
	q.Set("state", "state-of-another-sign-in")
	u.RawQuery = q.Encode()
	exchanges := srv.TokenRequestsByGrant("authorization_code")
	if _, err := io.WriteString(stdin, u.String()+"\n"); err != nil {
		t.Fatal(err)
	}
	r := wait()
	h.wantFailure(r, 1, "does not belong to the sign-in tokentray started (state mismatch)")
	if srv.TokenRequestsByGrant("authorization_code") != exchanges {
		t.Error("a code with a wrong state was exchanged")
	}
	h.wantFailure(h.run("", "token", env), 3, "run `tokentray login "+env+"`")

	// The user clicks "deny": the browser lands on the callback with error=access_denied.
	srv.DenyAuthorization(true)
	authURL, stdin, wait = h.startWithStdin("login", env, "--no-browser", "--timeout", "30s")
	landed = landOn(t, authURL)
	if queryParam(t, landed, "error") != "access_denied" {
		t.Fatalf("deny landed on %q", landed)
	}
	if _, err := io.WriteString(stdin, landed+"\n"); err != nil {
		t.Fatal(err)
	}
	r = wait()
	h.wantFailure(r, 1, "denied")
	if !strings.Contains(r.stderr, "access_denied") {
		t.Errorf("stderr %q does not name access_denied", r.stderr)
	}

	// Stdin ends without a URL: nothing can finish the login.
	srv.DenyAuthorization(false)
	_, stdin, wait = h.startWithStdin("login", env, "--no-browser", "--timeout", "30s")
	stdin.Close()
	h.wantFailure(wait(), 1, "stdin ended before a URL was pasted")
	_ = d
}

// TestPasteAlsoWorksWithALoopbackRedirect: --paste with the loopback
// listener open; the pasted URL comes first and wins.
func TestPasteAlsoWorksWithALoopbackRedirect(t *testing.T) {
	requireKeychain(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("paste")
	h.writeConfig(codeConfig(srv, env))
	h.seedSecret(env)
	d := h.startDaemon()

	authURL, stdin, wait := h.startWithStdin("login", env, "--paste", "--no-browser", "--timeout", "30s")
	if !strings.HasPrefix(queryParam(t, authURL, "redirect_uri"), "http://127.0.0.1:") {
		t.Fatalf("redirect_uri is not the loopback listener: %q", authURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	landed, err := oauthserver.Follow(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, landed+"\n"); err != nil {
		t.Fatal(err)
	}
	if r := wait(); r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s\ndaemon:\n%s", r.code, r.stderr, d.logs)
	}
	if raw := strings.TrimSpace(h.mustRun("", "token", env)); !acceptedByProvider(t, srv, raw) {
		t.Fatalf("token %q is not one the provider accepts", raw)
	}
}

// TestUnusablePasteKeepsTheLoginWaitingAndAURLNeedsItsState: a stray line
// is not an answer (the login waits for the right one), a URL without the
// login's state is refused, and the right URL then signs in.
func TestUnusablePasteKeepsTheLoginWaitingAndAURLNeedsItsState(t *testing.T) {
	requireKeychain(t)
	srv := pasteProvider(t)
	h := newHome(t)
	env := h.envName("paste")
	h.writeConfig(pasteConfig(srv, env))
	h.seedSecret(env)
	h.startDaemon()

	authURL, stdin, wait := h.startWithStdin("login", env, "--paste", "--no-browser", "--timeout", "30s")
	landed := landOn(t, authURL)
	if _, err := io.WriteString(stdin, "oops, the wrong clipboard\n"+landed+"\n"); err != nil {
		t.Fatal(err)
	}
	r := wait()
	if r.code != 0 || !strings.Contains(r.stderr, "paste it again") {
		t.Fatalf("login after a stray line and the right URL: exit %d, stderr %q; want it to wait and then sign in", r.code, r.stderr)
	}

	// A URL with a code but without this login's state: someone else's.
	authURL, stdin, wait = h.startWithStdin("login", env, "--paste", "--no-browser", "--timeout", "30s")
	u, _ := url.Parse(landOn(t, authURL))
	q := u.Query()
	q.Del("state")
	u.RawQuery = q.Encode()
	exchanges := srv.TokenRequestsByGrant("authorization_code")
	if _, err := io.WriteString(stdin, u.String()+"\n"); err != nil {
		t.Fatal(err)
	}
	h.wantFailure(wait(), 1, "has no state=")
	if srv.TokenRequestsByGrant("authorization_code") != exchanges {
		t.Error("a code without state was exchanged")
	}
}
