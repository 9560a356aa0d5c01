package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStartAtLoginWritesAndRemovesTheXDGAutostartEntry(t *testing.T) {
	dir := t.TempDir()
	setOrUnset(t, "XDG_CONFIG_HOME", dir)
	want := filepath.Join(dir, "autostart", "tokentray.desktop")
	if got := AutostartPath(); got != want {
		t.Fatalf("autostart path = %s, want %s", got, want)
	}
	if AutostartEnabled() {
		t.Fatal("enabled before anything was written")
	}
	if err := SetAutostart(true, "--config", "/home/me/dot files/tokentray.toml"); err != nil {
		t.Fatal(err)
	}
	if !AutostartEnabled() {
		t.Fatal("not enabled after SetAutostart(true)")
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	for _, line := range []string{"[Desktop Entry]", "Type=Application", "Exec=" + exe + ` --hidden --config "/home/me/dot files/tokentray.toml"`} {
		if !strings.Contains(string(data), line+"\n") {
			t.Errorf("entry lacks %q:\n%s", line, data)
		}
	}
	if err := SetAutostart(true); err != nil { // again: same file, no error
		t.Fatal(err)
	}
	if err := SetAutostart(false); err != nil {
		t.Fatal(err)
	}
	if AutostartEnabled() {
		t.Error("still enabled after SetAutostart(false)")
	}
	if err := SetAutostart(false); err != nil {
		t.Errorf("removing an absent entry: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(want)); len(entries) != 0 {
		t.Errorf("left files behind: %v", entries)
	}
}

func TestAutostartExecQuotesAsTheDesktopEntrySpecSays(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/tokentray", "--hidden"}, "/usr/bin/tokentray --hidden"},
		{[]string{"/opt/token tray/tokentray"}, `"/opt/token tray/tokentray"`},
		{[]string{`/opt/a"b$c` + "`d"}, `"/opt/a\\"b\\$c\\` + "`d" + `"`},
		{[]string{`/opt/back\slash`}, `"/opt/back\\\\slash"`},
		{[]string{"/opt/100%/tokentray"}, "/opt/100%%/tokentray"},
	} {
		got, err := desktopExec(c.argv)
		if err != nil || got != c.want {
			t.Errorf("desktopExec(%q) = %s, %v; want %s", c.argv, got, err, c.want)
		}
	}
	// A line break would start a line of its own in the file: another key.
	for _, bad := range []string{"/tmp/x\nExec=/tmp/evil", "/tmp/x\rTerminal=true", "/tmp/x\x00"} {
		if got, err := desktopExec([]string{bad, "--hidden"}); err == nil {
			t.Errorf("desktopExec(%q) = %q, want it refused", bad, got)
		}
	}
}
