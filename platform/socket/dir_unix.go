//go:build unix

package socket

import "os"

// mkdirPrivate creates dir for this user only (EnsureSocketDir then
// chmods it past the umask).
func mkdirPrivate(dir string) error {
	return os.Mkdir(dir, 0o700)
}
