//go:build linux || darwin

package socket

import (
	"fmt"
	"net"
	"syscall"
)

// rawUnixConn gives the file descriptor of a unix socket connection.
func rawUnixConn(c net.Conn) (syscall.RawConn, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("peer credentials: %T is not a unix socket connection", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	return raw, nil
}
