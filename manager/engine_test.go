package manager_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/enginewait"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

func TestAuthorizationCodeFlowUsesPKCEAndState(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Fatalf("before login: state %s, want needs_login", got)
	}

	info, err := r.m.Login(context.Background(), "local")
	if err != nil {
		t.Fatal(err)
	}
	q := queryOf(t, info.AuthorizationURL)
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		t.Errorf("authorization URL lacks PKCE S256: %v", q)
	}
	if len(q.Get("state")) < 32 {
		t.Errorf("state %q is too short to be unguessable", q.Get("state"))
	}
	if !strings.HasPrefix(q.Get("redirect_uri"), "http://127.0.0.1:") {
		t.Errorf("redirect_uri %q is not a loopback listener", q.Get("redirect_uri"))
	}
	if got := r.state("local"); got != manager.StateAuthorizing {
		t.Errorf("during login: state %s, want authorizing", got)
	}

	status, body, err := oauthserver.FollowAndCallback(context.Background(), info.AuthorizationURL)
	if err != nil || status != http.StatusOK {
		t.Fatalf("callback: %d %v", status, err)
	}
	if err := r.m.WaitLogin(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	if verifier := srv.LastTokenRequest().Get("code_verifier"); len(verifier) < 43 {
		t.Errorf("token request carried no PKCE verifier: %q", verifier)
	}
	tok, err := r.m.Token(context.Background(), "local", 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, tok.AccessToken.Reveal()) {
		t.Error("the browser page shows the access token")
	}
	if !strings.Contains(body, "close this tab") {
		t.Errorf("callback page: %s", body)
	}
	if got := r.state("local"); got != manager.StateValid {
		t.Errorf("after login: state %s, want valid", got)
	}
	st, _ := r.m.Status("local")
	if st.ExpiresAt == nil || !st.ExpiresAt.Equal(epoch.Add(2*time.Hour)) {
		t.Errorf("expires_at %v, want 2h after the fake now", st.ExpiresAt)
	}
	stored, _ := r.store.LoadTokens("local")
	if stored == nil || stored.RefreshToken == "" || stored.AccessToken != tok.AccessToken.Reveal() {
		t.Errorf("store after login: %+v", stored)
	}
	// The listener is gone once the flow ended.
	if _, err := http.Get(q.Get("redirect_uri")); err == nil {
		t.Error("callback listener still answers after login")
	}
}

