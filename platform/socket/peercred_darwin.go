//go:build darwin

package socket

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerCheck: the listener and the client check the peer's uid.
const peerCheck = true

// peerCred reads LOCAL_PEERCRED (macOS's SO_PEERCRED) of a unix socket
// connection, and LOCAL_PEERPID for the pid, which xucred lacks.
func peerCred(c net.Conn) (PeerCred, error) {
	raw, err := rawUnixConn(c)
	if err != nil {
		return PeerCred{}, err
	}
	var cred *unix.Xucred
	var pid int
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		if credErr == nil {
			// The pid only names the holder in messages; the uid is the check.
			pid, _ = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
		}
	}); err != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: LOCAL_PEERCRED: %w", credErr)
	}
	var gid uint32
	if cred.Ngroups > 0 {
		gid = cred.Groups[0]
	}
	return PeerCred{PID: int32(pid), UID: cred.Uid, GID: gid}, nil
}
