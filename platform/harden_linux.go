package platform

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Harden keeps the process's memory (tokens, client secrets) out of core
// files and away from other processes, as ssh-agent does: no core dumps,
// and not dumpable, which also makes /proc/PID/mem, /proc/PID/environ and
// ptrace refuse even processes of the same uid.
func Harden() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("harden: set RLIMIT_CORE to 0: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("harden: prctl PR_SET_DUMPABLE 0: %w", err)
	}
	return nil
}
