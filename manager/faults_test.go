package manager_test

// Provider and machine faults, each injected in front of the real
// authorization server (internal/oauthserver) while the engine runs on a
// clock the test moves. Every test here also scans the engine's log and
// every error and status string for the secrets that crossed the wire
// (internal/secretscan).

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/enginewait"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/secretscan"
	"github.com/tokentray/tokentray/manager"
)

// faultRig is a rig whose log, errors and events go through a secret scan,
// with a provider HTTP timeout of its own.
type faultRig struct {
	*rig
	scan *secretscan.Scanner
	kind sync.Map // EventKind -> *atomic.Int64, events seen
}

type faultOptions struct {
	httpTimeout time.Duration // default 5s
	start       time.Time     // the machine's clock at start; default epoch
	checkpoint  func(env string, step manager.RefreshStep)
}

func newFaultRig(t *testing.T, srv *oauthserver.Server, store manager.Store, env config.Environment, o faultOptions) *faultRig {
	t.Helper()
	if store == nil {
		store = manager.NewMemoryStore()
	}
	if o.httpTimeout == 0 {
		o.httpTimeout = 5 * time.Second
	}
	if o.start.IsZero() {
		o.start = epoch
	}
	if err := store.SaveSecret(env.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	scan := secretscan.New()
	scan.Secret("client_secret", oauthserver.DefaultClientSecret)
	f := &faultRig{rig: &rig{t: t, srv: srv, clock: fakeclock.New(o.start), store: store}, scan: scan}
	var logOut io.Writer = scan
	if testing.Verbose() {
		logOut = io.MultiWriter(scan, os.Stderr)
	}
	m, err := manager.New(&config.Config{Environments: []config.Environment{env}}, manager.Options{
		Store:        store,
		Clock:        f.clock,
		Logger:       slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HTTPClient:   scan.Client(&http.Client{Timeout: o.httpTimeout}),
		Jitter:       func() float64 { return 0 },
		LoginTimeout: 10 * time.Second,
		Checkpoint:   o.checkpoint,
	})
	if err != nil {
		t.Fatal(err)
	}
	var cancel func()
	f.events, cancel = m.Subscribe()
	all, cancelAll := m.Subscribe()
	collected := make(chan struct{})
	go func() { // every event message and status text goes through the scan
		defer close(collected)
		for ev := range all {
			f.count(ev.Kind).Add(1)
			scan.Text("event "+string(ev.Kind), ev.Message)
			if ev.Status != nil {
				scan.Text("status error", ev.Status.Error)
				scan.Text("status warning", ev.Status.Warning)
			}
		}
	}()
	m.Start()
	f.m = m
	if err := enginewait.Loaded(m); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		m.Close()
		cancelAll()
		<-collected
		scan.Check(t)
	})
	return f
}

func (f *faultRig) count(kind manager.EventKind) *atomic.Int64 {
	v, _ := f.kind.LoadOrStore(kind, new(atomic.Int64))
	return v.(*atomic.Int64)
}

// token is Token with its error scanned.
func (f *faultRig) token(name string, minValid time.Duration) (manager.Token, error) {
	tok, err := f.m.Token(context.Background(), name, minValid)
	f.scan.Error("Token error", err)
	return tok, err
}

func (f *faultRig) refresh(name string) (manager.Token, error) {
	tok, err := f.m.Refresh(context.Background(), name)
	f.scan.Error("Refresh error", err)
	return tok, err
}

func (f *faultRig) status(name string) manager.Status {
	st, err := f.m.Status(name)
	if err != nil {
		f.t.Fatal(err)
	}
	f.scan.Text("status error", st.Error)
	f.scan.Text("status warning", st.Warning)
	return st
}

func (f *faultRig) accessToken(name string) string {
	f.t.Helper()
	tok, err := f.token(name, 0)
	if err != nil {
		f.t.Fatalf("Token: %v", err)
	}
	return tok.AccessToken.Reveal()
}

// settle gives the scheduler goroutine a moment of real time to act on a
// clock move, for assertions that something did NOT happen.
func settle() { time.Sleep(60 * time.Millisecond) }

// untilRefreshDue is how far the clock moves from login to the proactive
// refresh of a 2-hour token (default margin 5 minutes, no jitter).
const untilRefreshDue = 2*time.Hour - 5*time.Minute

