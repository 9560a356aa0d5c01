//go:build linux

package platform

import (
	"os"
	"strconv"
	"strings"

	"github.com/tokentray/tokentray/platform/socket"
)

// sessionOf is the login session of the reader: the kernel's audit
// session id (/proc/PID/sessionid), which a process inherits and cannot
// change, so an approval given to a program in one login does not cover
// the same program started from another (an ssh login). Where the kernel
// does not keep one (no audit support, or "unset") it is the uid.
func sessionOf(r socket.Reader) string {
	if r.PID > 0 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(int(r.PID)) + "/sessionid")
		if s := strings.TrimSpace(string(b)); err == nil && s != "" && s != "4294967295" {
			return "session:" + s
		}
	}
	return "uid:" + strconv.FormatUint(uint64(r.UID), 10)
}
