//go:build unix

package platform

import "syscall"

// detachedProcAttr gives the child a session of its own: no controlling
// terminal, and no SIGHUP when the command's terminal closes.
func detachedProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
