package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AutostartPath is the XDG autostart entry that starts tokentray at login:
// $XDG_CONFIG_HOME/autostart/tokentray.desktop.
func AutostartPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "tokentray.desktop")
}

// AutostartEnabled reports whether the autostart entry exists.
func AutostartEnabled() bool {
	_, err := os.Stat(AutostartPath())
	return err == nil
}

// SetAutostart writes (on) or removes (off) the autostart entry. The entry
// starts the host hidden in the tray: `tokentray --hidden`, with the full
// path of this executable so it works without tokentray on PATH.
func SetAutostart(on bool) error {
	path := AutostartPath()
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("start at login: %w", err)
		}
		return nil
	}
	exe := "tokentray"
	if p, err := os.Executable(); err == nil {
		exe = p
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	entry := "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=tokentray\n" +
		"Comment=Keeps OAuth2 access tokens fresh for scripts\n" +
		"Exec=" + desktopExecQuote(exe) + " --hidden\n" +
		"Icon=tokentray\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokentray.desktop.*")
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(entry); err != nil {
		tmp.Close()
		return fmt.Errorf("start at login: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}

// desktopExecQuote quotes a path for a .desktop file's Exec key when it
// holds characters that would split or be expanded.
func desktopExecQuote(p string) string {
	if !strings.ContainsAny(p, " \t\"'\\$`%") {
		return p
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", "$", `\\$`, "%", "%%")
	return `"` + r.Replace(p) + `"`
}
