//go:build unix

package socket

import (
	"io/fs"
	"syscall"
)

// unixModes: files have an owner uid and mode bits worth checking.
const unixModes = true

// fileOwner returns the uid that owns the file fi describes.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
