//go:build unix && !linux

package host

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// socketPair is a connected pair of stream sockets, close-on-exec (set
// under ForkLock, as os.Pipe does where there is no SOCK_CLOEXEC).
func socketPair() ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	return fds, err
}

// passCredentials: only Linux stamps each write with its writer's pid.
func passCredentials(fd int) error { return nil }

// onlyFrom: without per-write credentials the host reads the channel as
// it is; the window's own isolation is what protects it there.
func onlyFrom(conn *net.UnixConn, pid int) *net.UnixConn { return conn }
