package host

import (
	"errors"
	"net"
	"os"
)

// newWindowChannel: a Windows child cannot inherit the channel; the
// notification asks alone there.
func newWindowChannel() (*net.UnixConn, *os.File, error) {
	return nil, nil, errors.New("a child process cannot inherit the channel on Windows")
}

// onlyFrom: unused on Windows, where there is no channel.
func onlyFrom(conn *net.UnixConn, pid int) *net.UnixConn { return conn }
