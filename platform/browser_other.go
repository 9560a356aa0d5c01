//go:build !unix

package platform

import "os/exec"

// detach has nothing to do where processes have no sessions.
func detach(*exec.Cmd) {}