// acceptedByProvider asks the provider's resource endpoint whether it
// honours token.
func acceptedByProvider(t *testing.T, srv *oauthserver.Server, token string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.ResourceURL(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestServerErrorBurstsRetryWhileTheTokenStaysValid(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504, 429} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{})
			f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
			f.login("local")
			first := f.accessToken("local")
			issued := *f.status("local").IssuedAt
			const burst = 6
			srv.FailNext(burst, status)
			before := srv.TokenRequests()

			f.clock.Advance(untilRefreshDue)
			f.waitEvent(manager.EventRefreshFailed, "local")
			// During the burst callers keep getting the still valid token.
			if got := f.accessToken("local"); got != first {
				t.Fatal("a caller got something other than the valid token during the burst")
			}
			if st := f.status("local"); st.State != manager.StateValid || st.Error == "" {
				t.Errorf("during the burst: state %s, error %q; want valid with the error shown", st.State, st.Error)
			}
			// Recovered means a new token is in place: the error alone is
			// also empty while the 7th refresh is still at the provider.
			f.drive(time.Second, "recovery", func() bool {
				st := f.status("local")
				return st.State == manager.StateValid && st.Error == "" && st.IssuedAt != nil && st.IssuedAt.After(issued)
			})
			if got := srv.TokenRequests() - before; got != burst+1 {
				t.Errorf("%d token requests for a burst of %d, want %d", got, burst, burst+1)
			}
			if now := f.accessToken("local"); now == first || !acceptedByProvider(t, srv, now) {
				t.Error("after the burst the token was not replaced by one the provider honours")
			}
		})
	}
}

func TestTimeoutIsRetriedAndLosesNothing(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{httpTimeout: 300 * time.Millisecond})
	f.login("local")
	first := f.accessToken("local")
	srv.SetTokenDelay(3 * time.Second)

	began := time.Now()
	_, err := f.refresh("local")
	var pe *manager.ProviderError
	if !errors.As(err, &pe) || !pe.Temporary() || errors.Is(err, manager.ErrNeedsLogin) {
		t.Fatalf("Refresh against a stalled provider: %v; want a temporary provider error", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("the refresh took %s; the 300ms client timeout should end it", took)
	}
	if st := f.status("local"); st.State != manager.StateValid || f.accessToken("local") != first {
		t.Errorf("after a timeout: state %s; want the valid token kept", st.State)
	}
	srv.SetTokenDelay(0)
	if _, err := f.refresh("local"); err != nil {
		t.Fatalf("refresh after the provider recovered: %v", err)
	}
	if f.accessToken("local") == first {
		t.Error("token not replaced after recovery")
	}
}

func TestSlowRefreshHoldsReadersAndSharesOneRequest(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	first := f.accessToken("local")
	srv.SetTokenDelay(800 * time.Millisecond)
	before := srv.TokenRequests()

	// A forced refresh is at the slow provider, which retires the old
	// token when it answers: a reader waits for the new one.
	done := make(chan error, 1)
	go func() { _, err := f.refresh("local"); done <- err }()
	eventually(t, "the refresh at the provider", func() bool { return srv.TokenRequests() > before })
	if got := f.accessToken("local"); got == first || !acceptedByProvider(t, srv, got) {
		t.Error("a reader during the refresh did not get the new token the provider honours")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Past expiry, 32 readers wait for one slow refresh together.
	f.clock.Advance(3 * time.Hour)
	var wg sync.WaitGroup
	got := make([]string, 32)
	for i := range got {
		wg.Go(func() {
			tok, err := f.token("local", 30*time.Second)
			if err != nil {
				t.Error(err)
			}
			got[i] = tok.AccessToken.Reveal()
		})
	}
	wg.Wait()
	for _, g := range got {
		if g == "" || g != got[0] {
			t.Fatal("readers of one slow refresh got different tokens")
		}
	}
	if n := srv.TokenRequests() - before; n != 2 {
		t.Errorf("%d token requests, want 2 (the forced refresh and one shared)", n)
	}
}

func TestConnectionResetsAreRetried(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	first := f.accessToken("local")
	srv.Hook(oauthserver.Times(3, oauthserver.ResetConnection))
	f.clock.Advance(untilRefreshDue)
	f.drive(time.Second, "refresh after resets", func() bool {
		tok, _ := f.token("local", 0)
		return tok.AccessToken.Reveal() != first
	})
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 4 {
		t.Errorf("%d refresh requests, want 3 reset + 1", n)
	}
	if !acceptedByProvider(t, srv, f.accessToken("local")) {
		t.Error("the provider does not honour the token after the resets")
	}
}

// sequence answers the n-th request with hooks[n], then lets requests pass.
func sequence(hooks ...oauthserver.HookFunc) oauthserver.HookFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) bool {
		i := int(n.Add(1) - 1)
		if i < len(hooks) {
			return hooks[i](w, r)
		}
		return false
	}
}

