//go:build linux

package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

// The tray sends the panel only what changed: a new state retitles one
// environment and replaces the items of its submenu, in place; every other
// item keeps its id (nothing is rebuilt), and a burst of changes costs a
// few menu updates per environment, not a whole menu each.
func TestDesktopTrayChangesOnlyWhatChanged(t *testing.T) {
	requireDesktop(t)
	srv := oauthserver.Start(t, oauthserver.Options{})
	h := newHome(t)
	const n = 12
	names := make([]string, n)
	var cfg strings.Builder
	for i := range names {
		names[i] = h.envName(fmt.Sprintf("tray%02d", i))
		cfg.WriteString(clientCredentialsConfig(srv, names[i]) + "\n")
	}
	h.writeConfig(cfg.String())
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	app := h.startDesktop([]string{"--hidden"}, "XDG_CONFIG_HOME="+filepath.Join(h.dir, "xdg-config"))
	item := waitTrayItem(t, conn, app.pid(), 20*time.Second)
	var before menuEntry
	waitFor(t, "every environment in the tray, not set up", 10*time.Second, func() bool {
		before = item.layout(t)
		if _, ok := before.find("Quit"); !ok {
			return false
		}
		for _, name := range names {
			if e, ok := before.findEnv("○ not set up", name); !ok || labels(e) != "Set up in window" {
				return false
			}
		}
		return true
	})
	updates := countLayoutUpdates(t, conn, item)
	client := socket.NewClient(h.socket, 10*time.Second)
	defer client.Close()

	// One client secret: one environment fetches its token.
	one := names[3]
	if _, err := client.SetSecret(context.Background(), one, manager.Secret(oauthserver.DefaultClientSecret)); err != nil {
		t.Fatal(err)
	}
	var after menuEntry
	waitFor(t, one+" valid in the tray", 10*time.Second, func() bool {
		after = item.layout(t)
		e, ok := after.findEnv("● valid", one)
		return ok && labels(e) == ccActions
	})
	time.Sleep(time.Second) // anything else the host would send
	if got := updates.Load(); got > 6 {
		t.Errorf("%d menu updates for one environment's new state, want a few", got)
	}
	for _, name := range names {
		was, _ := before.findBy(func(l string) bool { return strings.HasSuffix(l, "  "+name) })
		now, _ := after.findBy(func(l string) bool { return strings.HasSuffix(l, "  "+name) })
		if was.ID != now.ID {
			t.Errorf("%s was sent as a new item (id %d, was %d): the menu was rebuilt", name, now.ID, was.ID)
		}
		if name != one && labels(now) != "Set up in window" {
			t.Errorf("%s changed without a change of its own: %s", name, labels(now))
		}
	}
	for _, label := range []string{"Open window", "Start at login", "Quit"} {
		was, _ := before.find(label)
		now, _ := after.find(label)
		if was.ID != now.ID {
			t.Errorf("%q was sent again (id %d, was %d): the menu was rebuilt", label, now.ID, was.ID)
		}
	}

	// The new items work: Get new token from the tray asks the provider.
	sub, _ := after.findEnv("● valid", one)
	refresh, _ := sub.find("Get new token")
	requests := srv.TokenRequests()
	item.click(t, refresh.ID)
	waitFor(t, "the refresh clicked in the tray", 10*time.Second, func() bool { return srv.TokenRequests() == requests+1 })

	// All the others at once: each costs a few updates, no rebuild.
	updates.Store(0)
	parallel(t, names, func(name string) error {
		if name == one {
			return nil
		}
		_, err := client.SetSecret(context.Background(), name, manager.Secret(oauthserver.DefaultClientSecret))
		return err
	})
	waitFor(t, "every environment valid in the tray", 15*time.Second, func() bool {
		m := item.layout(t)
		for _, name := range names {
			if e, ok := m.findEnv("● valid", name); !ok || labels(e) != ccActions {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second)
	if got, most := updates.Load(), int64(4*(n-1)); got > most {
		t.Errorf("%d menu updates for %d environments' new states, want at most %d", got, n-1, most)
	}
	quit, _ := item.layout(t).find("Quit")
	if was, _ := before.find("Quit"); quit.ID != was.ID {
		t.Errorf("the menu was rebuilt during the burst (Quit id %d, was %d)", quit.ID, was.ID)
	}
	t.Logf("%d menu updates for %d environments set up at once", updates.Load(), n-1)
}
