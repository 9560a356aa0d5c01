//go:build windows

package socket

import (
	"errors"
	"net"
)

// peerCheck is false: Windows' AF_UNIX sockets have no SO_PEERCRED. What
// keeps other users out is the socket directory's ACL, which admits only
// this user (mkdirPrivate); the listener and the client skip the uid check.
const peerCheck = false

// peerCred is never asked for a uid here (peerCheck); socketHolder gets
// "unknown" and says so.
func peerCred(net.Conn) (PeerCred, error) {
	return PeerCred{}, errors.New("peer credentials: not available on Windows")
}
