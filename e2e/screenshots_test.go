//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/oauthserver"
)

// TestScreenshotsForTheREADME takes the README's pictures with the names a
// user would have, in the states worth showing: a valid authorization-code
// environment with its read log, a client-credentials one, one whose
// refreshes fail while its token still lives (the warning state), a guarded
// production one that needs login; the tray menu; the Add form; the
// notification that asks before a guarded read. It runs only with
// TOKENTRAY_SCREENSHOTS=1 (`make screenshots`) and writes into docs/.
func TestScreenshotsForTheREADME(t *testing.T) {
	if os.Getenv("TOKENTRAY_SCREENSHOTS") != "1" {
		t.Skip("TOKENTRAY_SCREENSHOTS=1 takes the README's screenshots")
	}
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
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
	_ = h.run("", "refresh", "campaignflow-prod")

	open, _ := item.layout(t).find("Open window")
	item.click(t, open.ID)
	var win string
	waitFor(t, "the window", 15*time.Second, func() bool { win = visibleWindow("tokentray"); return win != "" })
	xdotool(t, "windowmove", win, "300", "48")
	xdotool(t, "windowsize", win, "780", "760")
	time.Sleep(2 * time.Second) // a countdown tick or two, the retry countdown
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
