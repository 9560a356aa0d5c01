package tray

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

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
	// A minute later the title moves on.
	if got := BuildMenuModel(statuses(), now.Add(time.Minute)).Envs[0].Title; got != "zepto-sandbox — valid, 1h 51m left" {
		t.Errorf("a minute later title = %q", got)
	}
}

func TestMenuOffersOnlyActionsThatCanWork(t *testing.T) {
	mm := BuildMenuModel(statuses(), now)
	enabled := func(e EnvEntry) []Action {
		var out []Action
		for _, a := range e.Actions {
			if a.Enabled {
				out = append(out, a.Action)
			}
		}
		return out
	}
	for i, want := range [][]Action{
		{ActionAuthorize, ActionCopyToken, ActionCopyHeader, ActionRefresh}, // valid
		{ActionAuthorize}, // needs login: no token to copy
		{ActionAuthorize, ActionCopyToken, ActionCopyHeader, ActionRefresh}, // client credentials fetch a new one
	} {
		if got := enabled(mm.Envs[i]); !slices.Equal(got, want) {
			t.Errorf("%s: enabled = %q, want %q", mm.Envs[i].Env, got, want)
		}
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

func TestMenuClicksGoToTheHandlers(t *testing.T) {
	test.NewTempApp(t)
	var got []string
	menu := BuildMenuModel(statuses(), now).Menu(Handlers{
		Do:         func(env string, a Action) { got = append(got, env+": "+string(a)) },
		OpenWindow: func() { got = append(got, "open window") },
		Quit:       func() { got = append(got, "quit") },
	})
	var labels []string
	for _, it := range menu.Items {
		labels = append(labels, it.Label)
	}
	want := []string{"zepto-sandbox — valid, 1h 52m left", "zepto-production — needs login", "campaignflow-prod — expired",
		"", LabelOpenWindow, LabelQuit}
	if !slices.Equal(labels, want) {
		t.Fatalf("menu = %q, want %q", labels, want)
	}
	if !menu.Items[len(menu.Items)-1].IsQuit {
		t.Error("Quit is not marked IsQuit; Fyne would add a second one")
	}
	copyToken := item(t, menu.Items[0].ChildMenu, "Copy token")
	copyToken.Action()
	item(t, menu.Items[1].ChildMenu, "Authorize").Action()
	if item(t, menu.Items[1].ChildMenu, "Copy token").Disabled != true {
		t.Error("Copy token enabled for an environment that needs login")
	}
	menu.Items[4].Action()
	menu.Items[5].Action()
	if !slices.Equal(got, []string{"zepto-sandbox: Copy token", "zepto-production: Authorize", "open window", "quit"}) {
		t.Errorf("clicks did %q", got)
	}
}

func TestTrayRebuildsOnlyWhenSomethingChanged(t *testing.T) {
	a := test.NewTempApp(t)
	desk := &recordingTray{}
	tr := New(desk, Handlers{Do: func(string, Action) {}})
	tr.Update(statuses()[:1], now)
	tr.Update(statuses()[:1], now.Add(10*time.Second))
	if desk.menus != 1 {
		t.Errorf("menu sent %d times for the same minute, want 1", desk.menus)
	}
	tr.Update(statuses(), now)
	if desk.menus != 2 || desk.icon != IconAttention {
		t.Errorf("after needs_login: %d menus, icon %v; want a rebuild and the attention icon", desk.menus, desk.icon.Name())
	}
	tr.Update(statuses()[:1], now)
	if desk.icon != Icon {
		t.Errorf("icon = %s after all valid again", desk.icon.Name())
	}
	_ = a
}

// recordingTray stands in for Fyne's desktop.App tray calls.
type recordingTray struct {
	menus int
	icon  fyne.Resource
}

func (r *recordingTray) SetSystemTrayMenu(*fyne.Menu)        { r.menus++ }
func (r *recordingTray) SetSystemTrayIcon(res fyne.Resource) { r.icon = res }
func (r *recordingTray) SetSystemTrayWindow(fyne.Window)     {}

func item(t *testing.T, m *fyne.Menu, label string) *fyne.MenuItem {
	t.Helper()
	for _, it := range m.Items {
		if it.Label == label {
			return it
		}
	}
	t.Fatalf("no %q in %s", label, m.Label)
	return nil
}
