package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestDeniedReadExitsFiveWithOneLineSayingWhoAndHowToAllow(t *testing.T) {
	var stderr bytes.Buffer
	c := &cli{stderr: &stderr, configFlag: "/home/u/.config/tokentray/config.toml"}
	denied := &socket.APIError{Status: 403, Code: socket.CodeDenied,
		Message: "curl (pid 4242) was denied a token of zepto-production: you chose Deny in the notification"}
	if code := c.clientFailure(fmt.Errorf("token: %w", denied), "zepto-production"); code != exitDenied || exitDenied != 5 {
		t.Errorf("exit %d, want 5", code)
	}
	line := stderr.String()
	if strings.Count(line, "\n") != 1 {
		t.Errorf("not one line: %q", line)
	}
	for _, want := range []string{"denied: curl (pid 4242)", "you chose Deny", `"Allow" in the desktop app's notification or window`, `guard = "none" for zepto-production in /home/u/.config/tokentray/config.toml`} {
		if !strings.Contains(line, want) {
			t.Errorf("%q does not say %q", line, want)
		}
	}
}

func TestUsageListsExitCodeFive(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != exitOK || !strings.Contains(out, "5 read denied") {
		t.Errorf("usage does not list exit code 5:\n%s", out)
	}
}
