//go:build unix

package ui

import (
	"io"
	"os"
	"syscall"
)

// guardChannelEnv is set by the host for the window child it starts with
// the guard's channel on fd 3: its end of a connected unix socket pair
// (host/guard_window.go), questions in and answers out on the same socket.
const guardChannelEnv = "TOKENTRAY_GUARD_FD"

// openGuardChannel is the host's private channel for the guard's
// questions, when this window was started by the host with one; a window
// started by hand has none. The descriptor is made close-on-exec, so no
// program the window starts (a browser) inherits it.
func openGuardChannel() (io.ReadWriteCloser, bool) {
	if os.Getenv(guardChannelEnv) != "3" {
		return nil, false
	}
	os.Unsetenv(guardChannelEnv)
	var st syscall.Stat_t
	if syscall.Fstat(3, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return nil, false
	}
	syscall.CloseOnExec(3)
	_ = syscall.SetNonblock(3, true) // pollable: Close ends a blocked read
	return os.NewFile(3, "guard-channel"), true
}
