//go:build unix

package platform

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBrowser writes a browser script that records its arguments and then
// stays open like a real browser; the test stops it at the end.
func fakeBrowser(t *testing.T) (dir, record string) {
	t.Helper()
	dir = t.TempDir()
	record = filepath.Join(dir, "args")
	script := "#!/bin/sh\necho $$ > " + record + ".pid\nprintf '%s\\n' \"$@\" > " + record + ".tmp\nmv " + record + ".tmp " + record + "\nexec sleep 30\n"
	if err := os.WriteFile(filepath.Join(dir, "fake-browser"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if b, err := os.ReadFile(record + ".pid"); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return dir, record
}

func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the browser never ran (no %s)", path)
	return ""
}

func TestOpenBrowserRunsBROWSERWithURLAndReturnsAtOnce(t *testing.T) {
	const u = "http://127.0.0.1:9096/authorize?client_id=a&state=b"
	tests := []struct{ name, browser, want string }{
		{"URL appended", "fake-browser", u + "\n"},
		{"%s replaced", "fake-browser --new-tab=%s", "--new-tab=" + u + "\n"},
		{"missing commands skipped", "no-such-browser-here:fake-browser", u + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, record := fakeBrowser(t)
			t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
			t.Setenv("BROWSER", tt.browser)

			start := time.Now()
			if err := OpenBrowser(u); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("OpenBrowser blocked for %s", d)
			}
			if got := waitForFile(t, record); got != tt.want {
				t.Errorf("browser got arguments %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenBrowserWithoutAnyBrowserIsAnError(t *testing.T) {
	t.Setenv("BROWSER", "no-such-browser-here")
	t.Setenv("PATH", t.TempDir())
	err := OpenBrowser("https://example.com/authorize")
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("OpenBrowser = %v, want ErrNoBrowser", err)
	}
}

func TestOpenBrowserRefusesWhatIsNotAWebURL(t *testing.T) {
	dir, record := fakeBrowser(t)
	t.Setenv("PATH", dir)
	t.Setenv("BROWSER", "fake-browser")
	for _, u := range []string{"file:///etc/passwd", "--version", "javascript:alert(1)", "http://", ""} {
		if err := OpenBrowser(u); err == nil {
			t.Errorf("OpenBrowser(%q) = nil, want an error", u)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := os.Stat(record); err == nil {
		t.Fatal("the browser was started")
	}
}
