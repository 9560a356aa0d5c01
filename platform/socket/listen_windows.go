//go:build windows

package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// openLockFile opens (or creates) the lock file, refusing a symlink or
// junction found there first. Windows has no O_NOFOLLOW; the socket
// directory's ACL (only this user) keeps anyone from swapping it between
// the check and the open.
func openLockFile(name string) (*os.File, error) {
	if fi, err := os.Lstat(name); err == nil && fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return nil, fmt.Errorf("socket lock %s is a link; remove it (del %s) and start again", name, name)
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("socket lock: %w", err)
	}
	return checkLockFile(f, name)
}

// tryLock takes an exclusive lock on f without waiting (LockFileEx, which
// Windows drops when the process dies, as flock is dropped on Unix);
// errLocked means another process holds it.
func tryLock(f *os.File) error {
	var ol windows.Overlapped
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLocked
	}
	return err
}

// restrictSocketFile does nothing: Windows has no mode bits, and the socket
// inherits the directory's ACL, which admits only this user (mkdirPrivate).
func restrictSocketFile(string) error { return nil }

// connRefused says a dial found a socket file nobody listens on; Winsock
// answers WSAECONNREFUSED, which syscall.ECONNREFUSED does not match.
func connRefused(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, syscall.ECONNREFUSED)
}
