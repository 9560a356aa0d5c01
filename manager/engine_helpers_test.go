package manager_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/enginewait"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// rig is one engine wired to a real authorization server on loopback, a
// store and a clock the test moves.
type rig struct {
	t      testing.TB
	srv    *oauthserver.Server
	clock  *fakeclock.Clock
	store  manager.Store
	m      *manager.Manager
	events <-chan manager.Event
}

var epoch = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func codeEnv(srv *oauthserver.Server) config.Environment {
	return config.Environment{
		Name:     "local",
		Flow:     config.FlowAuthorizationCode,
		AuthURL:  srv.AuthURL(),
		TokenURL: srv.TokenURL(),
		ClientID: oauthserver.DefaultClientID,
		Scopes:   []string{"read"},
	}
}

func ccEnv(srv *oauthserver.Server) config.Environment {
	return config.Environment{
		Name:     "shared",
		Flow:     config.FlowClientCredentials,
		TokenURL: srv.TokenURL(),
		ClientID: oauthserver.DefaultClientID,
	}
}

// newRig starts an engine on env with the client secret stored.
func newRig(t testing.TB, srv *oauthserver.Server, store manager.Store, env config.Environment) *rig {
	t.Helper()
	if store == nil {
		store = manager.NewMemoryStore()
	}
	if err := store.SaveSecret(env.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, srv: srv, clock: fakeclock.New(epoch), store: store}
	r.m = r.start(&config.Config{Environments: []config.Environment{env}})
	return r
}

func (r *rig) start(cfg *config.Config) *manager.Manager {
	r.t.Helper()
	m, err := manager.New(cfg, manager.Options{
		Store:        r.store,
		Clock:        r.clock,
		Logger:       testLogger(),
		Jitter:       func() float64 { return 0 },
		LoginTimeout: 10 * time.Second,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	var cancel func()
	r.events, cancel = m.Subscribe()
	m.Start()
	r.t.Cleanup(func() { cancel(); m.Close() })
	if err := enginewait.Loaded(m); err != nil {
		r.t.Fatal(err)
	}
	return m
}

// login runs the whole authorization code flow, the browser played by an HTTP client.
func (r *rig) login(name string) {
	r.t.Helper()
	ctx := context.Background()
	info, err := r.m.Login(ctx, name)
	if err != nil {
		r.t.Fatalf("Login: %v", err)
	}
	status, body, err := oauthserver.FollowAndCallback(ctx, info.AuthorizationURL)
	if err != nil || status != 200 {
		r.t.Fatalf("callback: status %d, err %v, body %s", status, err, body)
	}
	if err := r.m.WaitLogin(ctx, name); err != nil {
		r.t.Fatalf("WaitLogin: %v", err)
	}
}

func (r *rig) state(name string) manager.State {
	st, err := r.m.Status(name)
	if err != nil {
		r.t.Fatal(err)
	}
	return st.State
}

// eventually polls cond for up to 5 s of real time: background work runs
// on its own goroutine once the fake clock has moved.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// drive moves the engine's clock forward in steps, giving the background
// goroutines a moment of real time after each, until cond holds (or 10 s
// of real time pass), and returns how much engine time that took.
func (r *rig) drive(step time.Duration, what string, cond func() bool) time.Duration {
	r.t.Helper()
	start := r.clock.Now()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s (engine time moved %s)", what, r.clock.Now().Sub(start))
		}
		r.clock.Advance(step)
		time.Sleep(3 * time.Millisecond)
	}
	return r.clock.Now().Sub(start)
}

// waitEvent waits for an event of kind for env.
func (r *rig) waitEvent(kind manager.EventKind, env string) manager.Event {
	r.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-r.events:
			if ev.Kind == kind && ev.Env == env {
				return ev
			}
			if testing.Verbose() {
				r.t.Logf("event %s %s %q", ev.Kind, ev.Env, ev.Message)
			}
		case <-timeout:
			r.t.Fatalf("no %s event for %s", kind, env)
		}
	}
}

func queryOf(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// flakyStore is a memory store whose operations can be made to fail.
type flakyStore struct {
	*manager.VaultStore
	mu         sync.Mutex
	failSave   bool
	failLoad   bool
	deletes    int
	savedOrder []string // access tokens in the order they were saved
}

var errKeychainDown = errors.New("keychain is not answering")

func newFlakyStore() *flakyStore { return &flakyStore{VaultStore: manager.NewMemoryStore()} }

func (s *flakyStore) set(save, load bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSave, s.failLoad = save, load
}

func (s *flakyStore) SaveTokens(env string, t manager.StoredTokens) error {
	s.mu.Lock()
	fail := s.failSave
	s.mu.Unlock()
	if fail {
		return errKeychainDown
	}
	s.mu.Lock()
	s.savedOrder = append(s.savedOrder, t.AccessToken)
	s.mu.Unlock()
	return s.VaultStore.SaveTokens(env, t)
}

func (s *flakyStore) LoadTokens(env string) (*manager.StoredTokens, error) {
	s.mu.Lock()
	fail := s.failLoad
	s.mu.Unlock()
	if fail {
		return nil, errKeychainDown
	}
	return s.VaultStore.LoadTokens(env)
}

func (s *flakyStore) DeleteTokens(env string) error {
	s.mu.Lock()
	s.deletes++
	s.mu.Unlock()
	return s.VaultStore.DeleteTokens(env)
}

// testLogger writes the engine's log to stderr under -v, else nowhere.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
