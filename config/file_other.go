//go:build !unix

package config

import "io/fs"

const openNoBlock = 0

// unixModes: Windows reports every writable file as 0666; its ACLs decide
// who may write, and the profile folder the config lives in admits
// only the user.
const unixModes = false

// fileOwner is unknown where files have no unix owner.
func fileOwner(fs.FileInfo) (uid, me int, ok bool) { return 0, 0, false }
