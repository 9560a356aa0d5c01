//go:build unix

package socket

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// openLockFile opens (or creates) the lock file without following a
// symlink someone planted there, and only if it is a regular file of ours.
func openLockFile(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("socket lock %s is a symlink; remove it (rm %s) and start again", name, name)
	}
	if err != nil {
		return nil, fmt.Errorf("socket lock: %w", err)
	}
	return checkLockFile(f, name)
}

// tryLock takes an exclusive lock on f without waiting; errLocked means
// another process holds it.
func tryLock(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

// restrictSocketFile makes the socket 0600. The 0700 directory already
// keeps others out; this is the second lock.
func restrictSocketFile(path string) error {
	return os.Chmod(path, 0o600)
}

// connRefused says a dial found a socket file nobody listens on.
func connRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
