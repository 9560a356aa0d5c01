//go:build linux

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// TestDesktopStartTakesOverFromADaemon: a daemon (as a command started it
// on demand) serves the socket; starting the desktop app hands over: the
// daemon exits cleanly and the app serves the same tokens, no login needed.
func TestDesktopStartTakesOverFromADaemon(t *testing.T) {
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	env := h.envName("web")
	h.writeConfig(codeConfig(srv, env))
	d := h.startDaemon()
	h.mustRun(oauthserver.DefaultClientSecret+"\n", "secret", "set", env)
	if r := h.login(env); r.code != 0 {
		t.Fatalf("login: %+v", r)
	}
	tok := strings.TrimSpace(h.mustRun("", "token", env))

	app := h.startDesktop([]string{"--hidden"})
	t.Cleanup(app.stop)
	select {
	case <-d.done:
		if d.code != 0 {
			t.Errorf("the daemon exited %d when handing over:\n%s", d.code, d.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the daemon did not hand over within 20s:\n%s", d.logs)
	}
	cl := socket.NewClient(h.socket, 5*time.Second)
	defer cl.Close()
	waitFor(t, "the desktop app on the socket", 20*time.Second, func() bool {
		info, err := cl.Host(context.Background())
		return err == nil && info.Tray
	})
	if got := strings.TrimSpace(h.mustRun("", "token", env)); got != tok {
		t.Error("after the takeover the token is not the one the daemon held")
	}
	if !strings.Contains(app.logs.String(), "took over from the daemon") {
		t.Errorf("the app did not say it took over:\n%s", app.logs)
	}
}
