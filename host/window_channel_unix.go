//go:build unix

package host

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// newWindowChannel makes the guard's private channel to a window child:
// a connected unix socket pair. The host keeps one end; the other is for
// the child alone, passed as its fd 3. A socket, unlike a pipe, cannot be
// opened again through /proc/PID/fd by another process (ENXIO).
func newWindowChannel() (*net.UnixConn, *os.File, error) {
	fds, err := socketPair()
	if err != nil {
		return nil, nil, fmt.Errorf("guard channel: %w", err)
	}
	// Before the child can write: every write is stamped with its
	// writer's pid from now on (Linux; see onlyFrom).
	if err := passCredentials(fds[0]); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("guard channel: %w", err)
	}
	hostFile := os.NewFile(uintptr(fds[0]), "guard-window")
	conn, err := net.FileConn(hostFile) // a dup, in the poller
	hostFile.Close()
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("guard channel: %w", err)
	}
	return conn.(*net.UnixConn), os.NewFile(uintptr(fds[1]), "guard-window-child"), nil
}
