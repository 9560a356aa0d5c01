package tray

import (
	"github.com/godbus/dbus/v5"
)

// watcherName is the bus name a StatusNotifierItem host (xfce4-panel, KDE
// Plasma, GNOME's AppIndicator extension, waybar, ...) owns.
const watcherName = "org.kde.StatusNotifierWatcher"

// HostAvailable reports whether something on the session bus will show a
// tray icon. Plain GNOME has no such host: there the window must stay the
// way in, since an icon would be registered with nobody.
func HostAvailable() bool {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has)
	return err == nil && has
}

// HostHint tells the user how to get a tray when there is none.
const HostHint = "No system tray found, so closing this window quits tokentray. " +
	"To keep it running in the background on GNOME, install the " +
	"\"AppIndicator and KStatusNotifierItem Support\" extension and start tokentray again."