func TestMalformedAnswersAreNeverTrusted(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := newFlakyStore()
	f := newFaultRig(t, srv, store, codeEnv(srv), faultOptions{})
	f.login("local")
	first := f.accessToken("local")
	savedRefresh := func() string { s, _ := store.LoadTokens("local"); return s.RefreshToken }
	kept := savedRefresh()
	bad := []oauthserver.HookFunc{
		oauthserver.MalformedJSON,
		oauthserver.Respond(200, `{"token_type":"Bearer","expires_in":3600}`), // no access_token
		oauthserver.Respond(200, `not json at all`),
		oauthserver.Respond(200, `["access_token"]`),
		oauthserver.Respond(502, `<html><body>Bad Gateway</body></html>`),
		oauthserver.Respond(200, `{"access_token":12345,"token_type":"Bearer"}`),
	}
	srv.Hook(sequence(bad...))
	for i := range bad {
		if _, err := f.refresh("local"); err == nil {
			t.Fatalf("answer %d was accepted as a token", i)
		}
		if got := f.accessToken("local"); got != first {
			t.Fatalf("after bad answer %d the valid token was replaced", i)
		}
		if savedRefresh() != kept {
			t.Fatalf("after bad answer %d the saved refresh token changed", i)
		}
		if st := f.status("local"); st.State != manager.StateValid {
			t.Fatalf("after bad answer %d: state %s", i, st.State)
		}
	}
	if _, err := f.refresh("local"); err != nil {
		t.Fatalf("a good answer after the bad ones: %v", err)
	}
	if !acceptedByProvider(t, srv, f.accessToken("local")) {
		t.Error("the provider does not honour the token after the bad answers")
	}
}

func TestNoExpiresInAssumesAnHourAndSaysSo(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.OmitExpiresIn(true)
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	st := f.status("local")
	if st.ExpiresAt == nil || !st.ExpiresAt.Equal(epoch.Add(time.Hour)) {
		t.Errorf("expires_at %v, want the assumed hour", st.ExpiresAt)
	}
	if !strings.Contains(st.Warning, "did not say when the token expires") {
		t.Errorf("warning %q does not say the lifetime is assumed", st.Warning)
	}
	f.clock.Advance(55*time.Minute - time.Second)
	settle()
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
		t.Fatalf("%d refreshes before the assumed expiry's margin", n)
	}
	f.clock.Advance(2 * time.Second)
	eventually(t, "refresh before the assumed expiry", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
}

func TestRefreshWithoutNewRefreshTokenKeepsTheOldOne(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{KeepRefreshToken: true})
	store := manager.NewMemoryStore()
	f := newFaultRig(t, srv, store, codeEnv(srv), faultOptions{})
	f.login("local")
	saved, _ := store.LoadTokens("local")
	original := saved.RefreshToken
	for i := range 3 {
		if _, err := f.refresh("local"); err != nil {
			t.Fatalf("refresh %d with the kept refresh token: %v", i, err)
		}
		if !acceptedByProvider(t, srv, f.accessToken("local")) {
			t.Fatalf("refresh %d: the provider does not honour the new access token", i)
		}
	}
	f.clock.Advance(untilRefreshDue) // and the scheduler uses it too
	eventually(t, "proactive refresh", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 4 })
	for i, rt := range srv.RefreshTokensSeen() {
		if rt != original {
			t.Errorf("refresh %d sent another refresh token than the one kept", i)
		}
	}
	if saved, _ := store.LoadTokens("local"); saved.RefreshToken != original {
		t.Error("the store lost the refresh token the provider did not replace")
	}
}

