package socket

import (
	"strings"
	"testing"
)

func TestParseForSplitsMethodAndURL(t *testing.T) {
	for _, tc := range []struct {
		in, htm, htu, err string
	}{
		{"GET https://api.example.com/v1/things?x=1", "GET", "https://api.example.com/v1/things?x=1", ""},
		{"  post   https://api.example.com/v1  ", "POST", "https://api.example.com/v1", ""},
		{"GET", "", "", `--for takes the request as "METHOD URL"`},
		{"https://api.example.com/v1", "", "", `--for takes the request as "METHOD URL"`},
		{"GET /v1/things", "", "", "is not an absolute http(s) URL"},
		{"GET https://a.example/x https://b.example/y", "", "", `--for takes the request as "METHOD URL"`},
	} {
		htm, htu, err := ParseFor(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFor(%q) = %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || htm != tc.htm || htu != tc.htu {
			t.Errorf("ParseFor(%q) = %q %q %v", tc.in, htm, htu, err)
		}
	}
}
