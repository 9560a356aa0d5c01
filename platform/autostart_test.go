package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStartAtLoginWritesAndRemovesTheXDGAutostartEntry(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	want := filepath.Join(dir, "autostart", "tokentray.desktop")
	if got := AutostartPath(); got != want {
		t.Fatalf("autostart path = %s, want %s", got, want)
	}
	if AutostartEnabled() {
		t.Fatal("enabled before anything was written")
	}
	if err := SetAutostart(true); err != nil {
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
	for _, line := range []string{"[Desktop Entry]", "Type=Application", "Exec=" + exe + " --hidden"} {
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

func TestAutostartExecQuotesAPathWithSpaces(t *testing.T) {
	if got := desktopExecQuote("/opt/token tray/tokentray"); got != `"/opt/token tray/tokentray"` {
		t.Errorf("quoted = %s", got)
	}
	if got := desktopExecQuote("/usr/bin/tokentray"); got != "/usr/bin/tokentray" {
		t.Errorf("plain path quoted: %s", got)
	}
}
