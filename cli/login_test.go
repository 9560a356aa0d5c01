package cli

import (
	"bytes"
	"testing"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestLoginPrintsTheURLAloneOnTheFirstLine(t *testing.T) {
	for _, c := range []struct {
		name       string
		info       socket.LoginInfo
		wantOut    string
		wantTarget string
	}{
		{
			name:       "authorization code",
			info:       socket.LoginInfo{AuthorizationURL: "https://auth.example/authorize?client_id=a&state=s"},
			wantOut:    "https://auth.example/authorize?client_id=a&state=s\n",
			wantTarget: "https://auth.example/authorize?client_id=a&state=s",
		},
		{
			name: "device flow",
			info: socket.LoginInfo{
				UserCode: "WDJB-MJHT", VerificationURI: "https://example.com/device",
				VerificationURIComplete: "https://example.com/device?user_code=WDJB-MJHT",
			},
			wantOut:    "https://example.com/device?user_code=WDJB-MJHT\ncode: WDJB-MJHT  (enter it at https://example.com/device if asked)\n",
			wantTarget: "https://example.com/device?user_code=WDJB-MJHT",
		},
	} {
		var out bytes.Buffer
		got := printLoginInfo(&cli{stdout: &out}, c.info)
		if out.String() != c.wantOut || got != c.wantTarget {
			t.Errorf("%s: printed %q, opens %q; want %q, %q", c.name, out.String(), got, c.wantOut, c.wantTarget)
		}
	}
}
