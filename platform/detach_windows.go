//go:build windows

package platform

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detachedProcAttr starts the child without a console, in a process group
// of its own, so closing the command's console does not end it.
func detachedProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS}
}
