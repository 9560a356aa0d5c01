//go:build !linux

package main

// hardened: only Linux has PR_SET_DUMPABLE; elsewhere the window relies
// on the system's own process isolation (platform.Harden does nothing
// there either).
func hardened() error { return nil }
