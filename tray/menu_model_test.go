package tray

import (
	"slices"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func statuses() []manager.Status {
	return []manager.Status{
		{Name: "zepto-sandbox", Flow: config.FlowAuthorizationCode, State: manager.StateValid,
			ExpiresAt: at(time.Hour + 52*time.Minute + 59*time.Second), HasRefresh: true, Persistent: true},
		{Name: "zepto-production", Flow: config.FlowAuthorizationCode, State: manager.StateNeedsLogin, Persistent: true},
		{Name: "campaignflow-prod", Flow: config.FlowClientCredentials, State: manager.StateExpired,
			ExpiresAt: at(-time.Minute), Persistent: true},
	}
}

func TestMenuTitlesCarryStateAndTimeLeft(t *testing.T) {
	mm := BuildMenuModel(statuses(), now)
	var titles []string
	for _, e := range mm.Envs {
		titles = append(titles, e.Title)
	}
	want := []string{
		"zepto-sandbox — valid, 1h 52m left",
		"zepto-production — needs login",
		"campaignflow-prod — expired",
	}
	if !slices.Equal(titles, want) {
		t.Errorf("titles = %q, want %q", titles, want)
	}
	if !mm.Attention {
		t.Error("an environment needs login but the icon does not ask for attention")
	}
	if mm.Notice != "" {
		t.Errorf("notice %q with a keychain", mm.Notice)
	}
	if got := BuildMenuModel(statuses(), now.Add(time.Minute)).Envs[0].Title; got != "zepto-sandbox — valid, 1h 51m left" {
		t.Errorf("a minute later title = %q", got)
	}
}

func TestMenuShowsOnlyTheActionsThatApply(t *testing.T) {
	s := statuses()
	authorizing := manager.Status{Name: "github", Flow: config.FlowAuthorizationCode, State: manager.StateAuthorizing,
		Persistent: true, Login: &manager.LoginInfo{AuthorizationURL: "https://github.com/login/oauth/authorize?x=1"}}
	device := manager.Status{Name: "tv", Flow: config.FlowDeviceCode, State: manager.StateAuthorizing,
		Persistent: true, Login: &manager.LoginInfo{UserCode: "ABCD-EFGH", VerificationURI: "https://example.com/device"}}
	unconfigured := manager.Status{Name: "new", Flow: config.FlowAuthorizationCode, State: manager.StateUnconfigured, Persistent: true}
	s = append(s, authorizing, device, unconfigured)
	mm := BuildMenuModel(s, now)
	for i, want := range [][]Action{
		{ActionCopyToken, ActionCopyHeader, ActionRefresh}, // valid, with a refresh token: nothing to authorize
		{ActionAuthorize}, // needs login: no token to copy
		{ActionCopyToken, ActionCopyHeader, ActionRefresh}, // client credentials: never Authorize, fetches a new one
		{ActionOpenBrowser, ActionCopyLink, ActionCancel},  // waiting for the browser
		{ActionOpenBrowser, ActionCopyLink, ActionCancel},  // device code: the verification page
		{ActionSetUp},
	} {
		if got := mm.Envs[i].Actions; !slices.Equal(got, want) {
			t.Errorf("%s: actions = %q, want %q", mm.Envs[i].Env, got, want)
		}
	}
	if got := LoginLink(authorizing); got != authorizing.Login.AuthorizationURL {
		t.Errorf("login link = %q", got)
	}
	if got := LoginLink(device); got != "https://example.com/device" {
		t.Errorf("device login link = %q", got)
	}
}

func TestAuthorizeIsOfferedWhenTheProviderRefusedTheRefreshToken(t *testing.T) {
	s := manager.Status{Name: "zepto", Flow: config.FlowAuthorizationCode, State: manager.StateError,
		ExpiresAt: at(time.Hour), HasRefresh: true, Persistent: true,
		Next: &manager.Next{Action: manager.NextCheckCredentials}}
	got := BuildMenuModel([]manager.Status{s}, now).Envs[0].Actions
	want := []Action{ActionAuthorize, ActionCopyToken, ActionCopyHeader, ActionRefresh}
	if !slices.Equal(got, want) {
		t.Errorf("actions = %q, want %q", got, want)
	}
}

func TestAllValidMeansNoAttention(t *testing.T) {
	mm := BuildMenuModel(statuses()[:1], now)
	if mm.Attention {
		t.Error("attention icon while everything is valid")
	}
}

func TestMenuSaysWhenTokensAreInMemoryOnlyOrNothingIsSetUp(t *testing.T) {
	s := statuses()
	s[0].Persistent = false
	if got := BuildMenuModel(s, now).Notice; got != "No keychain: tokens are kept in memory only" {
		t.Errorf("notice = %q", got)
	}
	if got := BuildMenuModel(nil, now).Notice; got == "" {
		t.Error("an empty tray menu should say how to add an environment")
	}
}

func TestTitleChangesKeepTheMenuShapeButNewActionsDoNot(t *testing.T) {
	a := BuildMenuModel(statuses(), now)
	b := BuildMenuModel(statuses(), now.Add(time.Minute))
	if !sameShape(a, b) {
		t.Error("a minute passing changed the menu's shape: it would be rebuilt (and an open menu closed)")
	}
	s := statuses()
	s[1].State = manager.StateValid
	s[1].HasRefresh = true
	s[1].ExpiresAt = at(time.Hour)
	if sameShape(a, BuildMenuModel(s, now)) {
		t.Error("signing in changed the actions but the shape counts as the same")
	}
	if sameShape(a, BuildMenuModel(statuses()[:2], now)) {
		t.Error("an environment removed but the shape counts as the same")
	}
}

func TestGuardedEnvironmentsCarryAShield(t *testing.T) {
	sts := statuses()
	sts[1].Guarded = true
	mm := BuildMenuModel(sts, now)
	if got, want := mm.Envs[1].Title, GuardedMark+"zepto-production — needs login"; got != want {
		t.Errorf("guarded title = %q, want %q", got, want)
	}
	if got := mm.Envs[0].Title; got != "zepto-sandbox — valid, 1h 52m left" {
		t.Errorf("an unguarded title changed: %q", got)
	}
}
