package manager_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// A login nobody finishes says so in the status, with the deadline while it
// runs and the timeout afterwards, until the next login starts.
func TestLoginTimeoutIsShownUntilTheNextLogin(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	m, err := manager.New(&config.Config{Environments: []config.Environment{codeEnv(srv)}}, manager.Options{
		Store: r.store, Clock: r.clock, LoginTimeout: 300 * time.Millisecond, Logger: discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	defer m.Close()

	if _, err := m.Login(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	st, _ := m.Status("local")
	if st.Login == nil || !st.Login.ExpiresAt.Equal(r.clock.Now().Add(300*time.Millisecond)) {
		t.Errorf("while authorizing the status has login %+v, want its deadline on the engine's clock", st.Login)
	}
	err = m.WaitLogin(context.Background(), "local")
	if !errors.Is(err, manager.ErrLoginTimedOut) {
		t.Fatalf("WaitLogin: %v, want ErrLoginTimedOut", err)
	}
	st, _ = m.Status("local")
	if st.State != manager.StateNeedsLogin || !strings.Contains(st.Error, "authorization timed out") ||
		st.Next == nil || st.Next.Action != manager.NextLogin {
		t.Fatalf("after the timeout: state %s, error %q, next %+v; want needs_login, a timeout error, next login", st.State, st.Error, st.Next)
	}
	// Still said later, and by any reader.
	r.clock.Advance(time.Hour)
	if st, _ = m.Status("local"); !strings.Contains(st.Error, "timed out") {
		t.Errorf("an hour later the error is %q, want the timeout kept", st.Error)
	}
	// The next login clears it.
	if _, err := m.Login(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	if st, _ = m.Status("local"); st.Error != "" {
		t.Errorf("a new login still shows %q", st.Error)
	}
	m.CancelLogin("local")
	if st, _ = m.Status("local"); st.Error != "" {
		t.Errorf("a canceled login shows %q; canceling is the user's choice, not a failure", st.Error)
	}
}

func TestRefreshFailingIsSetWhileTheTokenIsValid(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	r := newRig(t, srv, nil, codeEnv(srv))
	r.login("local")
	st, _ := r.m.Status("local")
	if st.RefreshFailing {
		t.Fatal("a fresh token reads as refresh failing")
	}
	srv.FailNext(5, http.StatusServiceUnavailable)
	if _, err := r.m.Refresh(context.Background(), "local"); err == nil {
		t.Fatal("a refresh against a failing provider succeeded")
	}
	st, _ = r.m.Status("local")
	if st.State != manager.StateValid || !st.RefreshFailing || st.Next == nil || st.Next.Action != manager.NextRetry || st.Next.RetryAt == nil {
		t.Errorf("state %s, refresh_failing %v, next %+v; want valid, refresh failing, a retry with its time", st.State, st.RefreshFailing, st.Next)
	}
}
