package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/tokentray/tokentray/platform/socket"
)

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
