//go:build !linux

package server

// process is what the system says of a process: nothing here.
type process struct {
	exe, cmdline string
	ppid         int32
	session      string
}

// processInfo is not implemented here: the read log has the pid and uid
// the platform's peer credentials give (macOS), with an empty executable
// and command line.
func processInfo(pid int32) process { return process{} }
