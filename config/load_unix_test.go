//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Mode bits, named pipes and /dev/zero are Unix things; Windows has ACLs.
func TestConfigFileOthersCouldWriteIsRefused(t *testing.T) {
	good := writeTestConfig(t, "", 0o600)
	link := filepath.Join(t.TempDir(), "linked.toml")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(t.TempDir(), "zero.toml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	big := writeTestConfig(t, "#"+strings.Repeat("x", MaxConfigSize)+"\n", 0o600)
	for _, tc := range []struct {
		name, path, want string
	}{
		{"0600", good, ""},
		{"0644", writeTestConfig(t, "", 0o644), ""},
		{"symlink to a good file", link, ""},
		{"0666", writeTestConfig(t, "", 0o666), "mode 0666 lets other users change it; run `chmod 600 "},
		{"0620", writeTestConfig(t, "", 0o620), "mode 0620 lets other users change it"},
		{"named pipe", fifo, "a named pipe, not a regular file"},
		{"symlink to /dev/zero", zero, "a device, not a regular file"},
		{"directory", t.TempDir(), "a directory, not a regular file"},
		{"over 1 MiB", big, "larger than 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := LoadConfig(tc.path)
			if d := time.Since(start); d > time.Second {
				t.Errorf("LoadConfig took %v", d)
			}
			if tc.want == "" {
				if err != nil {
					t.Errorf("LoadConfig: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.path+": ") {
				t.Errorf("LoadConfig: %v, want %q after the path", err, tc.want)
			}
			if len(ConfigErrors(err)) != 1 {
				t.Errorf("want one ConfigError, got %v", err)
			}
		})
	}
}
