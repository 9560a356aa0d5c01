//go:build linux

package socket

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// PeerCred is who holds the other end of a unix socket connection, as the
// kernel recorded it when the connection was made (SO_PEERCRED), so a peer
// cannot lie about it.
type PeerCred struct {
	PID int32
	UID uint32
	GID uint32
}

// peerCred reads SO_PEERCRED of a unix socket connection.
func peerCred(c net.Conn) (PeerCred, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return PeerCred{}, fmt.Errorf("peer credentials: %T is not a unix socket connection", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: SO_PEERCRED: %w", credErr)
	}
	return PeerCred{PID: cred.Pid, UID: cred.Uid, GID: cred.Gid}, nil
}
