//go:build crashtest

package host

import (
	"fmt"
	"io"
	"os"

	"github.com/tokentray/tokentray/manager"
)

// checkpointFromEnv is the crash tests' hook (e2e/crash_test.go), built
// only with -tags crashtest: with
// TOKENTRAY_TEST_PAUSE_AT=before_request|after_response|after_save the
// engine stops for good when a refresh reaches that step, after saying so
// on stderr, so the test can kill -9 the process exactly there. It returns
// nil when the variable is unset, which is every normal run.
func checkpointFromEnv(stderr io.Writer) func(env string, step manager.RefreshStep) {
	at := manager.RefreshStep(os.Getenv("TOKENTRAY_TEST_PAUSE_AT"))
	if at == "" {
		return nil
	}
	return func(env string, step manager.RefreshStep) {
		if step != at {
			return
		}
		fmt.Fprintf(stderr, "tokentray: paused at %s for %s\n", step, env)
		select {} // until the test kills the process
	}
}
