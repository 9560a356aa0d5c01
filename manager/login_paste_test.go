package manager_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

const pasteRedirect = "https://app.example.com/oauth/callback"

// pasteServer is a provider whose test client registered the integrator's
// own https callback, as Zepto allows one redirect URI per application.
func pasteServer(t *testing.T) *oauthserver.Server {
	c := oauthserver.DefaultClient()
	c.RedirectURIs = append(c.RedirectURIs, pasteRedirect)
	return oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{c}})
}

func pasteEnv(srv *oauthserver.Server) config.Environment {
	env := codeEnv(srv)
	env.RedirectURI = pasteRedirect
	return env
}

func TestPastedRedirectURLCompletesLoginWithoutListener(t *testing.T) {
	srv := pasteServer(t)
	r := newRig(t, srv, nil, pasteEnv(srv))
	ctx := context.Background()

	info, err := r.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	q := queryOf(t, info.AuthorizationURL)
	if q.Get("redirect_uri") != pasteRedirect || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization URL does not carry the configured redirect URI with PKCE: %v", q)
	}
	landed, err := oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(landed, pasteRedirect+"?") {
		t.Fatalf("browser ended on %q", landed)
	}
	if err := r.m.CompleteLogin(ctx, "local", "  "+landed+"\n"); err != nil {
		t.Fatalf("CompleteLogin: %v", err)
	}
	if got := r.state("local"); got != manager.StateValid {
		t.Errorf("after paste: state %s, want valid", got)
	}
	if v := srv.LastTokenRequest(); v.Get("code_verifier") == "" || v.Get("redirect_uri") != pasteRedirect {
		t.Errorf("token request: verifier %q redirect_uri %q", v.Get("code_verifier"), v.Get("redirect_uri"))
	}
	if _, err := r.m.Token(ctx, "local", 0); err != nil {
		t.Fatal(err)
	}
	// The same URL again: the login is over.
	if err := r.m.CompleteLogin(ctx, "local", landed); !errors.Is(err, manager.ErrNoLoginRunning) {
		t.Errorf("second paste: %v, want ErrNoLoginRunning", err)
	}
}

func TestPastedBareCodeCompletesLogin(t *testing.T) {
	srv := pasteServer(t)
	r := newRig(t, srv, nil, pasteEnv(srv))
	ctx := context.Background()
	info, err := r.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	landed, err := oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.m.CompleteLogin(ctx, "local", queryOf(t, landed).Get("code")); err != nil {
		t.Fatalf("CompleteLogin with the bare code: %v", err)
	}
	if got := r.state("local"); got != manager.StateValid {
		t.Errorf("state %s, want valid", got)
	}
}

func TestPastedURLWithWrongStateIsRefusedAndLoginStays(t *testing.T) {
	srv := pasteServer(t)
	r := newRig(t, srv, nil, pasteEnv(srv))
	ctx := context.Background()
	info, err := r.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	landed, err := oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(landed)
	q := u.Query()
	q.Set("state", "someone-elses-state")
	u.RawQuery = q.Encode()
	before := srv.TokenRequestsByGrant("authorization_code")
	err = r.m.CompleteLogin(ctx, "local", u.String())
	if !errors.Is(err, manager.ErrStateMismatch) || !strings.Contains(err.Error(), "does not belong to the sign-in") {
		t.Fatalf("wrong state: %v", err)
	}
	if srv.TokenRequestsByGrant("authorization_code") != before {
		t.Error("a code with the wrong state was exchanged")
	}
	if got := r.state("local"); got != manager.StateAuthorizing {
		t.Errorf("after a refused paste: state %s, want authorizing", got)
	}
	// The right URL still works.
	if err := r.m.CompleteLogin(ctx, "local", landed); err != nil {
		t.Fatalf("right URL after a wrong one: %v", err)
	}
}

func TestPastedAccessDeniedEndsLogin(t *testing.T) {
	srv := pasteServer(t)
	srv.DenyAuthorization(true)
	r := newRig(t, srv, nil, pasteEnv(srv))
	ctx := context.Background()
	info, err := r.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	landed, err := oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	err = r.m.CompleteLogin(ctx, "local", landed+"&error_description=%1b%5b31mno")
	var pe *manager.ProviderError
	if !errors.As(err, &pe) || pe.Code != "access_denied" || !strings.Contains(err.Error(), "authorization denied") {
		t.Fatalf("denied: %v", err)
	}
	if strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("error carries an escape sequence: %q", err)
	}
	if err := r.m.WaitLogin(ctx, "local"); err == nil {
		t.Error("WaitLogin: nil after a denial")
	}
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
}

