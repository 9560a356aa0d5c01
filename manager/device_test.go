package manager_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/fakeclock"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/internal/oidcserver"
	"github.com/tokentray/tokentray/manager"
)

// deviceEnv names only the issuer: discovery finds the device
// authorization and token endpoints.
func deviceEnv(srv *oidcserver.Server) config.Environment {
	return config.Environment{
		Name:     "box",
		Flow:     config.FlowDeviceCode,
		Issuer:   srv.Issuer,
		ClientID: oidcserver.DeviceClientID,
		Scopes:   []string{"openid", "profile"},
	}
}

// newDeviceRig starts an engine on env against the OpenID provider, its
// device polls stamped with the engine's clock.
func newDeviceRig(t *testing.T, srv *oidcserver.Server, env config.Environment) *rig {
	t.Helper()
	r := &rig{t: t, clock: fakeclock.New(epoch), store: manager.NewMemoryStore()}
	if err := r.store.SaveSecret(env.Name, manager.StoredSecret{Value: oidcserver.DeviceClientSecret}); err != nil {
		t.Fatal(err)
	}
	srv.SetPollClock(r.clock.Now)
	r.m = r.start(&config.Config{Environments: []config.Environment{env}})
	return r
}

func pollsReach(srv *oidcserver.Server, n int) func() bool {
	return func() bool { return len(srv.DevicePolls()) >= n }
}

// loginEnded reports whether the environment's running login has ended.
func (r *rig) loginEnded(name string) func() bool {
	return func() bool {
		st, err := r.m.Status(name)
		return err == nil && st.Login == nil
	}
}

func TestDeviceFlowLoginEndToEnd(t *testing.T) {
	srv := oidcserver.Start(t, oidcserver.Options{})
	r := newDeviceRig(t, srv, deviceEnv(srv))
	ctx := context.Background()

	info, err := r.m.Login(ctx, "box")
	if err != nil {
		t.Fatal(err)
	}
	if info.UserCode == "" || info.VerificationURI != srv.VerificationURL() {
		t.Fatalf("login info %+v: want a user code and %s", info, srv.VerificationURL())
	}
	if !strings.Contains(info.VerificationURIComplete, info.UserCode) {
		t.Errorf("verification_uri_complete %q lacks the user code", info.VerificationURIComplete)
	}
	if want := epoch.Add(5 * time.Minute); info.ExpiresAt.Sub(want).Abs() > 2*time.Second {
		t.Errorf("code expires at %s on the engine clock, want about %s", info.ExpiresAt, want)
	}
	st, _ := r.m.Status("box")
	if st.State != manager.StateAuthorizing || st.Login == nil || st.Login.UserCode != info.UserCode {
		t.Fatalf("status during login: %s, login %+v", st.State, st.Login)
	}

	// The user is slow: the first poll finds the code pending, and the
	// engine keeps polling.
	r.drive(time.Second, "first poll", pollsReach(srv, 1))
	if err := srv.ApproveDevice(ctx, info.UserCode); err != nil {
		t.Fatal(err)
	}
	r.drive(time.Second, "login to end", r.loginEnded("box"))
	if err := r.m.WaitLogin(ctx, "box"); err != nil {
		t.Fatalf("WaitLogin: %v", err)
	}
	polls := srv.DevicePolls()
	if len(polls) != 2 {
		t.Errorf("%d polls, want 2 (pending, then tokens)", len(polls))
	}
	if gap := polls[0].Sub(epoch); gap < 5*time.Second {
		t.Errorf("first poll %s after the start, want at least the 5s interval", gap)
	}
	tok, err := r.m.Token(ctx, "box", 0)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("Token: %v", err)
	}
	st, _ = r.m.Status("box")
	if st.State != manager.StateValid || st.Login != nil {
		t.Errorf("after approval: state %s, login %+v", st.State, st.Login)
	}
	if strings.Join(st.GrantedScopes, " ") != "openid profile" || len(st.MissingScopes) != 0 {
		t.Errorf("granted %v, missing %v; want openid profile, none", st.GrantedScopes, st.MissingScopes)
	}
	if st.Claims != nil {
		t.Errorf("opaque access token shows claims %+v", st.Claims)
	}
	stored, err := r.store.LoadTokens("box")
	if err != nil || stored == nil || stored.AccessToken != tok.AccessToken.Reveal() {
		t.Errorf("tokens were not saved: %v", err)
	}
}

func TestDeviceFlowHonoursSlowDown(t *testing.T) {
	srv := oidcserver.Start(t, oidcserver.Options{})
	srv.SlowDownNext(2)
	r := newDeviceRig(t, srv, deviceEnv(srv))
	ctx := context.Background()
	info, err := r.m.Login(ctx, "box")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ApproveDevice(ctx, info.UserCode); err != nil {
		t.Fatal(err)
	}
	r.drive(time.Second, "login to end", r.loginEnded("box"))
	if err := r.m.WaitLogin(ctx, "box"); err != nil {
		t.Fatalf("WaitLogin after slow_down: %v", err)
	}
	polls := srv.DevicePolls()
	if len(polls) != 3 {
		t.Fatalf("%d polls, want 3 (slow_down, slow_down, tokens)", len(polls))
	}
	// RFC 8628 §3.5: every slow_down adds 5 seconds to this and all later waits.
	if gap := polls[1].Sub(polls[0]); gap < 10*time.Second {
		t.Errorf("poll after the first slow_down came %s later, want at least 10s", gap)
	}
	if gap := polls[2].Sub(polls[1]); gap < 15*time.Second {
		t.Errorf("poll after the second slow_down came %s later, want at least 15s", gap)
	}
	if got := r.state("box"); got != manager.StateValid {
		t.Errorf("state %s, want valid", got)
	}
}

