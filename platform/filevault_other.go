//go:build !unix

package platform

import "io/fs"

// vaultUnixModes: Windows reports made-up mode bits; ACLs decide who may
// read a file, and the vault's default directory is under %LOCALAPPDATA%,
// whose ACL admits only the user (and administrators).
const vaultUnixModes = false

const (
	vaultNoFollow = 0 // the Lstat check before opening refuses a symlink
	vaultNonBlock = 0
)

// vaultOwner is unknown where files have no unix owner.
func vaultOwner(fs.FileInfo) (uid, me int, ok bool) { return 0, 0, false }

// syncVaultDir does nothing: Windows cannot sync a directory, and its
// rename (MoveFileEx) is journaled by NTFS.
func syncVaultDir(string) error { return nil }
