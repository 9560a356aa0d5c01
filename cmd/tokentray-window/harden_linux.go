package main

// The window holds the guard's private channel (fd 3, a socket from the
// host). Before anything else runs in this process (the dynamic loader's
// work is done, the Go runtime, Fyne and GLFW not yet started), it turns
// core dumps off and makes itself non-dumpable: from then on no other
// process of the user can open its descriptors through /proc/PID/fd,
// copy them with pidfd_getfd(2), read its memory or ptrace it.

/*
#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static int tokentray_harden_errno;

__attribute__((constructor)) static void tokentray_harden(void) {
	struct rlimit none = {0, 0};
	if (setrlimit(RLIMIT_CORE, &none) != 0) {
		tokentray_harden_errno = errno;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		tokentray_harden_errno = errno;
	}
}

static int tokentray_harden_result(void) { return tokentray_harden_errno; }
*/
import "C"

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// hardened reports whether the constructor made this process
// non-dumpable; the window asks no guard questions otherwise.
func hardened() error {
	if errno := C.tokentray_harden_result(); errno != 0 {
		return fmt.Errorf("harden at start: %w", syscall.Errno(errno))
	}
	if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
		return fmt.Errorf("harden at start: the process is still dumpable (%d, %v)", d, err)
	}
	return nil
}
