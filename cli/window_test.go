package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// `tokentray window` runs tokentray-window with the socket it resolved and
// --quit-host-on-close when given.
func TestWindowCommandPassesTheSameFlags(t *testing.T) {
	got := windowArgs("/usr/lib/tokentray/tokentray-window", "/tmp/tt-test/s.sock", true, true)
	want := []string{"/usr/lib/tokentray/tokentray-window", "--socket", "/tmp/tt-test/s.sock", "--quit-host-on-close", "--add"}
	if !slices.Equal(got, want) {
		t.Errorf("window command line %q, want %q", got, want)
	}
	if got := windowArgs("tokentray-window", "/s.sock", false, false); slices.Contains(got, "--quit-host-on-close") || slices.Contains(got, "--add") {
		t.Errorf("without the flags: %q", got)
	}
}

// Beside the test binary there is no tokentray-window: one line that says
// where it looked, exit 1.
func TestWindowCommandSaysWhereItLookedForTheWindow(t *testing.T) {
	var out, errb bytes.Buffer
	code := Run([]string{"window", "--socket", "/tmp/tt-test/s.sock"}, strings.NewReader(""), &out, &errb, Options{})
	if code != exitFailure || !strings.Contains(errb.String(), "tokentray-window") || !strings.Contains(errb.String(), "no /") ||
		strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want one line naming where tokentray-window was looked for", code, errb.String())
	}
}
