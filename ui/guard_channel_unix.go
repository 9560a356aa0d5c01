//go:build unix

package ui

import (
	"io"
	"os"
	"syscall"
)

// guardChannelEnv is set by the host for the window child it starts with
// the guard's channel on fd 3 (questions) and fd 4 (answers).
const guardChannelEnv = "TOKENTRAY_GUARD_FDS"

// openGuardChannel is the host's private channel for the guard's
// questions, when this window was started by the host with one; a window
// started by hand has none. The descriptors are made close-on-exec, so no
// program the window starts (a browser) inherits them.
func openGuardChannel() (io.ReadCloser, io.WriteCloser, bool) {
	if os.Getenv(guardChannelEnv) != "3,4" {
		return nil, nil, false
	}
	os.Unsetenv(guardChannelEnv)
	for _, fd := range []int{3, 4} {
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) != nil || (st.Mode&syscall.S_IFMT != syscall.S_IFIFO && st.Mode&syscall.S_IFMT != syscall.S_IFSOCK) {
			return nil, nil, false
		}
	}
	for _, fd := range []int{3, 4} {
		syscall.CloseOnExec(fd)
		_ = syscall.SetNonblock(fd, true) // pollable: Close ends a blocked read
	}
	return os.NewFile(3, "guard-questions"), os.NewFile(4, "guard-answers"), true
}
