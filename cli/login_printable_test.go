package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/platform/socket"
)

// TestLoginPrintsTheProvidersWordsWithoutControlCharacters: the device
// flow's code and URIs come from the provider and go to the terminal.
func TestLoginPrintsTheProvidersWordsWithoutControlCharacters(t *testing.T) {
	var out bytes.Buffer
	got := printLoginInfo(&cli{stdout: &out}, socket.LoginInfo{
		UserCode:        "WDJB\x1b]0;pwned\aMJHT",
		VerificationURI: "https://example.com/device\x1b[2J",
	})
	if strings.ContainsAny(out.String()+got, "\x1b\a") {
		t.Errorf("printed %q, opens %q", out.String(), got)
	}
	if !strings.Contains(out.String(), "code: WDJB]0;pwnedMJHT  (enter it at https://example.com/device[2J") {
		t.Errorf("printed %q", out.String())
	}
}
