//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// ccActions is the submenu of a client-credentials environment with a
// token: nothing to authorize in a browser, and its token is forgotten
// rather than signed out of.
const ccActions = "Copy token|Copy header|Get new token|Forget token"

// tooltipTitle is the title of the tray item's tooltip (the SNI ToolTip
// property is icon name, icon pixmaps, title, description).
func (ti trayItem) tooltipTitle(t *testing.T) string {
	t.Helper()
	v, _ := ti.property(t, "ToolTip").([]any)
	if len(v) < 3 {
		t.Fatalf("tray item ToolTip = %#v", v)
	}
	title, _ := v[2].(string)
	return title
}

// trayOf starts the desktop host hidden on h's config and waits for its
// tray item.
func trayOf(t *testing.T, h *home) (*daemon, trayItem) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	app := h.startDesktop([]string{"--hidden"}, "XDG_CONFIG_HOME="+filepath.Join(h.dir, "xdg-config"))
	t.Cleanup(func() { // before the host is killed: a window child would hold its log pipe
		if c := windowChild(app.pid()); c != 0 {
			_ = syscall.Kill(c, syscall.SIGKILL)
		}
	})
	return app, waitTrayItem(t, conn, app.pid(), 20*time.Second)
}

// A first start has no environment: the tray says so and offers the way
// in, "Add environment…", which opens the window on its Add form. The
// icon's tooltip carries the overall state as it changes.
func TestDesktopTrayFirstStartOffersAddEnvironment(t *testing.T) {
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	h.writeConfig("# no environments yet\n")
	app, item := trayOf(t, h)

	var menu menuEntry
	waitFor(t, "the first start's menu", 10*time.Second, func() bool {
		menu = item.layout(t)
		_, ok := menu.find("Add environment…")
		return ok
	})
	none, ok := menu.find("No environments yet")
	if !ok || none.Enabled {
		t.Errorf("want a disabled \"No environments yet\" line:\n%s", menu)
	}
	if _, ok := menu.find("Starting…"); ok {
		t.Errorf("the menu still says Starting…:\n%s", menu)
	}
	if got := item.tooltipTitle(t); got != "tokentray: no environments yet" {
		t.Errorf("tooltip %q, want the overall state", got)
	}
	if title := item.property(t, "Title"); title != "tokentray" {
		t.Errorf("tray title = %q, want \"tokentray\"", title)
	}

	add, _ := menu.find("Add environment…")
	item.click(t, add.ID)
	var child int
	waitFor(t, "the window child", 15*time.Second, func() bool { child = windowChild(app.pid()); return child != 0 })
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", child))
	if !strings.Contains(string(cmdline), "\x00--add") {
		t.Errorf("the window was not started on the Add form: %q", cmdline)
	}
	waitFor(t, "the window on screen", 15*time.Second, func() bool { return visibleWindow("tokentray") != "" })

	// An environment comes: it is listed and the tooltip counts it.
	env := h.envName("first")
	h.seedSecret(env)
	client := socket.NewClient(h.socket, 10*time.Second)
	defer client.Close()
	if _, err := client.PutEnvironment(context.Background(), env, config.Environment{Name: env, Flow: config.FlowClientCredentials,
		TokenURL: srv.TokenURL(), ClientID: oauthserver.DefaultClientID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, env+" valid in the tray", 15*time.Second, func() bool {
		menu = item.layout(t)
		_, ok := menu.findEnv("● valid", env)
		return ok && item.tooltipTitle(t) == "tokentray: 1 valid"
	})
	if _, ok := menu.find("Add environment…"); ok {
		t.Errorf("Add environment… is still offered next to an environment:\n%s", menu)
	}
}

// Client credentials get a new token and forget it (no Authorize, no Sign
// out); a provider that hangs says what the refresh waits for in the
// title, counting; a scope change says what a new token brings; the
// tooltip counts every state.
func TestDesktopTrayClientCredentialsHangingProviderAndScopeChange(t *testing.T) {
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	cc := h.envName("cc")
	web := h.envName("web")
	h.writeConfig(clientCredentialsConfig(srv, cc) + "scopes = [\"read\"]\n" + fmt.Sprintf(`
[[environment]]
name = %q
flow = "authorization_code"
auth_url = %q
token_url = %q
client_id = %q
`, web, srv.AuthURL(), srv.TokenURL(), oauthserver.DefaultClientID))
	h.seedSecret(cc)
	_, item := trayOf(t, h)

	var sub menuEntry
	waitFor(t, cc+" valid with its actions", 15*time.Second, func() bool {
		var ok bool
		sub, ok = item.layout(t).findEnv("● valid", cc)
		return ok && labels(sub) == ccActions
	})
	if got := item.tooltipTitle(t); got != "tokentray: 1 valid, 1 needs login" {
		t.Errorf("tooltip %q", got)
	}

	// The provider hangs: after a few seconds the title says for what, and counts.
	srv.SetTokenDelay(9 * time.Second)
	getToken, _ := sub.find("Get new token")
	item.click(t, getToken.ID)
	host := strings.TrimPrefix(srv.URL, "http://")
	waiting := regexp.MustCompile(`^↻ waiting for ` + regexp.QuoteMeta(host) + ` — (\d+) s \(gives up after 30 s\)  ` + regexp.QuoteMeta(cc) + `$`)
	var first, later string
	waitFor(t, "the waiting title", 10*time.Second, func() bool {
		e, ok := item.layout(t).findBy(func(l string) bool { return waiting.MatchString(l) })
		first = e.Label
		return ok
	})
	waitFor(t, "the count to move", 5*time.Second, func() bool {
		e, _ := item.layout(t).findBy(func(l string) bool { return waiting.MatchString(l) })
		later = e.Label
		return later != "" && later != first
	})
	a, _ := strconv.Atoi(waiting.FindStringSubmatch(first)[1])
	b, _ := strconv.Atoi(waiting.FindStringSubmatch(later)[1])
	if a < 3 || b <= a {
		t.Errorf("the title went from %q to %q; want it shown after a few seconds, counting up", first, later)
	}
	srv.SetTokenDelay(0)
	waitFor(t, cc+" valid again", 15*time.Second, func() bool { _, ok := item.layout(t).findEnv("● valid", cc); return ok })

	// The config asks for write: still valid, and the title and a line
	// say what a new token brings.
	client := socket.NewClient(h.socket, 10*time.Second)
	defer client.Close()
	if _, err := client.PutEnvironment(context.Background(), cc, config.Environment{Name: cc, Flow: config.FlowClientCredentials,
		TokenURL: srv.TokenURL(), ClientID: oauthserver.DefaultClientID, Scopes: []string{"read", "write"}}); err != nil {
		t.Fatal(err)
	}
	note := "Get a new token to get write; the current token keeps working until then"
	waitFor(t, "the scope change in the tray", 15*time.Second, func() bool {
		sub, _ = item.layout(t).findEnv("● valid", cc)
		return strings.Contains(sub.Label, " · new token for write") && labels(sub) == note+"|"+ccActions
	})
	getToken, _ = sub.find("Get new token")
	item.click(t, getToken.ID)
	waitFor(t, "the new scope fetched", 15*time.Second, func() bool {
		sub, _ = item.layout(t).findEnv("● valid", cc)
		return sub.Label != "" && !strings.Contains(sub.Label, "write") && labels(sub) == ccActions
	})
	if st := h.statusOf(cc); strings.Join(st.GrantedScopes, " ") != "read write" {
		t.Errorf("granted %v after Get new token", st.GrantedScopes)
	}

	// Forget token: no token left, nothing to forget, the tooltip says so.
	forget, _ := sub.find("Forget token")
	item.click(t, forget.ID)
	waitFor(t, "the token forgotten", 15*time.Second, func() bool {
		e, ok := item.layout(t).findEnv("", cc)
		return ok && labels(e) == "Copy token|Copy header|Get new token"
	})
	if st := h.statusOf(cc); st.ExpiresAt != nil {
		t.Errorf("a token after Forget token: %+v", st)
	}
	if got := item.tooltipTitle(t); got != "tokentray: 1 needs login, 1 expired" {
		t.Errorf("tooltip after forgetting %q", got)
	}
}

// A hand edit of a guarded environment that waits for the user's answer
// is marked in the title and said in its submenu.
func TestDesktopTrayMarksAHeldHandEdit(t *testing.T) {
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("guarded")
	text := clientCredentialsConfig(srv, env) + "guard = \"confirm\"\n"
	h.writeConfig(text)
	h.seedSecret(env)
	_, item := trayOf(t, h)
	guarded := func(l string) bool { return strings.HasPrefix(l, "● valid") && strings.HasSuffix(l, "  🛡 "+env) }
	waitFor(t, env+" valid", 15*time.Second, func() bool { _, ok := item.layout(t).findBy(guarded); return ok })

	h.writeConfig(strings.Replace(text, "guard = \"confirm\"\n", "", 1)) // by hand: the guard off
	var sub menuEntry
	waitFor(t, "the held edit in the tray", 15*time.Second, func() bool {
		var ok bool
		sub, ok = item.layout(t).findBy(guarded)
		return ok && strings.Contains(sub.Label, " · edit held")
	})
	if first, ok := sub.find("Edit held: a hand edit of the config file would change"); !ok || !first.Enabled {
		t.Errorf("submenu %q has no line saying the edit is held", labels(sub))
	}
	if !strings.HasSuffix(labels(sub), ccActions) {
		t.Errorf("submenu %q lost its actions", labels(sub))
	}
}