func TestUnusablePastesAreRefused(t *testing.T) {
	srv := pasteServer(t)
	r := newRig(t, srv, nil, pasteEnv(srv))
	ctx := context.Background()
	if err := r.m.CompleteLogin(ctx, "local", "abc"); !errors.Is(err, manager.ErrNoLoginRunning) {
		t.Errorf("before login: %v, want ErrNoLoginRunning", err)
	}
	if _, err := r.m.Login(ctx, "local"); err != nil {
		t.Fatal(err)
	}
	for _, pasted := range []string{
		"",
		"   \n",
		"two words",
		pasteRedirect,                  // the redirect URI without code or error
		pasteRedirect + "?foo=bar",     // no code
		"https://exa mple.com/%zz?x=1", // does not parse
		strings.Repeat("a", 20<<10),
	} {
		err := r.m.CompleteLogin(ctx, "local", pasted)
		if !errors.Is(err, manager.ErrUnusablePaste) {
			t.Errorf("CompleteLogin(%.40q) = %v, want ErrUnusablePaste", pasted, err)
		}
	}
	// A URL with a code but without this login's state is someone else's.
	if err := r.m.CompleteLogin(ctx, "local", pasteRedirect+"?code=stolen"); !errors.Is(err, manager.ErrStateMismatch) {
		t.Errorf("a URL with a code and no state: %v, want ErrStateMismatch", err)
	}
	if got := r.state("local"); got != manager.StateAuthorizing {
		t.Errorf("after refused pastes: state %s, want authorizing", got)
	}
	if _, err := r.m.Status("nope"); err == nil {
		t.Fatal("unknown environment has a status")
	}
	if err := r.m.CompleteLogin(ctx, "nope", "abc"); !errors.Is(err, manager.ErrUnknownEnvironment) {
		t.Errorf("unknown environment: %v", err)
	}
}

// With a loopback redirect the listener stays open and a paste works too;
// whichever comes first wins.
func TestPasteAndLoopbackListenerFirstOneWins(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	ctx := context.Background()

	info, err := r.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	landed, err := oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.m.CompleteLogin(ctx, "local", landed); err != nil {
		t.Fatalf("paste with a loopback redirect: %v", err)
	}
	// The browser arriving late at the listener changes nothing.
	resp, err := http.Get(landed)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("late callback answered %d", resp.StatusCode)
		}
	}
	if got := srv.TokenRequestsByGrant("authorization_code"); got != 1 {
		t.Errorf("%d code exchanges, want 1", got)
	}

	// And the other way round: the listener first, then the paste is too late.
	r2 := newRig(t, srv, nil, codeEnv(srv))
	info, err = r2.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	landed, err = oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(landed)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("callback: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := r2.m.CompleteLogin(ctx, "local", landed); !errors.Is(err, manager.ErrNoLoginRunning) {
		t.Errorf("paste after the callback: %v, want ErrNoLoginRunning", err)
	}
}

// With an https redirect URI nothing listens: the test holds the
// redirect's port itself, so a listener there would fail the login.
func TestHTTPSRedirectStartsNoListener(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	redirect := "https://" + held.Addr().String() + "/oauth/callback"
	c := oauthserver.DefaultClient()
	c.RedirectURIs = append(c.RedirectURIs, redirect)
	srv := oauthserver.Start(t, oauthserver.Options{Clients: []oauthserver.Client{c}})
	env := codeEnv(srv)
	env.RedirectURI = redirect
	r := newRig(t, srv, nil, env)
	info, err := r.m.Login(context.Background(), "local")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if got := queryOf(t, info.AuthorizationURL).Get("redirect_uri"); got != redirect {
		t.Errorf("redirect_uri %q, want %q", got, redirect)
	}
	landed, err := oauthserver.Follow(context.Background(), info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.m.CompleteLogin(context.Background(), "local", landed); err != nil {
		t.Fatalf("CompleteLogin: %v", err)
	}
}
