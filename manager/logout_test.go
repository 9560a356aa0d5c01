package manager_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

// A sign-out while a refresh is at the provider stays a sign-out: the
// tokens the provider answers with afterwards are neither kept nor
// stored, and are revoked, so nothing signed in is left behind.
func TestSignOutDuringARefreshStaysSignedOut(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := codeEnv(srv)
	env.RevokeURL = srv.RevokeURL()
	answered, signedOut := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f := newFaultRig(t, srv, nil, env, faultOptions{checkpoint: func(_ string, step manager.RefreshStep) {
		if step == manager.StepAfterResponse {
			once.Do(func() { close(answered); <-signedOut })
		}
	}})
	f.login("local")

	done := make(chan error, 1)
	go func() { _, err := f.refresh("local"); done <- err }()
	<-answered // the provider has issued the new tokens; the engine has not taken them yet
	if err := f.m.Logout(context.Background(), "local"); err != nil {
		t.Fatalf("Logout during the refresh: %v", err)
	}
	close(signedOut)
	if err := <-done; !errors.Is(err, manager.ErrNeedsLogin) {
		t.Errorf("the refresh that landed after the sign-out: %v; want needs login", err)
	}
	if st := f.status("local"); st.State != manager.StateNeedsLogin {
		t.Errorf("state after the refresh landed: %s; want needs_login", st.State)
	}
	if stored, err := f.store.LoadTokens("local"); err != nil || stored != nil {
		t.Errorf("the store holds tokens (%v) after the sign-out; want nothing", err)
	}
	if _, err := f.token("local", 0); !errors.Is(err, manager.ErrNeedsLogin) {
		t.Errorf("a read after the sign-out: %v; want needs login", err)
	}
	// The sign-out revoked the refresh token it had; the one the provider
	// issued during the sign-out is revoked when it arrives.
	eventually(t, "the late refresh token revoked", func() bool { return len(srv.Revoked()) == 2 })
	if revoked := srv.Revoked(); slices.Contains(revoked, "") || revoked[0] == revoked[1] {
		t.Errorf("revoked %d tokens, want the old and the late refresh token", len(revoked))
	}
}
