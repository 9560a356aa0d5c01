//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// TestScreenshotsForTheREADME takes the README's pictures with the names a
// user would have, in the states worth showing: the first start, with no
// environment yet; a valid authorization-code environment with its read
// log, client-credentials ones, one whose refreshes fail while its token
// still lives (the warning state), a guarded production one that needs
// login; the tray menu; the Add form; the notification that asks before a
// guarded read; thirteen environments narrowed by the filter. It runs
// only with TOKENTRAY_SCREENSHOTS=1 (`make screenshots`) and writes into
// docs/.
func TestScreenshotsForTheREADME(t *testing.T) {
	if os.Getenv("TOKENTRAY_SCREENSHOTS") != "1" {
		t.Skip("TOKENTRAY_SCREENSHOTS=1 takes the README's screenshots")
	}
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	// Each in a home of its own, whose keychain items go with it.
	t.Run("first start", func(t *testing.T) { firstStartScreenshot(t) })
	t.Run("four environments", func(t *testing.T) { fourEnvironmentsScreenshots(t, srv) })
	t.Run("thirteen environments", func(t *testing.T) { filterScreenshot(t, srv) })
}

// placeWindow waits for the window, puts it where the pictures have it
// and gives it a second to draw.
func placeWindow(t *testing.T) string {
	t.Helper()
	var win string
	waitFor(t, "the window", 15*time.Second, func() bool { win = visibleWindow("tokentray"); return win != "" })
	// Placed until it stays: the window may still settle its own size
	// just after it is mapped.
	waitFor(t, "the window at 780x760", 10*time.Second, func() bool {
		xdotool(t, "windowmove", win, "300", "48")
		xdotool(t, "windowsize", win, "780", "760")
		time.Sleep(500 * time.Millisecond)
		return strings.Contains(xdotool(t, "getwindowgeometry", win), "Geometry: 780x760")
	})
	xdotool(t, "mousemove", "1270", "790") // the pointer away: no button shows hovered
	time.Sleep(2 * time.Second)            // a countdown tick or two, the retry countdown
	return win
}

// stopDesktop ends a desktop app and its window.
func stopDesktop(app *daemon) {
	if c := windowChild(app.pid()); c != 0 {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	app.stop()
}

// firstStartScreenshot: no config file yet, the window opens on what
// tokentray does and the providers it knows.
func firstStartScreenshot(t *testing.T) {
	h := newHome(t)
	app := h.startDesktop(nil)
	defer stopDesktop(app)
	placeWindow(t)
	screenshot(t, visibleWindow("tokentray"), "desktop-first-start", "")
}

func fourEnvironmentsScreenshots(t *testing.T, srv *oauthserver.Server) {
	h := newHome(t)
	// Fixed names, as a user has them; the session's keyring is fresh.
	h.envs = append(h.envs, "zepto-sandbox", "campaignflow-test", "campaignflow-prod", "zepto-production")
	h.writeConfig(codeConfig(srv, "zepto-sandbox") + "\n" +
		clientCredentialsConfig(srv, "campaignflow-test") + "\n" +
		clientCredentialsConfig(srv, "campaignflow-prod") + "\n" +
		codeConfig(srv, "zepto-production") + "guard = \"confirm\"\n")
	h.seedSecret("zepto-sandbox")
	h.seedSecret("zepto-production")

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	app := h.startDesktop([]string{"--hidden"})
	defer stopDesktop(app)
	item := waitTrayItem(t, conn, app.pid(), 20*time.Second)

	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", "campaignflow-test")
	h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", "campaignflow-prod")
	if r := h.login("zepto-sandbox"); r.code != 0 {
		t.Fatalf("login: %d %s\n%s", r.code, r.stderr, app.logs)
	}
	h.mustRun("", "token", "zepto-sandbox")
	h.mustRun("", "token", "campaignflow-test")
	h.mustRun("", "token", "campaignflow-prod")
	// The provider fails from now on: a forced refresh leaves campaignflow-prod
	// valid with its refreshes failing.
	srv.FailNext(1000, 503)
	defer srv.FailNext(0, 0)
	_ = h.run("", "refresh", "campaignflow-prod")

	open, _ := item.layout(t).find("Open window")
	item.click(t, open.ID)
	win := placeWindow(t)
	screenshot(t, win, "desktop-window", "")

	openTrayMenu(t)
	screenshot(t, "root", "desktop-tray-menu", "1080x420+0+0")
	xdotool(t, "key", "Escape")
	time.Sleep(300 * time.Millisecond)

	// The Add form: "Add environment" is the first button of the top bar.
	xdotool(t, "mousemove", "--window", win, "590", "21", "click", "1")
	time.Sleep(1500 * time.Millisecond)
	screenshot(t, win, "desktop-form", "")
	xdotool(t, "key", "--window", win, "Escape")

	// A read of the guarded environment waits for the user's answer.
	read := exec.Command(binary, "token", "zepto-production")
	read.Env = h.environ()
	if err := read.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = read.Process.Kill(); _ = read.Wait() }()
	time.Sleep(2500 * time.Millisecond)
	screenshot(t, "root", "desktop-guard-notification", "520x200+770+100")

	out := h.mustRun("", "reads", "zepto-sandbox")
	fmt.Fprintln(os.Stderr, strings.TrimSpace(out))
}

// thirteen are the environments of a team with many APIs; the client
// credentials ones get tokens, the authorization-code ones need login.
var thirteen = []struct {
	name string
	code bool
}{
	{"zepto-sandbox", true}, {"zepto-production", true}, {"campaignflow-test", false}, {"campaignflow-prod", false},
	{"keycloak-dev", false}, {"keycloak-staging", false}, {"keycloak-prod", false}, {"okta-eu", true}, {"okta-us", true},
	{"entra-graph", false}, {"github-app", false}, {"billing-api", false}, {"search-api", false},
}

// filterScreenshot: more than six environments bring the filter; typing
// "prod" leaves the production ones.
func filterScreenshot(t *testing.T, srv *oauthserver.Server) {
	h := newHome(t)
	var text strings.Builder
	for _, e := range thirteen {
		h.envs = append(h.envs, e.name)
		if e.code {
			text.WriteString(codeConfig(srv, e.name) + "\n")
		} else {
			text.WriteString(clientCredentialsConfig(srv, e.name) + "\n")
		}
	}
	h.writeConfig(text.String())
	app := h.startDesktop([]string{"--hidden"})
	defer stopDesktop(app)
	waitFor(t, "the host", 20*time.Second, func() bool { return h.run("", "status").code == 0 })
	for _, e := range thirteen {
		if !e.code {
			h.mustRun(oauthserver.DefaultClientSecret, "secret", "set", e.name)
			h.mustRun("", "token", e.name)
		}
	}
	cl := socket.NewClient(h.socket, 10*time.Second)
	defer cl.Close()
	if err := cl.OpenWindow(context.Background()); err != nil {
		t.Fatal(err)
	}
	win := placeWindow(t)
	// Tab: Add environment, Settings, then the filter.
	for range 3 {
		xdotool(t, "key", "--window", win, "Tab")
	}
	xdotool(t, "type", "--window", win, "--delay", "80", "prod")
	time.Sleep(1500 * time.Millisecond)
	screenshot(t, win, "desktop-filter", "")
}
