package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

func TestShortCmdlineNamesTheProgramByItsFileName(t *testing.T) {
	for _, tc := range []struct{ exe, cmdline, want string }{
		{"/usr/bin/curl", "/usr/bin/curl -s https://x", "curl -s https://x"},
		{"/usr/bin/curl", "/usr/bin/curl", "curl"},
		{"/usr/bin/curl", "curl -s", "curl -s"},
		{"/usr/bin/cu", "/usr/bin/curl -s", "/usr/bin/curl -s"},
		{"", "python3 x.py", "python3 x.py"},
	} {
		if got := shortCmdline(tc.exe, tc.cmdline); got != tc.want {
			t.Errorf("shortCmdline(%q, %q) = %q, want %q", tc.exe, tc.cmdline, got, tc.want)
		}
	}
}

func TestReadsTableNamesTheTokentrayCommandByItsFileName(t *testing.T) {
	for _, tc := range []struct {
		rd   socket.Read
		want string
	}{
		{socket.Read{Through: "/tmp/tokentray-e2e-bin-1162657519/tokentray token campaignflow-92405c"}, "tokentray token campaignflow-92405c"},
		{socket.Read{Through: "tokentray exec prod -- ./deploy.sh"}, "tokentray exec prod -- ./deploy.sh"},
		{socket.Read{Through: "/opt/a b/tokentray token x"}, "/opt/a b/tokentray token x"},
		{socket.Read{Via: "tray", Through: "x"}, "tray"},
		{socket.Read{Via: "proxy"}, "proxy"},
		{socket.Read{Via: "proxy", Through: "/usr/bin/tokentray proxy api --upstream https://api.example.com"}, "proxy: tokentray proxy api --upstream https://api.example.com"},
	} {
		if got := shownVia(tc.rd); got != tc.want {
			t.Errorf("shownVia(%+v) = %q, want %q", tc.rd, got, tc.want)
		}
	}
}

func TestReadsTableShowsEveryColumnAndCutsLongCommandLines(t *testing.T) {
	var b strings.Builder
	writeReadsTable(&b, []socket.Read{
		{Time: time.Now(), Count: 1002, PID: 4242, UID: 1000, Exe: "/usr/bin/curl", Cmdline: "/usr/bin/curl " + strings.Repeat("a", 200) + "\x1b[31m", Refreshed: true},
		{Time: time.Now()},
	})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("table:\n%s", b.String())
	}
	if !strings.Contains(lines[1], " 1002 ") || !strings.Contains(lines[1], "4242") || !strings.Contains(lines[1], "curl aaa") || !strings.Contains(lines[1], "…") || strings.Fields(lines[1])[len(strings.Fields(lines[1]))-2] != "yes" {
		t.Errorf("row: %q", lines[1])
	}
	if strings.Contains(b.String(), "\x1b") || strings.Count(lines[1], "a") > readsCmdlineShown {
		t.Errorf("the command line was not made printable and short: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); f[len(f)-2] != "no" || f[len(f)-1] != "-" || !strings.Contains(lines[2], " - ") {
		t.Errorf("an unknown reader's row: %q", lines[2])
	}
}
