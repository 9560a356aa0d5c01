package socket

import (
	"errors"
	"path/filepath"
	"testing"
)

// The lock (flock on Unix, LockFileEx on Windows) is what keeps two
// instances starting at once from both listening: each open of the lock
// file competes, even within one process.
func TestSocketLockIsHeldByOneOpenerAtATime(t *testing.T) {
	name := filepath.Join(t.TempDir(), "tokentray.sock.lock")
	first, err := openLockFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := tryLock(first); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	second, err := openLockFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := tryLock(second); !errors.Is(err, errLocked) {
		t.Fatalf("second lock while the first is held = %v, want errLocked", err)
	}
	first.Close() // what a crash does too
	if err := tryLock(second); err != nil {
		t.Fatalf("lock after the holder closed it: %v", err)
	}
}
