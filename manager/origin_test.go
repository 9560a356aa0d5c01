package manager_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// moveTokenURL runs m with env's token endpoint pointed at srv.
func moveTokenURL(t *testing.T, m *manager.Manager, env config.Environment, srv *oauthserver.Server) {
	t.Helper()
	env.TokenURL = srv.TokenURL()
	if err := m.SetConfig(&config.Config{Environments: []config.Environment{env}}); err != nil {
		t.Fatal(err)
	}
}

func TestMovedTokenEndpointNeverGetsTheStoredRefreshToken(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	collector := oauthserver.Start(t, oauthserver.Options{}) // another origin: another port
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")

	moveTokenURL(t, r.m, codeEnv(srv), collector)
	_, err := r.m.Refresh(context.Background(), "local")
	if !errors.Is(err, manager.ErrNeedsLogin) {
		t.Fatalf("refresh after the token endpoint moved: %v, want needs login", err)
	}
	if n := collector.TokenRequests(); n != 0 {
		t.Fatalf("the new token endpoint got %d requests (refresh tokens %q); want none", n, collector.RefreshTokensSeen())
	}
	if stored, _ := r.store.LoadTokens("local"); stored != nil {
		t.Errorf("the tokens of the old endpoint are still stored: %+v", stored)
	}
	st, _ := r.m.Status("local")
	if st.State != manager.StateNeedsLogin || !strings.Contains(st.Error, "token endpoint moved") {
		t.Errorf("status %s %q; want needs_login saying the token endpoint moved", st.State, st.Error)
	}
}

func TestMovedTokenEndpointGetsTheClientSecretOnlyAfterTheUsersYes(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	collector := oauthserver.Start(t, oauthserver.Options{})
	store := manager.NewMemoryStore()
	if err := store.SaveSecret("shared", manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	var allow atomic.Bool
	var asked atomic.Int32
	m, err := manager.New(&config.Config{Environments: []config.Environment{ccEnv(srv)}}, manager.Options{
		Store: store, Clock: fakeclock.New(epoch), Logger: testLogger(), Jitter: func() float64 { return 0 },
		Confirm: func(_ context.Context, q manager.Question) error {
			asked.Add(1)
			if q.Action != manager.ActionSendSecret || !strings.Contains(q.Detail, collector.URL) {
				t.Errorf("question %+v, want one about sending the secret to %s", q, collector.URL)
			}
			if allow.Load() {
				return nil
			}
			return &manager.DeniedError{Env: q.Env, Action: q.Action, Reason: "you chose Deny"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	ctx := context.Background()
	if _, err := m.Token(ctx, "shared", 0); err != nil { // binds the secret to srv
		t.Fatal(err)
	}
	if s, _ := store.LoadSecret("shared"); s.Origin != srv.URL {
		t.Fatalf("the secret is bound to %q, want %q", s.Origin, srv.URL)
	}

	moveTokenURL(t, m, ccEnv(srv), collector)
	_, err = m.Token(ctx, "shared", 0)
	if !errors.Is(err, manager.ErrUnconfigured) || asked.Load() != 1 {
		t.Fatalf("token after the move, refused by the user: %v (asked %d times); want unconfigured after one question", err, asked.Load())
	}
	if n := collector.TokenRequests(); n != 0 {
		t.Fatalf("the new token endpoint got %d requests before the user said yes", n)
	}
	st, _ := m.Status("shared")
	if st.State != manager.StateUnconfigured || st.Next == nil || st.Next.Action != manager.NextSetSecret || !strings.Contains(st.Error, "given for "+srv.URL) {
		t.Errorf("status %s %q next %+v; want unconfigured, saying where the secret was given, set_secret", st.State, st.Error, st.Next)
	}

	// Refused, it is not asked again by itself; setting the secret again
	// (which only its owner can) binds it to the new endpoint.
	time.Sleep(50 * time.Millisecond)
	if n := asked.Load(); n != 1 {
		t.Errorf("asked %d times after the refusal, want 1", n)
	}
	if err := m.SetSecret("shared", oauthserver.DefaultClientSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Token(ctx, "shared", 0); err != nil || collector.TokenRequests() != 1 {
		t.Fatalf("token after the secret was set again: %v, %d requests at the new endpoint", err, collector.TokenRequests())
	}

	// Moved back, and this time the user says yes.
	allow.Store(true)
	before := srv.TokenRequests() // before the move: the scheduler may fetch first, the read then joins or finds its token
	moveTokenURL(t, m, ccEnv(srv), srv)
	if _, err := m.Token(ctx, "shared", 0); err != nil || srv.TokenRequests() != before+1 {
		t.Fatalf("token after an allowed move: %v, %d requests", err, srv.TokenRequests()-before)
	}
	if s, _ := store.LoadSecret("shared"); s.Origin != srv.URL {
		t.Errorf("after the allowed move the secret is bound to %q, want %q", s.Origin, srv.URL)
	}
}

// TestRestartKeepsTheIssueTimeSoTheMarginCapHolds: a 4-minute token with
// the default 5-minute margin refreshes at half its lifetime, also when
// the engine was restarted in between.
func TestRestartKeepsTheIssueTimeSoTheMarginCapHolds(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{AccessTokenTTL: 4 * time.Minute})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	r.m.Close()

	r.clock.Advance(30 * time.Second)
	r.m = r.start(&config.Config{Environments: []config.Environment{codeEnv(srv)}})
	eventually(t, "the restarted engine loads the tokens", func() bool { return r.state("local") == manager.StateValid })
	time.Sleep(60 * time.Millisecond)
	if n := srv.TokenRequestsByGrant("refresh_token"); n != 0 {
		t.Fatalf("refreshed %d times at the restart, 90 s before half the lifetime", n)
	}
	r.clock.Advance(90*time.Second + time.Second)
	eventually(t, "the refresh at half the lifetime", func() bool { return srv.TokenRequestsByGrant("refresh_token") == 1 })
}
