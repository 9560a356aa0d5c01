//go:build linux

package socket

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerCheck: the listener and the client check the peer's uid.
const peerCheck = true

// peerCred reads SO_PEERCRED of a unix socket connection.
func peerCred(c net.Conn) (PeerCred, error) {
	raw, err := rawUnixConn(c)
	if err != nil {
		return PeerCred{}, err
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
