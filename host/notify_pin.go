package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

// The guard trusts answers from one notification server: the one that
// owned org.freedesktop.Notifications when the host started (or, when
// none ran then, at the first question), by its executable. Any program
// of the user can kill the notification daemon and take the name with a
// server that answers "allow"; its unique bus name is then new and its
// signals pass the sender check of guard_notify.go. So each question first
// looks up who owns the name now, and asks there only when it is the same
// executable as the pinned one and a system program (a file the user
// cannot have written). A daemon restarted from the same file stays
// trusted. Otherwise the question is asked in the window only.

// DefaultTrustedNotifyDirs are where a notification daemon the guard
// trusts is installed: system folders, which a program of the user cannot
// write.
var DefaultTrustedNotifyDirs = []string{"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/nix/store/"}

// notifyServer is the process behind the notification name.
type notifyServer struct {
	pid uint32
	exe string // from /proc/PID/exe
}

// notifyPin is the notification server the guard trusts. Safe for
// concurrent use; the zero value has pinned nothing yet.
type notifyPin struct {
	dirs []string // trusted folders, each ending in "/"

	mu     sync.Mutex
	pinned *notifyServer
}

// untrustedServerError says why the guard does not ask the notification
// server, and where to answer instead.
type untrustedServerError struct{ why string }

func (e *untrustedServerError) Error() string {
	return e.why + "; answers from it are not trusted: answer in tokentray's window"
}

// check says whether answers from cur may count: nil, pinning cur when
// nothing is pinned yet, else an *untrustedServerError.
func (p *notifyPin) check(cur notifyServer) error {
	if cur.exe == "" {
		return &untrustedServerError{fmt.Sprintf("cannot tell which program the notification server (pid %d) is", cur.pid)}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pinned != nil && p.pinned.exe != cur.exe {
		return &untrustedServerError{fmt.Sprintf("the notification server changed from %s to %s", p.pinned.exe, cur.exe)}
	}
	if !p.trustedPlace(cur.exe) { // only a system program is ever pinned
		return &untrustedServerError{fmt.Sprintf("the notification server %s is not a system program", cur.exe)}
	}
	p.pinned = &cur // first seen, or the same daemon restarted
	return nil
}

// trustedPlace reports whether exe lies in a trusted folder.
func (p *notifyPin) trustedPlace(exe string) bool {
	dirs := p.dirs
	if dirs == nil {
		dirs = DefaultTrustedNotifyDirs
	}
	for _, d := range dirs {
		if strings.HasPrefix(exe, d) {
			return true
		}
	}
	return false
}

// serverOf is the process behind the unique bus name owner: its pid as
// the bus daemon saw it connect, and the executable that pid runs.
func serverOf(ctx context.Context, conn *dbus.Conn, owner string) (notifyServer, error) {
	var pid uint32
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixProcessID", 0, owner).Store(&pid); err != nil {
		return notifyServer{}, fmt.Errorf("could not ask: which process is the notification server: %v", err)
	}
	return notifyServer{pid: pid, exe: executableOf(pid)}, nil
}

// executableOf is the executable of pid, "" when it cannot be read (the
// process is gone, or not dumpable). A file replaced since the process
// started (a package upgrade) reads "PATH (deleted)": it is still PATH.
func executableOf(pid uint32) string {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || !filepath.IsAbs(exe) {
		return ""
	}
	return strings.TrimSuffix(exe, " (deleted)")
}
