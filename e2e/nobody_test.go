//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"testing"
)

// requireNobody is the local user `nobody`, who plays another user of the
// machine in these tests, with its uid and gid. It skips the test when the
// test cannot run processes as another user (not root, no runuser).
func requireNobody(t *testing.T) (u *user.User, uid, gid int) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("needs root to run processes as another user")
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		t.Skip("runuser not found")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return u, uid, gid
}
