//go:build linux

package e2e

import (
	"context"
	"image"
	"image/png"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket"
)

// windowIsLight says whether the window's background, at its top left
// corner (the padding beside the title), is light.
func windowIsLight(t *testing.T, win string) bool {
	t.Helper()
	path := screenshot(t, win, "theme", "")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return lightAt(img, 3, 3)
}

func lightAt(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).RGBA()
	return (299*r+587*g+114*b)/1000 > 0x8000
}

// The window follows the desktop's light or dark preference (the portal's
// color-scheme, read and then watched), until Settings choose one.
func TestTheWindowFollowsTheDesktopsLightOrDarkPreference(t *testing.T) {
	requireDesktop(t)
	if os.Getenv("TOKENTRAY_SCREENSHOTS") == "1" {
		t.Skip("would write its pictures into docs/")
	}
	portal := startPortal(t, colorLight)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	api := h.envName("api")
	h.writeConfig(clientCredentialsConfig(srv, api))
	h.seedSecret(api)
	app := h.startDesktop(nil, "FYNE_THEME=")
	t.Cleanup(func() { killWindowOf(app) })
	var win string
	waitFor(t, "the window", 20*time.Second, func() bool { win = visibleWindow("tokentray"); return win != "" })
	time.Sleep(1500 * time.Millisecond) // drawn: a window not yet painted reads white
	waitFor(t, "the light window the desktop prefers", 10*time.Second, func() bool { return windowIsLight(t, win) })

	portal.set(t, colorDark)
	waitFor(t, "the window to turn dark with the desktop", 10*time.Second, func() bool { return !windowIsLight(t, win) })
	portal.set(t, colorLight)
	waitFor(t, "the window to turn light again", 10*time.Second, func() bool { return windowIsLight(t, win) })

	// Chosen in Settings (PUT /v1/settings), the theme stays whatever the desktop says.
	cl := socket.NewClient(h.socket, 10*time.Second)
	defer cl.Close()
	if _, err := cl.PutSettings(context.Background(), socket.Settings{Theme: "dark"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the chosen dark theme", 10*time.Second, func() bool { return !windowIsLight(t, win) })
	portal.set(t, colorLight)
	time.Sleep(time.Second)
	if windowIsLight(t, win) {
		t.Error("the desktop's preference overrode the theme chosen in Settings")
	}
}

// killWindowOf ends the window child of the desktop app d before d itself
// is stopped: the child holds its log pipe.
func killWindowOf(d *daemon) {
	if c := windowChild(d.pid()); c != 0 {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
}
