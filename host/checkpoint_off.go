//go:build !crashtest

package host

import (
	"io"

	"github.com/tokentray/tokentray/manager"
)

// checkpointFromEnv: the crash tests' pause (checkpoint.go) is built only
// with -tags crashtest, so a shipped binary has no test hook.
func checkpointFromEnv(io.Writer) func(env string, step manager.RefreshStep) { return nil }
