package manager_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// manyEnvironments starts an engine of n client-credentials environments,
// the first secrets of them with a client secret stored (the others are
// not set up).
func manyEnvironments(t *testing.T, srv *oauthserver.Server, n, secrets int) (*manager.Manager, *fakeclock.Clock, []string) {
	t.Helper()
	store := manager.NewMemoryStore()
	clock := fakeclock.New(epoch)
	cfg := &config.Config{}
	var names []string
	for i := range n {
		env := ccEnv(srv)
		env.Name = fmt.Sprintf("env-%04d", i)
		cfg.Environments = append(cfg.Environments, env)
		names = append(names, env.Name)
		if i < secrets {
			if err := store.SaveSecret(env.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err := manager.New(cfg, manager.Options{Store: store, Clock: clock, Logger: testLogger(), Jitter: func() float64 { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Close)
	return m, clock, names
}

func allValid(m *manager.Manager) bool {
	for _, st := range m.Environments() {
		if st.State != manager.StateValid {
			return false
		}
	}
	return true
}

func TestIdleEngineWaitsOnOneAlarmAndRefreshesAllOnTime(t *testing.T) {
	const n = 200
	srv := oauthserver.Start(t, oauthserver.Options{})
	m, clock, _ := manyEnvironments(t, srv, n, n)
	eventually(t, "every environment fetched a token", func() bool { return allValid(m) })
	// However many environments, the engine sleeps on one timer: the
	// next refresh due. Nothing else wakes it.
	eventually(t, "one alarm", func() bool { return clock.Waiters() == 1 })
	settle()
	if w := clock.Waiters(); w != 1 {
		t.Fatalf("%d timers pending for %d idle environments, want 1", w, n)
	}
	if got := srv.TokenRequests(); got != n {
		t.Fatalf("%d token requests, want %d", got, n)
	}
	clock.Advance(untilRefreshDue - time.Second)
	settle()
	if got := srv.TokenRequests(); got != n {
		t.Fatalf("%d refreshes before they were due", got-n)
	}
	clock.Advance(time.Second)
	eventually(t, "every environment refreshed when due", func() bool {
		for _, st := range m.Environments() {
			if st.State != manager.StateValid || st.IssuedAt == nil || !st.IssuedAt.Equal(clock.Now()) {
				return false
			}
		}
		return true
	})
	if got := srv.TokenRequests(); got != 2*n {
		t.Errorf("%d token requests, want one refresh each (%d)", got, 2*n)
	}
	eventually(t, "one alarm again", func() bool { return clock.Waiters() == 1 })
}

func TestNothingDueMeansNoTimerAtAll(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	m, clock, names := manyEnvironments(t, srv, 50, 0)
	eventually(t, "loaded", func() bool {
		st, _ := m.Status(names[len(names)-1])
		return st.State == manager.StateUnconfigured
	})
	settle()
	if w := clock.Waiters(); w != 0 {
		t.Fatalf("%d timers pending with nothing set up, want none", w)
	}
	// A secret makes one due at once; then its refresh is the one alarm.
	if err := m.SetSecret(names[7], manager.Secret(oauthserver.DefaultClientSecret)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a token for the one set up", func() bool { return srv.TokenRequests() == 1 })
	eventually(t, "its refresh armed", func() bool { return clock.Waiters() == 1 })
}

func TestSuspendPastEveryExpiryRefreshesAllOnWake(t *testing.T) {
	const n = 50
	srv := oauthserver.Start(t, oauthserver.Options{})
	m, clock, _ := manyEnvironments(t, srv, n, n)
	eventually(t, "every environment fetched a token", func() bool { return allValid(m) })
	eventually(t, "one alarm", func() bool { return clock.Waiters() == 1 })
	// The wall clock jumps 5 hours at once, as after a suspend: the one
	// alarm fires and every environment refreshes.
	clock.Set(clock.Now().Add(5 * time.Hour))
	eventually(t, "every environment refreshed on wake", func() bool { return srv.TokenRequests() == 2*n && allValid(m) })
}

func TestLoggedOutClientCredentialsAreFetchedOnlyWhenAsked(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	eventually(t, "the token fetched at start", func() bool { return r.state("shared") == manager.StateValid })
	if err := r.m.Logout(context.Background(), "shared"); err != nil {
		t.Fatal(err)
	}
	// Forgotten means forgotten: no token behind the user's back, now or later.
	r.clock.Advance(3 * time.Hour)
	settle()
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests after logout, want none after the first", n-1)
	}
	if st, _ := r.m.Status("shared"); st.ExpiresAt != nil {
		t.Fatalf("a token after logout, expiring %v", st.ExpiresAt)
	}
	// Asked for, it is fetched, and kept fresh from then on.
	if _, err := r.m.Token(context.Background(), "shared", 0); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(untilRefreshDue)
	eventually(t, "the proactive refresh", func() bool { return srv.TokenRequests() == 3 })
}
