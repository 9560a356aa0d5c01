//go:build linux

package e2e

import (
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// The freedesktop settings portal (org.freedesktop.portal.Settings), as
// far as a window reads it: the appearance namespace's color-scheme
// (0 no preference, 1 dark, 2 light), answered by ReadOne and announced
// by SettingChanged, as xdg-desktop-portal does when the user switches
// between light and dark. The test session has no portal; this one owns
// the portal's name on the session bus while a test runs.

const (
	portalName      = "org.freedesktop.portal.Desktop"
	portalPath      = dbus.ObjectPath("/org/freedesktop/portal/desktop")
	portalSettings  = "org.freedesktop.portal.Settings"
	appearanceSpace = "org.freedesktop.appearance"
	colorDark       = uint32(1)
	colorLight      = uint32(2)
)

type settingsPortal struct {
	conn   *dbus.Conn
	mu     sync.Mutex
	scheme uint32
}

// startPortal serves the settings portal with scheme as the desktop's
// color-scheme until the test ends.
func startPortal(t *testing.T, scheme uint32) *settingsPortal {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &settingsPortal{conn: conn, scheme: scheme}
	if err := conn.Export(portalMethods{p}, portalPath, portalSettings); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(portalName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Skipf("the portal's name is taken on this bus (%v, %v): a real portal runs", reply, err)
	}
	return p
}

// set switches the desktop's color-scheme and announces it.
func (p *settingsPortal) set(t *testing.T, scheme uint32) {
	t.Helper()
	p.mu.Lock()
	p.scheme = scheme
	p.mu.Unlock()
	if err := p.conn.Emit(portalPath, portalSettings+".SettingChanged", appearanceSpace, "color-scheme", dbus.MakeVariant(scheme)); err != nil {
		t.Fatal(err)
	}
}

type portalMethods struct{ p *settingsPortal }

// ReadOne answers the color-scheme; any other setting is unknown, as the
// portal answers.
func (m portalMethods) ReadOne(namespace, key string) (dbus.Variant, *dbus.Error) {
	if namespace != appearanceSpace || key != "color-scheme" {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.portal.Error.NotFound", []any{"Requested setting not found"})
	}
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	return dbus.MakeVariant(m.p.scheme), nil
}
