//go:build windows

package socket

import (
	"fmt"
	"io/fs"
	"unsafe"

	"golang.org/x/sys/windows"
)

// mkdirPrivate creates dir with an ACL that admits only this user: not
// inherited from the parent (P), handed down to the socket and lock file in
// it (OICI), full access (FA) for this user's SID and nobody else. This is
// what mode 0700 is on Unix, and with no SO_PEERCRED on Windows it is what
// keeps other users away from the socket.
func mkdirPrivate(dir string) error {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("mkdir %s: who am I: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + user.User.Sid.String() + ")")
	if err != nil {
		return fmt.Errorf("mkdir %s: security descriptor: %w", dir, err)
	}
	sa := windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	if err := windows.CreateDirectory(p, &sa); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}
