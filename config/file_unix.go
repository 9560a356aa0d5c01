//go:build unix

package config

import (
	"io/fs"
	"os"
	"syscall"
)

// openNoBlock keeps the open of a named pipe from waiting for a writer.
const openNoBlock = syscall.O_NONBLOCK

// unixModes: mode bits say who may write the file.
const unixModes = true

// fileOwner returns the file's owner and this process's uid.
func fileOwner(fi fs.FileInfo) (uid, me int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), os.Getuid(), true
}
