package socket

import (
	"context"
	"errors"
	"net"
	"os"
	"time"
)

// LockStart takes the lock beside the socket at path that makes commands
// racing to start a tokentray start one: whoever holds it starts one (if
// none answers by then) while the others wait, and then find it running.
// The socket's folder is made (0700) if need be; release ends the hold.
func LockStart(ctx context.Context, path string) (release func(), err error) {
	if err := EnsureSocketDir(path); err != nil {
		return nil, err
	}
	f, err := openLockFile(path + ".start")
	if err != nil {
		return nil, err
	}
	for {
		err := tryLock(f)
		if err == nil {
			return func() { f.Close() }, nil // closing drops the lock
		}
		if !errors.Is(err, errLocked) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Answering reports whether a trusted tokentray answers on path now.
func Answering(ctx context.Context, path string) bool {
	conn, err := dialTrusted(ctx, &net.Dialer{Timeout: time.Second}, path, os.Getuid())
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
