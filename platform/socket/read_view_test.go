package socket

import "testing"

func TestShortCmdlineNamesTheProgramByItsFileName(t *testing.T) {
	for _, tc := range []struct{ exe, cmdline, want string }{
		{"/usr/bin/curl", "/usr/bin/curl -s https://x", "curl -s https://x"},
		{"/usr/bin/curl", "/usr/bin/curl", "curl"},
		{"/usr/bin/curl", "curl -s", "curl -s"},
		{"/usr/bin/cu", "/usr/bin/curl -s", "/usr/bin/curl -s"},
		{"", "python3 x.py", "python3 x.py"},
	} {
		if got := ShortCmdline(tc.exe, tc.cmdline); got != tc.want {
			t.Errorf("ShortCmdline(%q, %q) = %q, want %q", tc.exe, tc.cmdline, got, tc.want)
		}
	}
}

func TestReadViaNamesTheTokentrayCommandByItsFileName(t *testing.T) {
	for _, tc := range []struct {
		rd   Read
		want string
	}{
		{Read{Through: "/tmp/tokentray-e2e-bin-1162657519/tokentray token campaignflow-92405c"}, "tokentray token campaignflow-92405c"},
		{Read{Through: "tokentray exec prod -- ./deploy.sh"}, "tokentray exec prod -- ./deploy.sh"},
		{Read{Through: "/opt/a b/tokentray token x"}, "/opt/a b/tokentray token x"},
		{Read{Via: "tray", Through: "x"}, "tray"},
		{Read{Via: "proxy"}, "proxy"},
		{Read{Via: "proxy", Through: "/usr/bin/tokentray proxy api --upstream https://api.example.com"}, "proxy: tokentray proxy api --upstream https://api.example.com"},
	} {
		if got := ReadVia(tc.rd); got != tc.want {
			t.Errorf("ReadVia(%+v) = %q, want %q", tc.rd, got, tc.want)
		}
	}
}
