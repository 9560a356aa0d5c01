//go:build !linux

package manager

import (
	"errors"
	"net"
)

// callbackPeerUID is Linux only: other systems publish no world-readable
// table of TCP socket owners. There the callback listener relies on state,
// PKCE and binding loopback only, like other RFC 8252 clients.
func callbackPeerUID(net.Conn) (int, error) {
	return -1, errors.New("the callback peer's uid cannot be looked up on this platform")
}

// callbackPeerCheck says whether this platform can tell who connected.
const callbackPeerCheck = false
