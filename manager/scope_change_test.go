package manager_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
)

func TestScopeChangeKeepsTheTokenValidAndSaysASignInGetsTheNewScope(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := codeEnv(srv) // scopes: read
	r := newRig(t, srv, nil, env)
	r.login("local")
	old, err := r.m.Token(context.Background(), "local", 0)
	if err != nil {
		t.Fatal(err)
	}

	env.Scopes = []string{"read", "write"}
	if err := r.m.SetConfig(&config.Config{Environments: []config.Environment{env}}); err != nil {
		t.Fatal(err)
	}
	var st manager.Status
	eventually(t, "the edited environment loaded", func() bool {
		st, _ = r.m.Status("local")
		return st.State != manager.StateLoading
	})
	if st.State != manager.StateValid || st.ExpiresAt == nil {
		t.Errorf("state %s after adding a scope; want valid: the token is still good and handed out", st.State)
	}
	if st.Next == nil || st.Next.Action != manager.NextReauthorize || !slices.Equal(st.Next.Scopes, []string{"write"}) {
		t.Errorf("next = %+v; want reauthorize for [write]", st.Next)
	}
	if got, err := r.m.Token(context.Background(), "local", 0); err != nil || got.AccessToken != old.AccessToken {
		t.Errorf("Token after the edit: err %v, same token %v; want the current token served", err, got.AccessToken == old.AccessToken)
	}
	// A refresh keeps the grant's scopes: still the same step.
	if _, err := r.m.Refresh(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.m.Status("local"); st.Next == nil || st.Next.Action != manager.NextReauthorize {
		t.Errorf("after a refresh next = %+v; want reauthorize still", st.Next)
	}

	// Signing in again gets the new scope, and the step is done.
	r.login("local")
	if st, _ := r.m.Status("local"); st.Next != nil || len(st.MissingScopes) != 0 {
		t.Errorf("after signing in again: next %+v, missing %v; want none", st.Next, st.MissingScopes)
	}
}

func TestScopesTheProviderRefusedAreNotAskedForAgainAndAgain(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	srv.Hook(narrowScopes("read"))
	env := ccEnv(srv)
	env.Scopes = []string{"read", "write"}
	r := newRig(t, srv, nil, env)
	if _, err := r.m.Refresh(context.Background(), "shared"); err != nil {
		t.Fatal(err)
	}
	st, _ := r.m.Status("shared")
	if st.State != manager.StateValid || st.Next != nil || !slices.Equal(st.MissingScopes, []string{"write"}) {
		t.Errorf("state %s, next %+v, missing %v; want valid, no step (it was just asked), write flagged", st.State, st.Next, st.MissingScopes)
	}
}
