//go:build unix

package ui

import (
	"io"
	"os"
	"syscall"

	"github.com/tokentray/tokentray/platform/socket"
)

// openGuardChannel is the host's private channel for the guard's
// questions (the child's end of a connected unix socket pair; questions
// in, answers out), when this window was started by the host with one; a
// window started by hand has none. The descriptor is made close-on-exec, so no
// program the window starts (a browser) inherits it.
func openGuardChannel() (io.ReadWriteCloser, bool) {
	if os.Getenv(socket.GuardChannelEnv) != "3" {
		return nil, false
	}
	os.Unsetenv(socket.GuardChannelEnv)
	var st syscall.Stat_t
	if syscall.Fstat(3, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return nil, false
	}
	syscall.CloseOnExec(3)
	_ = syscall.SetNonblock(3, true) // pollable: Close ends a blocked read
	return os.NewFile(3, "guard-channel"), true
}
