//go:build windows

package socket

import "io/fs"

// unixModes is false: Windows reports no owner uid and made-up mode bits;
// ACLs decide who may enter the socket directory (mkdirPrivate).
const unixModes = false

// fileOwner is unknown where files have no unix owner.
func fileOwner(fs.FileInfo) (uid int, ok bool) { return 0, false }
