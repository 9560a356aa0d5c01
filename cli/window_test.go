package cli

import (
	"bytes"
	"strings"
	"testing"
)

// `tokentray window` hands the socket and --quit-host-on-close to the
// window (main's ui.RunWindow), and says so when the build has no window.
func TestWindowCommandRunsTheWindowOnTheSocket(t *testing.T) {
	var gotSocket string
	var gotQuit bool
	calls := 0
	window := func(socketPath string, quitHostOnClose bool) error {
		calls++
		gotSocket, gotQuit = socketPath, quitHostOnClose
		return nil
	}
	var out, errb bytes.Buffer
	code := Run([]string{"window", "--socket", "/tmp/tt-test/s.sock", "--quit-host-on-close"}, strings.NewReader(""), &out, &errb, Options{Window: window})
	if code != exitOK || calls != 1 || gotSocket != "/tmp/tt-test/s.sock" || !gotQuit {
		t.Fatalf("exit %d, window called %d times with (%q, %v); stderr %s", code, calls, gotSocket, gotQuit, errb.String())
	}
	code = Run([]string{"--socket", "/tmp/tt-test/s.sock", "window"}, strings.NewReader(""), &out, &errb, Options{Window: window})
	if code != exitOK || gotQuit {
		t.Errorf("without the flag: exit %d, quit host on close %v", code, gotQuit)
	}

	errb.Reset()
	code = Run([]string{"window"}, strings.NewReader(""), &out, &errb, Options{})
	if code != exitFailure || !strings.Contains(errb.String(), "built without the desktop app") {
		t.Errorf("headless build: exit %d, stderr %q", code, errb.String())
	}
}
