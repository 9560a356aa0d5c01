//go:build !linux

package host

import "syscall"

// windowProcAttr: only Linux can tie the child's life to the host's.
func windowProcAttr() *syscall.SysProcAttr { return nil }