func TestDeviceCodeExpiredAtTheProviderEndsLogin(t *testing.T) {
	// zitadel checks device codes against its own (real) clock.
	const lifetime = 2 * time.Second
	srv := oidcserver.Start(t, oidcserver.Options{DeviceCodeLifetime: lifetime, PollInterval: time.Second})
	r := newDeviceRig(t, srv, deviceEnv(srv))
	if _, err := r.m.Login(context.Background(), "box"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(lifetime + 100*time.Millisecond)
	r.clock.Advance(time.Second) // one interval: the engine polls, well before its own deadline
	eventually(t, "login to end", r.loginEnded("box"))

	err := r.m.WaitLogin(context.Background(), "box")
	var ae *manager.ActionError
	if err == nil || !strings.Contains(err.Error(), "device code expired") || !errors.As(err, &ae) || ae.Next.Action != manager.NextLogin {
		t.Fatalf("WaitLogin: %v, want the device code expired message and a login as the next step", err)
	}
	if n := len(srv.DevicePolls()); n != 1 {
		t.Errorf("%d polls, want 1 answered expired_token", n)
	}
	if got := r.state("box"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
}

func TestDeviceCodeExpiryOnTheEngineClockEndsLogin(t *testing.T) {
	srv := oidcserver.Start(t, oidcserver.Options{}) // 5 minute codes, 5 second interval
	r := newDeviceRig(t, srv, deviceEnv(srv))
	info, err := r.m.Login(context.Background(), "box")
	if err != nil {
		t.Fatal(err)
	}
	r.drive(time.Second, "login to end", r.loginEnded("box"))
	ev := r.waitEvent(manager.EventLoginFailed, "box")
	if !strings.Contains(ev.Message, "device code expired") {
		t.Errorf("event message %q, want the device code expired", ev.Message)
	}
	if now := r.clock.Now(); now.Before(info.ExpiresAt) {
		t.Errorf("login ended at %s, before the code expired at %s", now, info.ExpiresAt)
	}
	polls := srv.DevicePolls()
	if len(polls) == 0 || len(polls) > 60 {
		t.Errorf("%d polls in 5 minutes at a 5s interval", len(polls))
	}
	for i := 1; i < len(polls); i++ {
		if gap := polls[i].Sub(polls[i-1]); gap < 5*time.Second {
			t.Fatalf("polls %d and %d only %s apart", i-1, i, gap)
		}
	}
	if got := r.state("box"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
	if _, err := r.m.Token(context.Background(), "box", 0); !errors.Is(err, manager.ErrNeedsLogin) {
		t.Errorf("Token: %v, want ErrNeedsLogin", err)
	}
}

func TestDeviceFlowAccessDenied(t *testing.T) {
	srv := oidcserver.Start(t, oidcserver.Options{})
	r := newDeviceRig(t, srv, deviceEnv(srv))
	ctx := context.Background()
	info, err := r.m.Login(ctx, "box")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.DenyDevice(ctx, info.UserCode); err != nil {
		t.Fatal(err)
	}
	r.drive(time.Second, "login to end", r.loginEnded("box"))
	err = r.m.WaitLogin(ctx, "box")
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("WaitLogin: %v, want access_denied", err)
	}
	if n := len(srv.DevicePolls()); n != 1 {
		t.Errorf("%d polls after denial, want 1", n)
	}
	if got := r.state("box"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
}

func TestDeviceLoginCanceledStopsPolling(t *testing.T) {
	srv := oidcserver.Start(t, oidcserver.Options{})
	r := newDeviceRig(t, srv, deviceEnv(srv))
	if _, err := r.m.Login(context.Background(), "box"); err != nil {
		t.Fatal(err)
	}
	r.drive(time.Second, "first poll", pollsReach(srv, 1))
	r.m.CancelLogin("box")
	if err := r.m.WaitLogin(context.Background(), "box"); !errors.Is(err, manager.ErrLoginCanceled) {
		t.Fatalf("WaitLogin: %v, want ErrLoginCanceled", err)
	}
	before := len(srv.DevicePolls())
	r.clock.Advance(time.Minute)
	time.Sleep(50 * time.Millisecond)
	if n := len(srv.DevicePolls()); n != before {
		t.Errorf("%d polls after cancel", n-before)
	}
}

func TestDeviceFlowWithoutDeviceEndpointSaysWhatToSet(t *testing.T) {
	srv := oauthserver.Start(t, oauthserver.Options{})
	env := codeEnv(srv)
	env.Flow = config.FlowDeviceCode
	r := newRig(t, srv, nil, env)
	_, err := r.m.Login(context.Background(), "local")
	if err == nil || !strings.Contains(err.Error(), "device_authorization_url") {
		t.Fatalf("Login: %v, want a hint to set device_authorization_url", err)
	}
	if got := r.state("local"); got != manager.StateNeedsLogin {
		t.Errorf("state %s, want needs_login", got)
	}
}
