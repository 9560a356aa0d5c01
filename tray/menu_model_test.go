package tray

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func statuses() []socket.Status {
	return []socket.Status{
		{Name: "zepto-sandbox", Flow: config.FlowAuthorizationCode, State: socket.StateValid,
			ExpiresAt: at(time.Hour + 52*time.Minute + 59*time.Second), HasRefresh: true, Persistent: true},
		{Name: "zepto-production", Flow: config.FlowAuthorizationCode, State: socket.StateNeedsLogin, Persistent: true},
		{Name: "campaignflow-prod", Flow: config.FlowClientCredentials, State: socket.StateExpired,
			ExpiresAt: at(-time.Minute), Persistent: true},
	}
}

func TestMenuTitlesLeadWithTheStateAndTimeLeft(t *testing.T) {
	mm := BuildMenuModel(statuses(), now)
	var titles []string
	for _, e := range mm.Envs {
		titles = append(titles, e.Title)
	}
	want := []string{
		"● valid 1h 52m  zepto-sandbox",
		"○ needs login  zepto-production",
		"○ expired  campaignflow-prod",
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
	if got := BuildMenuModel(statuses(), now.Add(time.Minute)).Envs[0].Title; got != "● valid 1h 51m  zepto-sandbox" {
		t.Errorf("a minute later title = %q", got)
	}
}

func TestMenuShowsOnlyTheActionsThatApply(t *testing.T) {
	s := statuses()
	authorizing := socket.Status{Name: "github", Flow: config.FlowAuthorizationCode, State: socket.StateAuthorizing,
		Persistent: true, Login: &socket.LoginInfo{AuthorizationURL: "https://github.com/login/oauth/authorize?x=1"}}
	device := socket.Status{Name: "tv", Flow: config.FlowDeviceCode, State: socket.StateAuthorizing,
		Persistent: true, Login: &socket.LoginInfo{UserCode: "ABCD-EFGH", VerificationURI: "https://example.com/device"}}
	unconfigured := socket.Status{Name: "new", Flow: config.FlowAuthorizationCode, State: socket.StateUnconfigured, Persistent: true}
	s = append(s, authorizing, device, unconfigured)
	mm := BuildMenuModel(s, now)
	for i, want := range [][]Action{
		{ActionCopyToken, ActionCopyHeader, ActionRefresh}, // valid, with a refresh token: nothing to authorize
		{ActionAuthorize}, // needs login: no token to copy
		{ActionCopyToken, ActionCopyHeader, ActionGetToken, ActionForget}, // client credentials: never Authorize or Sign out
		{ActionOpenBrowser, ActionCopyLink, ActionCancel},                 // waiting for the browser
		{ActionOpenBrowser, ActionCopyLink, ActionCancel},                 // device code: the verification page
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
	s := socket.Status{Name: "zepto", Flow: config.FlowAuthorizationCode, State: socket.StateError,
		ExpiresAt: at(time.Hour), HasRefresh: true, Persistent: true,
		Next: &socket.Next{Action: socket.NextCheckCredentials}}
	got := BuildMenuModel([]socket.Status{s}, now).Envs[0].Actions
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
	if got := BuildMenuModel(s, now).Notice; got != "No keychain: tokens in memory only" {
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
	s[1].State = socket.StateValid
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
	if got, want := mm.Envs[1].Title, "○ needs login  "+GuardedMark+"zepto-production"; got != want {
		t.Errorf("guarded title = %q, want %q", got, want)
	}
	if got := mm.Envs[0].Title; got != "● valid 1h 52m  zepto-sandbox" {
		t.Errorf("an unguarded title changed: %q", got)
	}
}

func TestEveryStateReadsShortAndFirst(t *testing.T) {
	for _, tt := range []struct {
		s    socket.Status
		want string
	}{
		{socket.Status{State: socket.StateValid, ExpiresAt: at(3 * time.Minute)}, "● valid 3m"},
		{socket.Status{State: socket.StateValid}, "● valid"},
		{socket.Status{State: socket.StateValid, ExpiresAt: at(time.Minute), RefreshFailing: true,
			Next: &socket.Next{Action: socket.NextRetry, RetryAt: at(30 * time.Second)}}, "▲ valid 1m, retrying"},
		{socket.Status{State: socket.StateRefreshing, ExpiresAt: at(time.Minute)}, "↻ refreshing"},
		{socket.Status{State: socket.StateAuthorizing}, "◌ authorizing"},
		{socket.Status{State: socket.StateNeedsLogin}, "○ needs login"},
		{socket.Status{State: socket.StateExpired, ExpiresAt: at(-time.Hour)}, "○ expired"},
		{socket.Status{State: socket.StateError, ExpiresAt: at(5 * time.Minute)}, "▲ error, valid 5m"},
		{socket.Status{State: socket.StateError}, "✕ error"},
		{socket.Status{State: socket.StateUnconfigured}, "○ not set up"},
	} {
		tt.s.Name = "zepto-sandbox"
		got := BuildMenuModel([]socket.Status{tt.s}, now).Envs[0].Title
		if want := tt.want + TitleSeparator + "zepto-sandbox"; got != want {
			t.Errorf("%s: title = %q, want %q", tt.s.State, got, want)
		}
	}
}

// The menu is as wide as its widest label: a long name is cut, and no
// label says more than it must. Before, titles ran "name — state, time
// left" and the menu was 667 px wide.
func TestMenuLabelsStayShort(t *testing.T) {
	long := "zepto-sandbox-for-the-campaignflow-integration-tests-of-team-blue"
	sts := append(statuses(), socket.Status{Name: long, Flow: config.FlowAuthorizationCode,
		State: socket.StateValid, ExpiresAt: at(23*time.Hour + 59*time.Minute), HasRefresh: true, Persistent: true, Guarded: true})
	mm := BuildMenuModel(sts, now)
	last := mm.Envs[len(mm.Envs)-1]
	if last.Env != long {
		t.Errorf("the entry's environment is %q, want the whole name %q", last.Env, long)
	}
	if !strings.HasPrefix(last.Title, "● valid 23h 59m  "+GuardedMark) || !strings.HasSuffix(last.Title, "…") {
		t.Errorf("long name title = %q, want the state first and the name cut with an ellipsis", last.Title)
	}
	const widest = 48 // runes: "▲ error, valid 23h 59m  🛡 " and a cut name
	for _, e := range mm.Envs {
		if n := utf8.RuneCountInString(e.Title); n > widest {
			t.Errorf("title %q is %d characters, want at most %d", e.Title, n, widest)
		}
		for _, a := range e.Actions {
			if n := utf8.RuneCountInString(string(a)); n > 16 {
				t.Errorf("action %q is %d characters, want at most 16", a, n)
			}
		}
	}
	for _, l := range []string{LabelOpenWindow, LabelStartAtLogin, LabelQuit, LabelAddEnvironment, BuildMenuModel(nil, now).Notice} {
		if n := utf8.RuneCountInString(l); n > 34 {
			t.Errorf("label %q is %d characters, want at most 34", l, n)
		}
	}
	s := statuses()
	s[0].Persistent = false
	if n := utf8.RuneCountInString(BuildMenuModel(s, now).Notice); n > 34 {
		t.Errorf("keychain notice is %d characters, want at most 34", n)
	}
	if ActionRefresh != "Refresh" || ActionCopyToken != "Copy token" || ActionCopyHeader != "Copy header" || ActionAuthorize != "Authorize" {
		t.Errorf("action labels = %q, %q, %q, %q", ActionRefresh, ActionCopyToken, ActionCopyHeader, ActionAuthorize)
	}
}

// The tray is retitled once a minute: its time left is to the minute and
// never more than what is left.
func TestTrayTimeLeftIsToTheMinute(t *testing.T) {
	st := statuses()[:1]
	for left, want := range map[time.Duration]string{
		4*time.Minute + 50*time.Second: "● valid 4m  zepto-sandbox",
		59 * time.Second:               "● valid <1m  zepto-sandbox",
		time.Hour + 52*time.Minute:     "● valid 1h 52m  zepto-sandbox",
	} {
		st[0].ExpiresAt = at(left)
		if got := BuildMenuModel(st, now).Envs[0].Title; got != want {
			t.Errorf("%v left: title %q, want %q", left, got, want)
		}
	}
}

func TestTitlesChangeOnlyWhenTheMinuteDoes(t *testing.T) {
	st := statuses()[:1]
	st[0].ExpiresAt = at(time.Hour + 52*time.Minute + 30*time.Second)
	start := now.Add(10 * time.Second)
	first := BuildMenuModel(st, NextMinute(start)).Envs[0].Title
	for s := 0; s < 50; s++ { // the rest of the minute
		if got := BuildMenuModel(st, NextMinute(start.Add(time.Duration(s)*time.Second))).Envs[0].Title; got != first {
			t.Fatalf("%ds later the title went from %q to %q within the same minute", s, first, got)
		}
	}
	if first != "● valid 1h 51m  zepto-sandbox" {
		t.Errorf("title %q promises more than the time left at the end of the minute (1h 51m 30s)", first)
	}
	if next := BuildMenuModel(st, NextMinute(now.Add(time.Minute))).Envs[0].Title; next != "● valid 1h 50m  zepto-sandbox" {
		t.Errorf("the next minute's title = %q", next)
	}
}

// sameShape (for the tests) reports whether two models have the same items in the same
// places, so only titles and the checkbox differ.
func sameShape(a, b MenuModel) bool {
	if !sameEnvironments(a, b) {
		return false
	}
	for i := range a.Envs {
		if !sameItems(a.Envs[i], b.Envs[i]) {
			return false
		}
	}
	return true
}
