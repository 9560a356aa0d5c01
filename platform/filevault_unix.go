//go:build unix

package platform

import (
	"io/fs"
	"os"
	"syscall"
)

// vaultUnixModes: mode bits say who may read the vault and its passphrase.
const vaultUnixModes = true

// vaultNoFollow keeps the vault file's open from following a symlink put
// there after the check; vaultNonBlock keeps it from waiting on a named pipe.
const (
	vaultNoFollow = syscall.O_NOFOLLOW
	vaultNonBlock = syscall.O_NONBLOCK
)

// vaultOwner returns the file's owner and this process's uid.
func vaultOwner(fi fs.FileInfo) (uid, me int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), os.Getuid(), true
}

// syncVaultDir makes a rename in dir durable.
func syncVaultDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
