//go:build !linux

package socket

// processInfo is not implemented here: the read log has the pid and uid
// the platform's peer credentials give (macOS), with an empty executable
// and command line.
func processInfo(pid int32) (exe, cmdline string) { return "", "" }
