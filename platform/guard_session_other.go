//go:build !linux

package platform

import (
	"strconv"

	"github.com/tokentray/tokentray/platform/socket"
)

// sessionOf is the reader's uid: this platform offers no login session
// id of another process without extra services.
func sessionOf(r socket.Reader) string {
	return "uid:" + strconv.FormatUint(uint64(r.UID), 10)
}
