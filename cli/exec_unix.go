//go:build unix

package cli

import "syscall"

// execInPlace replaces tokentray with the command (execve): the command
// gets our pid, signals and exit status, and the token lives only in its
// environment. It returns only on failure.
func execInPlace(path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}
