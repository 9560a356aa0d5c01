package tray

import (
	"slices"
	"testing"
	"time"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

func TestFirstStartOffersAddEnvironment(t *testing.T) {
	mm := BuildMenuModel(nil, now)
	if mm.Notice != NoticeNone || !mm.AddEnvironment || mm.Tooltip != "tokentray: no environments yet" {
		t.Errorf("no environments: notice %q, add %v, tooltip %q", mm.Notice, mm.AddEnvironment, mm.Tooltip)
	}
	if mm := BuildMenuModel(statuses(), now); mm.AddEnvironment {
		t.Error("Add environment… offered next to environments")
	}
	// From "Starting…" to the first start is a new shape: the item is sent.
	if sameEnvironments(startingModel(false), BuildMenuModel(nil, now)) {
		t.Error("the first start's menu counts as the starting one: Add environment… would never be sent")
	}
}

func TestTooltipCountsTheStates(t *testing.T) {
	s := append(statuses(), socket.Status{Name: "b", State: socket.StateValid}, socket.Status{Name: "c", State: socket.StateValid},
		socket.Status{Name: "d", State: "frozen"})
	if got, want := BuildMenuModel(s, now).Tooltip, "tokentray: 3 valid, 1 needs login, 1 expired, 1 frozen"; got != want {
		t.Errorf("tooltip = %q, want %q", got, want)
	}
}

func TestClientCredentialsWithoutATokenHaveNothingToForget(t *testing.T) {
	s := socket.Status{Name: "cf", Flow: config.FlowClientCredentials, State: socket.StateExpired, Persistent: true}
	if got, want := BuildMenuModel([]socket.Status{s}, now).Envs[0].Actions, []Action{ActionCopyToken, ActionCopyHeader, ActionGetToken}; !slices.Equal(got, want) {
		t.Errorf("actions = %q, want %q", got, want)
	}
}

func TestHangingRefreshTitleCountsSeconds(t *testing.T) {
	s := statuses()[:1]
	s[0].State = socket.StateRefreshing
	s[0].Waiting = &socket.Waiting{Host: "go.sandbox.zeptopayments.com", Since: now.Add(-12 * time.Second), Timeout: 30}
	if !Counting(s) || !titlesAt(s, now).Equal(now) {
		t.Fatal("a waiting refresh is not counted in seconds")
	}
	if Counting(statuses()) || !titlesAt(statuses(), now).Equal(NextMinute(now)) {
		t.Error("titles count seconds with nothing waiting")
	}
	want := "↻ waiting for go.sandbox.zeptopayments.com — 12 s (gives up after 30 s)  zepto-sandbox"
	if got := BuildMenuModel(s, titlesAt(s, now)).Envs[0].Title; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}

func TestScopeChangeTitleSaysWhatSigningInAgainBrings(t *testing.T) {
	s := statuses()[:1]
	s[0].Next = &socket.Next{Action: socket.NextReauthorize, Scopes: []string{"write"}}
	e := BuildMenuModel(s, now).Envs[0]
	if e.Title != "● valid 1h 52m · sign in for write  zepto-sandbox" {
		t.Errorf("title = %q", e.Title)
	}
	if want := []string{"Sign in again to get write; the current token keeps working until then"}; !slices.Equal(e.Notes, want) {
		t.Errorf("notes = %q, want %q", e.Notes, want)
	}
	if want := []Action{ActionAuthorize, ActionCopyToken, ActionCopyHeader, ActionRefresh}; !slices.Equal(e.Actions, want) {
		t.Errorf("actions = %q, want %q", e.Actions, want)
	}
	s[0].Flow = config.FlowClientCredentials
	e = BuildMenuModel(s, now).Envs[0]
	if e.Title != "● valid 1h 52m · new token for write  zepto-sandbox" || e.Notes[0] != "Get a new token to get write; the current token keeps working until then" ||
		slices.Contains(e.Actions, ActionAuthorize) {
		t.Errorf("client credentials: title %q, notes %q, actions %q", e.Title, e.Notes, e.Actions)
	}
}

func TestMemoryOnlyAndHeldEditAreMarked(t *testing.T) {
	s := statuses()[:1]
	s[0].Store, s[0].Persistent = "memory", false
	s[0].Held = "moves the token endpoint; waiting for your answer\x1b[31m"
	e := BuildMenuModel(s, now).Envs[0]
	if e.Title != "● valid 1h 52m · in memory · edit held  zepto-sandbox" {
		t.Errorf("title = %q", e.Title)
	}
	want := []string{"Tokens in memory only: gone when tokentray quits", "Edit held: moves the token endpoint; waiting for your answer[31m"}
	if !slices.Equal(e.Notes, want) {
		t.Errorf("notes = %q, want %q", e.Notes, want)
	}
	// A note that comes or goes changes the submenu in place.
	plain, held := statuses()[:1], statuses()[:1]
	held[0].Held = "moves the token endpoint"
	if a, b := BuildMenuModel(plain, now), BuildMenuModel(held, now); !sameEnvironments(a, b) || sameShape(a, b) {
		t.Error("a held edit should change its submenu, not the menu")
	}
}
