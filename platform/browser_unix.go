//go:build unix

package platform

import (
	"os/exec"
	"syscall"
)

// detach puts cmd in a session of its own, away from our terminal's signals.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
