// Package tcppeer tells who is at the other end of a loopback TCP
// connection, as SO_PEERCRED does for a unix socket: the user, from the
// kernel's table of TCP sockets (/proc/net/tcp and tcp6, which list each
// socket's owner and inode), and the process, from the file descriptors
// under /proc. Linux only: elsewhere no table says who owns a socket, and
// every call returns ErrUnsupported.
package tcppeer

import (
	"errors"
	"net"
	"net/netip"
)

// ErrUnsupported: this platform cannot tell who owns a TCP socket.
var ErrUnsupported = errors.New("this platform cannot tell which user opened a TCP connection")

// Socket is one TCP socket as the kernel's table lists it.
type Socket struct {
	Local, Remote netip.AddrPort // IPv4 addresses unmapped
	UID           uint32
	Inode         uint64 // 0: an orphan (closed by its owner), whose uid says nothing
}

// Conn is both ends of one loopback connection: Ours, the socket this
// process accepted, and Theirs, the one that connected.
type Conn struct {
	Ours, Theirs Socket
}

// PeerUID is the uid of the user who connected on c, a connection this
// process accepted on a loopback listener.
func PeerUID(c net.Conn) (int, error) {
	conn, err := Lookup(c)
	if err != nil {
		return -1, err
	}
	return int(conn.Theirs.UID), nil
}
