package platform

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// StartDetached starts exe with args as a process of its own that
// outlives this one (as a shell's `setsid cmd &`): no terminal, stdin from
// the null device, stdout and stderr appended to logPath (0600, in a 0700
// folder made if need be). It returns the new process's pid, and a
// channel closed if it exits while this process still runs (a start that
// failed at once).
func StartDetached(exe string, args []string, logPath string) (pid int, exited <-chan struct{}, err error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return 0, nil, fmt.Errorf("log folder: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, nil, fmt.Errorf("log file: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile // stdin: the null device
	cmd.SysProcAttr = detachedProcAttr()
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	return cmd.Process.Pid, done, nil
}
