package host

import "syscall"

// windowProcAttr makes the kernel end the window child when the host dies
// (even by SIGKILL), so no window outlives the host it talks to.
func windowProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