func TestInvalidGrantNeedsLoginOnceAndNeverLoops(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	srv.RevokeAllRefreshTokens()

	f.clock.Advance(untilRefreshDue) // the scheduler finds out
	f.waitEvent(manager.EventNeedsLogin, "local")
	requests := srv.TokenRequests()

	// Hours pass, callers keep asking: the dead token is never sent again.
	for range 12 {
		f.clock.Advance(time.Hour)
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if _, err := f.token("local", 0); !errors.Is(err, manager.ErrNeedsLogin) {
					t.Errorf("Token: %v, want ErrNeedsLogin", err)
				}
			})
		}
		wg.Wait()
	}
	settle()
	if n := srv.TokenRequests() - requests; n != 0 {
		t.Errorf("%d token requests after invalid_grant, want 0", n)
	}
	if n := f.count(manager.EventNeedsLogin).Load(); n != 1 {
		t.Errorf("%d needs_login notifications, want 1", n)
	}
	st := f.status("local")
	if st.State != manager.StateNeedsLogin || st.Next == nil || st.Next.Action != manager.NextLogin {
		t.Errorf("status %s, next %+v", st.State, st.Next)
	}
}

// checkClientSecret answers invalid_client to a wrong client secret, as
// RFC 6749 §6 wants for the refresh grant too (the go-oauth2 library
// behind oauthserver checks it only for the other grants).
func checkClientSecret(w http.ResponseWriter, r *http.Request) bool {
	_, secret, ok := r.BasicAuth()
	if !ok {
		secret = r.PostForm.Get("client_secret")
	}
	if secret == oauthserver.DefaultClientSecret || secret == url.QueryEscape(oauthserver.DefaultClientSecret) {
		return false
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="provider"`)
	return oauthserver.Respond(http.StatusUnauthorized, `{"error":"invalid_client","error_description":"Client authentication failed"}`)(w, r)
}

func TestInvalidClientIsAnErrorStateWithoutLoop(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.Hook(checkClientSecret)
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	if err := f.m.SetSecret("local", "a-wrong-client-secret"); err != nil {
		t.Fatal(err)
	}
	f.scan.Secret("client_secret", "a-wrong-client-secret")
	f.clock.Advance(untilRefreshDue)
	eventually(t, "error state", func() bool { return f.status("local").State == manager.StateError })
	st := f.status("local")
	if !strings.Contains(st.Error, "invalid_client") || st.Next == nil || st.Next.Action != manager.NextCheckCredentials {
		t.Errorf("error %q, next %+v: want invalid_client and how to fix it", st.Error, st.Next)
	}
	requests := srv.TokenRequests()
	f.clock.Advance(6 * time.Hour)
	settle()
	f.clock.Advance(6 * time.Hour)
	settle()
	if n := srv.TokenRequests() - requests; n != 0 {
		t.Errorf("the scheduler sent %d more requests with a rejected client", n)
	}
	// A caller's own request asks once and gets the reason.
	_, err := f.token("local", 0)
	var pe *manager.ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" {
		t.Errorf("Token: %v, want invalid_client", err)
	}
	if n := srv.TokenRequests() - requests; n != 1 {
		t.Errorf("one Token call sent %d requests", n)
	}
	// Fixing the secret brings it back with the refresh token it kept.
	if err := f.m.SetSecret("local", oauthserver.DefaultClientSecret); err != nil {
		t.Fatal(err)
	}
	eventually(t, "valid again", func() bool { return f.status("local").State == manager.StateValid })
}

func TestClientCredentialsWithWrongSecretIsAnErrorWithoutLoop(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	store := manager.NewMemoryStore()
	env := ccEnv(srv)
	f := newFaultRig(t, srv, store, env, faultOptions{})
	// The scheduler fetches a token with the right secret at start; a
	// forced refresh during that fetch would join it (single flight), so
	// wait for it to land first.
	eventually(t, "the first token", func() bool { return f.status(env.Name).State == manager.StateValid })
	if err := f.m.SetSecret(env.Name, "not-the-secret-at-all"); err != nil {
		t.Fatal(err)
	}
	f.scan.Secret("client_secret", "not-the-secret-at-all")
	// A forced refresh asks with the wrong one.
	if _, err := f.refresh(env.Name); err == nil {
		t.Fatal("a wrong client secret got a token")
	}
	eventually(t, "error state", func() bool { return f.status(env.Name).State == manager.StateError })
	requests := srv.TokenRequests()
	f.clock.Advance(24 * time.Hour)
	settle()
	if n := srv.TokenRequests() - requests; n != 0 {
		t.Errorf("the scheduler sent %d requests with a rejected client", n)
	}
}

func TestClockSkewBetweenProviderAndMachine(t *testing.T) {
	// The provider runs on the real clock; the machine's is hours off.
	for _, skew := range []time.Duration{-7 * time.Hour, -90 * time.Minute, 3 * time.Hour, 26 * time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{})
			f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{start: time.Now().Add(skew).Round(time.Second)})
			f.login("local")
			st := f.status("local")
			if st.ExpiresAt == nil || !st.ExpiresAt.Equal(f.clock.Now().Add(2*time.Hour)) {
				t.Fatalf("expires_at %v: want expires_in counted from the machine's own clock (%v)", st.ExpiresAt, f.clock.Now())
			}
			if !acceptedByProvider(t, srv, f.accessToken("local")) {
				t.Fatal("the provider does not honour the token handed out")
			}
			f.clock.Advance(untilRefreshDue - time.Second)
			settle()
			if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
				t.Fatalf("refreshed %d times before the margin", n)
			}
			f.clock.Advance(2 * time.Second)
			eventually(t, "refresh on time", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
			eventually(t, "new token", func() bool { return f.status("local").State == manager.StateValid && f.status("local").IssuedAt != nil })
			if !acceptedByProvider(t, srv, f.accessToken("local")) {
				t.Error("the provider does not honour the refreshed token")
			}
		})
	}
}

func TestWallClockJumpBackThenForwardStillRefreshesOnTime(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	loggedIn := f.clock.Now()
	f.clock.Set(loggedIn.Add(-3 * time.Hour)) // NTP or a user fixing the time
	settle()
	if f.status("local").State != manager.StateValid || srv.TokenRequestsByGrant("refresh_token") != 0 {
		t.Fatal("a backward jump changed the state or refreshed")
	}
	f.clock.Set(loggedIn.Add(untilRefreshDue - time.Minute)) // back and past where it was
	settle()
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
		t.Fatalf("refreshed %d times before due", n)
	}
	f.clock.Set(loggedIn.Add(untilRefreshDue + time.Second))
	eventually(t, "refresh at the wall-clock due time", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
}

// gate is a TCP forwarder in front of the provider that can refuse
// connections (network down) and accept them again on the same port.
type gate struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newGate(t *testing.T, target string) *gate {
	t.Helper()
	g := &gate{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g.addr = ln.Addr().String()
	g.serve(ln)
	t.Cleanup(func() { g.down(); g.wg.Wait() })
	return g
}

func (g *gate) url() string { return "http://" + g.addr }

func (g *gate) serve(ln net.Listener) {
	g.mu.Lock()
	g.ln = ln
	g.mu.Unlock()
	g.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", g.target)
			if err != nil {
				c.Close()
				continue
			}
			g.mu.Lock()
			g.conns[c], g.conns[up] = true, true
			g.mu.Unlock()
			g.wg.Go(func() { _, _ = io.Copy(up, c); up.Close() })
			g.wg.Go(func() { _, _ = io.Copy(c, up); c.Close() })
		}
	})
}

// down closes the listener and every open connection: connects are refused.
func (g *gate) down() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil {
		g.ln.Close()
		g.ln = nil
	}
	for c := range g.conns {
		c.Close()
	}
	clear(g.conns)
}

// up listens on the same port again.
func (g *gate) up() {
	g.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", g.addr); err == nil {
			g.serve(ln)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.t.Fatalf("gate: listen again on %s: %v", g.addr, err)
}

func TestNetworkDownThenUpResumesWithinSeconds(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	g := newGate(t, strings.TrimPrefix(srv.URL, "http://"))
	env := codeEnv(srv)
	env.TokenURL = g.url() + "/token"
	f := newFaultRig(t, srv, nil, env, faultOptions{})
	f.login("local")
	first := f.accessToken("local")

	g.down()
	f.clock.Advance(untilRefreshDue)
	f.waitEvent(manager.EventRefreshFailed, "local")
	// Ten minutes of outage: the retries keep going, the user is told
	// once the provider has been unreachable for a while, and the token
	// (valid for 5 more minutes at the start) is served while it lasts.
	outage := 10 * time.Minute
	for moved := time.Duration(0); moved < outage; moved += 5 * time.Second {
		f.clock.Advance(5 * time.Second)
		time.Sleep(2 * time.Millisecond)
	}
	eventually(t, "unreachable notice", func() bool { return f.count(manager.EventUnreachable).Load() == 1 })
	failures := f.count(manager.EventRefreshFailed).Load()
	if failures < 30 {
		t.Errorf("%d attempts in a 10-minute outage; want one every few seconds", failures)
	}
	// Expired meanwhile: a caller is told at once, not after a hang.
	began := time.Now()
	_, err := f.token("local", 0)
	var pe *manager.ProviderError
	if !errors.As(err, &pe) || errors.Is(err, manager.ErrNeedsLogin) || time.Since(began) > time.Second {
		t.Errorf("Token while the network is down: %v after %s; want a provider error at once", err, time.Since(began))
	}

	g.up()
	// Status only: a Token call would refresh on demand and prove nothing
	// about the background retry.
	upAt := f.clock.Now()
	f.drive(250*time.Millisecond, "refresh after the network came back", func() bool {
		return f.status("local").State == manager.StateValid
	})
	// When the new token was issued, on the engine's clock (the drive
	// may have moved the clock on while the refresh was in flight).
	took := f.status("local").IssuedAt.Sub(upAt)
	if took > 6*time.Second {
		t.Errorf("refresh resumed %s after the network came back; want within seconds", took)
	}
	t.Logf("%d refresh attempts during a %s outage; resumed %s after the network came back", failures, outage, took)
	if now := f.accessToken("local"); now == first || !acceptedByProvider(t, srv, now) {
		t.Error("after the outage the token is not a new one the provider honours")
	}
	if st := f.status("local"); st.State != manager.StateValid || st.Error != "" {
		t.Errorf("after recovery: state %s, error %q", st.State, st.Error)
	}
}

// TestRestartAfterACrashMidRefresh stops the engine at each step of a
// rotating refresh (the checkpoint never returns, as if the process died)
// and starts a new engine on what the store held at that moment.
func TestRestartAfterACrashMidRefresh(t *testing.T) {
	for _, tc := range []struct {
		step          manager.RefreshStep
		wantState     manager.State
		wantRequests  int // token requests of the new engine
		wantInMessage string
	}{
		{manager.StepBeforeRequest, manager.StateValid, 1, ""},
		{manager.StepAfterResponse, manager.StateNeedsLogin, 1, "stopped during a refresh"},
		{manager.StepAfterSave, manager.StateValid, 0, ""},
	} {
		t.Run(string(tc.step), func(t *testing.T) {
			srv := oauthserver.Start(t, oauthserver.Options{})
			store := manager.NewMemoryStore()
			var armed atomic.Bool
			paused := make(chan manager.StoredTokens, 1)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			crash := func(env string, step manager.RefreshStep) {
				if armed.Load() && step == tc.step {
					armed.Store(false)
					held, _ := store.LoadTokens(env)
					paused <- *held // what the keychain holds when the process dies
					<-release
				}
			}
			first := newFaultRig(t, srv, store, codeEnv(srv), faultOptions{checkpoint: crash})
			first.login("local")
			armed.Store(true)
			go func() { _, _ = first.m.Refresh(context.Background(), "local") }()
			var held manager.StoredTokens
			select {
			case held = <-paused:
			case <-time.After(5 * time.Second):
				t.Fatalf("the refresh never reached %s", tc.step)
			}

			after := manager.NewMemoryStore()
			_ = after.SaveTokens("local", held)
			before := srv.TokenRequests()
			next := newFaultRig(t, srv, after, codeEnv(srv), faultOptions{})
			next.clock.Set(first.clock.Now())
			var tok manager.Token
			var err error
			eventually(t, "the restarted engine settles", func() bool {
				st := next.status("local")
				if st.State == manager.StateRefreshing || st.State == manager.StateExpired {
					return false
				}
				tok, err = next.token("local", 0)
				return true
			})
			st := next.status("local")
			if st.State != tc.wantState {
				t.Fatalf("after restart: state %s, want %s (error %q)", st.State, tc.wantState, st.Error)
			}
			if tc.wantState == manager.StateValid {
				if err != nil || !acceptedByProvider(t, srv, tok.AccessToken.Reveal()) {
					t.Errorf("after restart the token is not one the provider honours: %v", err)
				}
			} else {
				if !errors.Is(err, manager.ErrNeedsLogin) {
					t.Errorf("Token after restart: %v, want ErrNeedsLogin", err)
				}
				if !strings.Contains(st.Error, tc.wantInMessage) || st.Next == nil || st.Next.Action != manager.NextLogin {
					t.Errorf("status error %q, next %+v: want what happened and what to do", st.Error, st.Next)
				}
			}
			next.clock.Advance(3 * time.Hour) // no loop, whatever the outcome
			settle()
			if tc.wantState != manager.StateValid {
				if n := srv.TokenRequests() - before; n != tc.wantRequests {
					t.Errorf("%d token requests after restart, want %d", n, tc.wantRequests)
				}
			} else if n := srv.TokenRequests() - before; n > tc.wantRequests+1 {
				t.Errorf("%d token requests after restart", n)
			}
		})
	}
}

// TestCallbackListenerAnswersEveryStrayRequest: a tab left open, a forged
// or replayed callback, a second callback after success and an old code
// with the right state all get a page, and none completes a wrong flow.
func TestCallbackListenerAnswersEveryStrayRequest(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	ctx := context.Background()
	get := func(u string) int {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			return 0 // the listener is closed
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	// A first authorization whose code is used, to be replayed later.
	info, err := f.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	first, err := oauthserver.Follow(ctx, info.AuthorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.SplitN(first, "?", 2)[0]
	for _, stray := range []struct {
		url  string
		want int
	}{
		{base, http.StatusBadRequest},                                                // a tab left open
		{base + "?code=abc", http.StatusBadRequest},                                  // no state
		{strings.Replace(first, "state=", "state=forged", 1), http.StatusBadRequest}, // wrong state
		{strings.Replace(base, "/callback", "/favicon.ico", 1), http.StatusNotFound},
	} {
		if got := get(stray.url); got != stray.want {
			t.Errorf("GET %s: %d, want %d", stray.url, got, stray.want)
		}
	}
	if f.status("local").State != manager.StateAuthorizing || srv.TokenRequests() != 0 {
		t.Fatal("a stray request ended the authorization or reached the provider")
	}
	if got := get(first); got != http.StatusOK {
		t.Fatalf("the genuine callback: %d", got)
	}
	if err := f.m.WaitLogin(ctx, "local"); err != nil {
		t.Fatal(err)
	}
	// Right after success (the listener lingers to deliver the page):
	// a second callback changes nothing.
	if got := get(first); got != 0 && got != http.StatusConflict {
		t.Errorf("second callback after success: %d, want 409 or a closed listener", got)
	}
	good := f.accessToken("local")

	// A new authorization, answered with the old code and the new state.
	info, err = f.m.Login(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	state := queryOf(t, info.AuthorizationURL).Get("state")
	redirect := queryOf(t, info.AuthorizationURL).Get("redirect_uri")
	replay := redirect + "?code=" + url.QueryEscape(queryOf(t, first).Get("code")) + "&state=" + url.QueryEscape(state)
	if got := get(replay); got != http.StatusBadGateway {
		t.Errorf("replayed code: %d, want 502 (the provider refused it)", got)
	}
	err = f.m.WaitLogin(ctx, "local")
	f.scan.Error("WaitLogin", err)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("WaitLogin after a replayed code: %v, want invalid_grant", err)
	}
	if f.accessToken("local") != good {
		t.Error("a failed authorization replaced the tokens that were there")
	}
	if n := srv.TokenRequestsByGrant("authorization_code"); n != 2 {
		t.Errorf("%d code exchanges, want 2 (the genuine one and the replay)", n)
	}
}