func TestCallbackWithWrongStateIsRejectedAndFlowGoesOn(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	info, err := r.m.Login(context.Background(), "local")
	if err != nil {
		t.Fatal(err)
	}
	callback, err := oauthserver.Follow(context.Background(), info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(callback, "state=", "state=forged", 1)
	for _, u := range []string{forged, strings.SplitN(callback, "?", 2)[0]} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", u, resp.StatusCode)
		}
	}
	if got := r.state("local"); got != manager.StateAuthorizing {
		t.Fatalf("a wrong callback ended the flow: state %s", got)
	}
	if srv.TokenRequests() != 0 {
		t.Fatal("a forged callback reached the token endpoint")
	}
	resp, err := http.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := r.m.WaitLogin(context.Background(), "local"); err != nil {
		t.Fatalf("the genuine callback after a forged one: %v", err)
	}
	// The listener closes once the last page is out (it shuts down just
	// after the login ends); a replay meanwhile changes nothing.
	eventually(t, "the listener closed after success", func() bool {
		resp, err := http.Get(callback)
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
	if n := srv.TokenRequestsByGrant("authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
}

func TestAccessDeniedEndsLoginWithoutTokens(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.DenyAuthorization(true)
	r := newRig(t, srv, nil, codeEnv(srv))
	info, err := r.m.Login(context.Background(), "local")
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := oauthserver.FollowAndCallback(context.Background(), info.AuthorizationURL)
	if err != nil || status != http.StatusOK || !strings.Contains(body, "denied") {
		t.Fatalf("denied page: %d %v %s", status, err, body)
	}
	err = r.m.WaitLogin(context.Background(), "local")
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("WaitLogin: %v, want access_denied", err)
	}
	r.waitEvent(manager.EventLoginFailed, "local")
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
	if _, err := r.m.Token(context.Background(), "local", 0); !errors.Is(err, manager.ErrNeedsLogin) {
		t.Errorf("Token after denial: %v, want ErrNeedsLogin", err)
	}
}

func TestLoginTimesOutAndClosesListener(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := &rig{t: t, srv: srv, store: manager.NewMemoryStore()}
	r.clock = newRig(t, srv, nil, codeEnv(srv)).clock
	m, err := manager.New(&config.Config{Environments: []config.Environment{codeEnv(srv)}}, manager.Options{
		Store: r.store, Clock: r.clock, LoginTimeout: 200 * time.Millisecond,
		Logger: discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	info, err := m.Login(context.Background(), "local")
	if err != nil {
		t.Fatal(err)
	}
	err = m.WaitLogin(context.Background(), "local")
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("WaitLogin: %v, want a timeout", err)
	}
	redirect := queryOf(t, info.AuthorizationURL).Get("redirect_uri")
	eventually(t, "listener closed", func() bool {
		resp, err := http.Get(redirect)
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	before := srv.TokenRequests()
	r.clock.Advance(3 * time.Hour) // past expiry; callers race the scheduler

	const callers = 100
	var wg sync.WaitGroup
	tokens := make([]string, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			tok, err := r.m.Token(context.Background(), "local", 30*time.Second)
			tokens[i], errs[i] = tok.AccessToken.Reveal(), err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if tokens[i] != tokens[0] {
			t.Fatalf("caller %d got a different token", i)
		}
	}
	if n := srv.TokenRequests() - before; n != 1 {
		t.Fatalf("%d token requests for %d concurrent callers, want 1", n, callers)
	}
}

func TestProactiveRefreshBeforeExpiry(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	first, _ := r.m.Token(context.Background(), "local", 0)

	// Default margin is 5 minutes; jitter is 0 in the rig.
	r.clock.Advance(2*time.Hour - 5*time.Minute - time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
		t.Fatalf("refreshed %d times before the margin", n)
	}
	r.clock.Advance(2 * time.Second)
	eventually(t, "proactive refresh", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
	eventually(t, "new token", func() bool {
		tok, _ := r.m.Token(context.Background(), "local", 0)
		return tok.AccessToken != "" && tok.AccessToken.Reveal() != first.AccessToken.Reveal()
	})
	if st, _ := r.m.Status("local"); st.State != manager.StateValid {
		t.Errorf("state %s after proactive refresh", st.State)
	}
}

func TestRefreshMarginIsCappedAtHalfTheLifetime(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: 4 * time.Minute})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	r.clock.Advance(2*time.Minute - time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
		t.Fatalf("refreshed before half the lifetime")
	}
	r.clock.Advance(2 * time.Second)
	eventually(t, "refresh at half the lifetime", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
}

func TestBackoffThroughInjected503s(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	srv.FailNext(3, http.StatusServiceUnavailable)

	r.clock.Advance(2*time.Hour - 5*time.Minute) // refresh due, token still valid
	ev := r.waitEvent(manager.EventRefreshFailed, "local")
	if ev.Status.State != manager.StateValid || !strings.Contains(ev.Status.Error, "503") {
		t.Errorf("after a 503 the token is still valid and the error shown: %+v", ev.Status)
	}
	if n := ev.Status.Next; n == nil || n.Action != manager.NextRetry || n.RetryAt == nil || !n.RetryAt.After(r.clock.Now()) {
		t.Errorf("next %+v, want a retry at a time to come", n)
	}
	if strings.Contains(ev.Status.Error, "local") {
		t.Errorf("status error %q repeats the environment's name", ev.Status.Error)
	}
	// Backoff doubles from 1s (jitter 0 gives the lower half): 0.5s, 1s, 2s.
	for i, wait := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
		time.Sleep(20 * time.Millisecond)
		r.clock.Advance(wait)
		if i < 2 {
			r.waitEvent(manager.EventRefreshFailed, "local")
		}
	}
	eventually(t, "recovery without an error shown", func() bool {
		st, _ := r.m.Status("local")
		return st.State == manager.StateValid && st.Error == "" && srv.TokenRequests() >= 5
	})
	if got := srv.TokenRequests(); got != 1+3+1 {
		t.Errorf("%d token requests, want login + 3 failures + 1 success", got)
	}
}

func TestRevokedRefreshTokenNeedsLogin(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	srv.RevokeAllRefreshTokens()

	_, err := r.m.Refresh(context.Background(), "local")
	if !errors.Is(err, manager.ErrNeedsLogin) {
		t.Fatalf("Refresh with a revoked refresh token: %v, want ErrNeedsLogin", err)
	}
	r.waitEvent(manager.EventNeedsLogin, "local")
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Fatalf("state %s, want needs_login", got)
	}
	requests := srv.TokenRequests()
	// No loop: neither time passing nor callers send the dead token again.
	r.clock.Advance(3 * time.Hour)
	time.Sleep(50 * time.Millisecond)
	if _, err := r.m.Token(context.Background(), "local", 0); !errors.Is(err, manager.ErrNeedsLogin) {
		t.Errorf("Token: %v, want ErrNeedsLogin", err)
	}
	if srv.TokenRequests() != requests {
		t.Errorf("the dead refresh token was sent again")
	}
	st, _ := r.m.Status("local")
	if st.Next == nil || st.Next.Action != manager.NextLogin {
		t.Errorf("next %+v does not say how to recover", st.Next)
	}
	r.login("local")
	if got := r.state("local"); got != manager.StateValid {
		t.Errorf("after a new login: %s", got)
	}
}

func TestRotationSavesNewRefreshTokenAndNeverReusesOld(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := newFlakyStore()
	r := newRig(t, srv, store, codeEnv(srv))
	r.login("local")
	for range 3 {
		tok, err := r.m.Refresh(context.Background(), "local")
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := store.LoadTokens("local")
		if stored.AccessToken != tok.AccessToken.Reveal() {
			t.Fatal("a token was handed out that the store does not hold")
		}
	}
	seen := srv.RefreshTokensSeen()
	if len(seen) != 3 {
		t.Fatalf("%d refresh tokens presented, want 3", len(seen))
	}
	unique := map[string]bool{}
	for _, rt := range seen {
		if unique[rt] {
			t.Fatal("a refresh token was used twice")
		}
		unique[rt] = true
	}
	stored, _ := store.LoadTokens("local")
	if unique[stored.RefreshToken] {
		t.Error("the store holds a refresh token that was already spent")
	}
}

func TestRestartRestoresTokensFromStore(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := manager.NewMemoryStore()
	r := newRig(t, srv, store, codeEnv(srv))
	r.login("local")
	tok, _ := r.m.Token(context.Background(), "local", 0)
	r.m.Close()

	requests := srv.TokenRequests()
	r2 := newRig(t, srv, store, codeEnv(srv))
	again, err := r2.m.Token(context.Background(), "local", 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken.Reveal() != tok.AccessToken.Reveal() || srv.TokenRequests() != requests {
		t.Error("restart did not serve the stored token without a request")
	}
	if _, err := r2.m.Refresh(context.Background(), "local"); err != nil {
		t.Errorf("refresh with the restored refresh token: %v", err)
	}
}

func TestFailedSaveKeepsTokensWarnsAndRetries(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := newFlakyStore()
	r := newRig(t, srv, store, codeEnv(srv))
	r.login("local")
	store.set(true, false)
	tok, err := r.m.Refresh(context.Background(), "local")
	if err != nil {
		t.Fatalf("a failed save must not fail the refresh: %v", err)
	}
	r.waitEvent(manager.EventWarning, "local")
	st, _ := r.m.Status("local")
	if st.State != manager.StateValid || !strings.Contains(st.Warning, "could not save") {
		t.Fatalf("status after a failed save: %+v", st)
	}
	if stored, _ := store.VaultStore.LoadTokens("local"); stored == nil {
		t.Fatal("a failed save deleted what the store held")
	}
	store.set(false, false)
	// Step the clock until the retry ran: the retry timer may be armed
	// just after a single jump (the save failed on another goroutine).
	if took := r.drive(time.Second, "save retried", func() bool {
		stored, _ := store.LoadTokens("local")
		return stored != nil && stored.AccessToken == tok.AccessToken.Reveal()
	}); took > time.Minute {
		t.Errorf("the save was retried %s later, want within a minute", took)
	}
	eventually(t, "warning cleared", func() bool {
		st, _ := r.m.Status("local")
		return st.Warning == ""
	})
}

func TestStoreReadErrorMeansNoTokensAndDeletesNothing(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := newFlakyStore()
	_ = store.VaultStore.SaveTokens("local", manager.StoredTokens{RefreshToken: "kept", AccessToken: "old", ExpiresAt: epoch.Add(time.Hour)})
	store.set(false, true)
	r := newRig(t, srv, store, codeEnv(srv))
	eventually(t, "load attempted", func() bool {
		st, _ := r.m.Status("local")
		return strings.Contains(st.Warning, "could not read the keychain")
	})
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
	if store.deletes != 0 {
		t.Fatal("a failed read led to a delete")
	}
	// When the keychain answers again the tokens come back by themselves.
	store.set(false, false)
	r.clock.Advance(11 * time.Second)
	eventually(t, "tokens restored", func() bool { return r.state("local") == manager.StateValid })
}

func TestSleepPastExpiryRefreshesOnWake(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	// The wall clock jumps 5 hours at once, as after a suspend.
	r.clock.Set(r.clock.Now().Add(5 * time.Hour))
	eventually(t, "refresh on wake", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
	eventually(t, "valid again", func() bool { return r.state("local") == manager.StateValid })
	st, _ := r.m.Status("local")
	if !st.ExpiresAt.After(r.clock.Now()) {
		t.Errorf("expiry %v not after the new now", st.ExpiresAt)
	}
}

func TestClockJumpBackwardDoesNotRefresh(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	r.clock.Set(r.clock.Now().Add(-time.Hour))
	time.Sleep(50 * time.Millisecond)
	if got := r.state("local"); got != manager.StateValid || srv.TokenRequestsByGrant("refresh_token") != 0 {
		t.Errorf("after a backward jump: state %s, %d refreshes", got, srv.TokenRequestsByGrant("refresh_token"))
	}
}

func TestClientCredentialsOneSharedToken(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{ClientAuth: "form"})
	env := ccEnv(srv)
	env.AuthStyle = "form"
	r := newRig(t, srv, nil, env)
	var wg sync.WaitGroup
	tokens := make([]string, 50)
	for i := range tokens {
		wg.Go(func() {
			tok, err := r.m.Token(context.Background(), "shared", 0)
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok.AccessToken.Reveal()
		})
	}
	wg.Wait()
	for _, tok := range tokens {
		if tok == "" || tok != tokens[0] {
			t.Fatal("callers got different tokens")
		}
	}
	if n := srv.TokenRequestsByGrant("client_credentials"); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if got := srv.LastTokenRequest().Get("client_secret"); got != oauthserver.DefaultClientSecret {
		t.Error("client secret not sent in the form body")
	}
}

func TestUnconfiguredWithoutClientSecret(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	m, err := manager.New(&config.Config{Environments: []config.Environment{ccEnv(srv)}}, manager.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}

	if st, _ := m.Status("shared"); st.State != manager.StateUnconfigured || st.Next == nil || st.Next.Action != manager.NextSetSecret {
		t.Fatalf("status %+v", st)
	}
	if _, err := m.Token(context.Background(), "shared", 0); !errors.Is(err, manager.ErrUnconfigured) {
		t.Fatalf("Token: %v", err)
	}
	if err := m.SetSecret("shared", oauthserver.DefaultClientSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatalf("Token after secret set: %v", err)
	}
	if _, err := m.Token(context.Background(), "nope", 0); !errors.Is(err, manager.ErrUnknownEnvironment) {
		t.Errorf("unknown env: %v", err)
	}
}

func TestLogoutRevokesAndForgets(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := codeEnv(srv)
	env.RevokeURL = srv.RevokeURL()
	store := manager.NewMemoryStore()
	r := newRig(t, srv, store, env)
	r.login("local")
	stored, _ := store.LoadTokens("local")
	if err := r.m.Logout(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Revoked(); len(got) != 1 || got[0] != stored.RefreshToken {
		t.Errorf("revoked %d tokens, want the refresh token", len(got))
	}
	if after, _ := store.LoadTokens("local"); after != nil {
		t.Error("tokens still stored after logout")
	}
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Errorf("state %s after logout", got)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestClientCredentialsExpiryComesFromExpiresIn(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: 30 * time.Minute})
	r := newRig(t, srv, nil, ccEnv(srv))
	tok, err := r.m.Token(context.Background(), "shared", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := epoch.Add(30 * time.Minute); !tok.ExpiresAt.Equal(want) {
		t.Errorf("expires at %v, want %v (expires_in on the engine's clock)", tok.ExpiresAt, want)
	}
	if st, _ := r.m.Status("shared"); st.Warning != "" {
		t.Errorf("warning %q for a token with expires_in", st.Warning)
	}
}

func TestDeleteSecretMakesTheEnvironmentUnconfigured(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := manager.NewMemoryStore()
	r := newRig(t, srv, store, ccEnv(srv))
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatal(err)
	}
	if err := r.m.DeleteSecret("shared"); err != nil {
		t.Fatal(err)
	}
	if s, _ := store.LoadSecret("shared"); s.Value != "" {
		t.Error("secret still stored")
	}
	if got := r.state("shared"); got != manager.StateUnconfigured {
		t.Errorf("state %s, want unconfigured", got)
	}
	// An environment already gone from the config can still lose its secret.
	_ = store.SaveSecret("removed", manager.StoredSecret{Value: "x"})
	if err := r.m.DeleteSecret("removed"); err != nil {
		t.Fatal(err)
	}
	if s, _ := store.LoadSecret("removed"); s.Value != "" {
		t.Error("secret of a removed environment still stored")
	}
}
