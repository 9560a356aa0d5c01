//go:build unix

package socket

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// listenFDsStart is the first file descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// ListenSystemd serves the listening socket systemd handed to this process
// (socket activation: LISTEN_PID is this process and LISTEN_FDS at least
// 1; the socket is fd 3), with Listen's peer check on every connection.
// ok is false when systemd passed none. The socket must be a unix socket
// in a directory only this user can use, as tokentray.socket makes it
// (SocketMode=0600, DirectoryMode=0700): anything else is refused, since
// the unit file could have been edited. systemd owns the socket file:
// closing the listener leaves it.
func ListenSystemd(log *slog.Logger) (l net.Listener, path string, ok bool, err error) {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return nil, "", false, nil
	}
	n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	// Not for the children this process starts.
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if n < 1 {
		return nil, "", false, nil
	}
	f := os.NewFile(listenFDsStart, "systemd socket")
	fl, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, "", false, fmt.Errorf("the socket systemd passed: %w", err)
	}
	ul, isUnix := fl.(*net.UnixListener)
	if !isUnix {
		fl.Close()
		return nil, "", false, fmt.Errorf("the socket systemd passed is %s, not a unix socket; use tokentray.socket as shipped", fl.Addr().Network())
	}
	ul.SetUnlinkOnClose(false)
	path = ul.Addr().String()
	if err := checkSocketPath(path, os.Getuid()); err != nil {
		ul.Close()
		return nil, "", false, fmt.Errorf("the socket systemd passed: %w", err)
	}
	// Connecting takes write permission on the socket file.
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o022 != 0 {
		ul.Close()
		return nil, "", false, fmt.Errorf("the socket systemd passed, %s, is open to others; set SocketMode=0600 and DirectoryMode=0700 (see tokentray.socket)", filepath.Clean(path))
	}
	if log == nil {
		log = slog.Default()
	}
	return &peerCheckedListener{Listener: ul, uid: uint32(os.Getuid()), log: log}, path, true, nil
}
