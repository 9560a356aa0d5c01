package manager_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// slowRefreshInFlight starts a forced refresh against a provider that
// answers after delay, and returns once the request is at the provider,
// with the channel its result arrives on.
func slowRefreshInFlight(t *testing.T, f *faultRig, delay time.Duration) <-chan error {
	t.Helper()
	f.srv.SetTokenDelay(delay)
	before := f.srv.TokenRequests()
	done := make(chan error, 1)
	go func() { _, err := f.refresh("local"); done <- err }()
	eventually(t, "the refresh at the provider", func() bool { return f.srv.TokenRequests() > before })
	return done
}

func TestReadDuringRefreshGetsTheNewTokenTheProviderHonours(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	old := f.accessToken("local")

	done := slowRefreshInFlight(t, f, 1500*time.Millisecond)
	time.Sleep(400 * time.Millisecond) // well into the refresh, as a script would be
	began := time.Now()
	tok, err := f.m.Read(context.Background(), "local", manager.ReadRequest{Reader: manager.Reader{PID: 4242, Exe: "/usr/bin/curl"}})
	if err != nil {
		t.Fatalf("Read during the refresh: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the refresh: %v", err)
	}
	got := tok.AccessToken.Reveal()
	if got == old {
		t.Fatalf("the read during the refresh got the token the provider is retiring (after %s)", time.Since(began))
	}
	if !acceptedByProvider(t, srv, got) {
		t.Error("the provider does not honour the token the read got")
	}
	if acceptedByProvider(t, srv, old) {
		t.Error("this provider should have retired the old token at the refresh; the test proves nothing")
	}
	reads, _ := f.m.Reads("local")
	if len(reads) != 1 || !reads[0].Refreshed || reads[0].PID != 4242 {
		t.Errorf("read log %+v; want one read by pid 4242 that waited for the refresh", reads)
	}
}

func TestReadDuringAFailingRefreshGetsTheStillValidToken(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")
	old := f.accessToken("local")
	srv.FailNext(1, 503)

	done := slowRefreshInFlight(t, f, 800*time.Millisecond)
	tok, err := f.m.Read(context.Background(), "local", manager.ReadRequest{})
	if err != nil {
		t.Fatalf("Read during a failing refresh: %v; want the still valid token", err)
	}
	if err := <-done; err == nil {
		t.Fatal("the refresh did not fail; the test proves nothing")
	}
	if tok.AccessToken.Reveal() != old || !acceptedByProvider(t, srv, old) {
		t.Error("the read did not get the old token, which the provider still honours")
	}
	if st := f.status("local"); st.State != manager.StateValid || !st.RefreshFailing {
		t.Errorf("after the failed refresh: state %s, refresh_failing %v; want valid and the failure shown", st.State, st.RefreshFailing)
	}
}

func TestReadWaitingForARefreshEndsAtItsDeadline(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	f := newFaultRig(t, srv, nil, codeEnv(srv), faultOptions{})
	f.login("local")

	done := slowRefreshInFlight(t, f, 2*time.Second)
	began := time.Now()
	_, err := f.m.Read(context.Background(), "local", manager.ReadRequest{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read with a 200ms bound during a 2s refresh: %v; want its deadline", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("the read gave up after %s, not at its 200ms bound", took)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestEveryReadIsLoggedAndAnnouncedAtOnce(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, ccEnv(srv))
	events, stop := r.m.Subscribe()
	defer stop()
	reader := manager.Reader{PID: 77, UID: 1000, Exe: "/usr/bin/python3", Cmdline: "python3 deploy.py"}
	if _, err := r.m.Read(context.Background(), "shared", manager.ReadRequest{Reader: reader, Via: manager.ViaTray}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Kind != manager.EventRead {
				continue
			}
			if ev.Env != "shared" || ev.Read == nil || ev.Read.PID != 77 || ev.Read.Via != manager.ViaTray || ev.Read.Cmdline != "python3 deploy.py" {
				t.Fatalf("read event %+v (read %+v); want the tray read by pid 77", ev, ev.Read)
			}
			st, _ := r.m.Status("shared")
			if st.LastRead == nil || st.LastRead.PID != 77 {
				t.Fatalf("status last_read %+v when the read event arrived", st.LastRead)
			}
			return
		case <-deadline:
			t.Fatal("no read event within 5s of the read")
		}
	}
}

func TestGuardedReadAsksFirstAndADenialHandsOutNothing(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := ccEnv(srv)
	env.Guard = "confirm"
	store := manager.NewMemoryStore()
	if err := store.SaveSecret(env.Name, manager.StoredSecret{Value: oauthserver.DefaultClientSecret}); err != nil {
		t.Fatal(err)
	}
	asked := make(chan manager.Reader, 4)
	allow := false
	m, err := manager.New(&config.Config{Environments: []config.Environment{env}}, manager.Options{
		Store: store, Logger: testLogger(),
		Confirm: func(ctx context.Context, q manager.Question) error {
			if q.Action != manager.ActionRead {
				t.Errorf("asked %q, want a read", q.Action)
			}
			asked <- q.Reader
			if allow {
				return nil
			}
			return &manager.DeniedError{Env: q.Env, Reader: q.Reader, Reason: "you chose Deny"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()
	reader := manager.Reader{PID: 9, Exe: "/usr/bin/curl"}
	_, err = m.Read(context.Background(), env.Name, manager.ReadRequest{Reader: reader})
	if !errors.Is(err, manager.ErrDenied) || (<-asked).PID != 9 {
		t.Fatalf("denied guarded read: %v; want ErrDenied after asking about pid 9", err)
	}
	if reads, _ := m.Reads(env.Name); len(reads) != 0 {
		t.Fatalf("a denied read was logged as a read: %+v", reads)
	}
	allow = true
	if tok, err := m.Read(context.Background(), env.Name, manager.ReadRequest{Reader: reader}); err != nil || tok.AccessToken == "" {
		t.Fatalf("allowed guarded read: %v", err)
	}
}
