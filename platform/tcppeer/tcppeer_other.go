//go:build !linux

package tcppeer

import "net"

// Supported says whether this platform can tell who connected.
const Supported = false

// Lookup is Linux only (see the package comment).
func Lookup(net.Conn) (Conn, error) { return Conn{}, ErrUnsupported }

// Pair is Linux only.
func Pair(ours, theirs uint64) (Conn, error) { return Conn{}, ErrUnsupported }

// OwnerPID is Linux only.
func OwnerPID(inode uint64, uid uint32) (int32, error) { return 0, ErrUnsupported }

// Holds is Linux only.
func Holds(pid int32, inode uint64) bool { return false }
