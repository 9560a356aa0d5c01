package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// EnsureSocketDir makes the directory that will hold the socket at
// socketPath (the socket's path, not the directory's) and makes sure only
// this user can reach it: it is created 0700 when missing. An existing one
// is used only if it is a real directory owned by this user that nobody
// else can enter; anything else is refused, never chmod-ed: a directory
// that was open to others (or made by them) may hold what they planted
// (a symlink at the lock file, a fake socket).
func EnsureSocketDir(socketPath string) error {
	dir := filepath.Dir(socketPath)
	err := mkdirPrivate(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// A missing parent (a --socket path in a new directory tree).
		if err = os.MkdirAll(filepath.Dir(dir), 0o700); err == nil {
			err = mkdirPrivate(dir)
		}
	}
	created := err == nil
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create socket directory %s: %w", dir, err)
	}

	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory (a symlink or file); remove it or pick another --socket path", dir)
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("socket directory %s belongs to %s, not to you (uid %d): another user may have planted it; have it removed, or set XDG_RUNTIME_DIR or pick another --socket path",
			dir, describeUID(uid), os.Getuid())
	}
	if created {
		// Mkdir applies the umask; say exactly what we mean.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("socket directory %s: %w", dir, err)
		}
		return nil
	}
	if perm := fi.Mode().Perm(); unixModes && perm&0o077 != 0 {
		return fmt.Errorf("socket directory %s can be reached by other users (mode %04o), so it may hold what they planted; remove it (rm -r %s) and start again, or pick another --socket path",
			dir, perm, dir)
	}
	return nil
}
