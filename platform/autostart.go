package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/tokentray/tokentray/config"
)

// AutostartEnabled reports whether the autostart entry exists.
func AutostartEnabled() bool {
	_, err := os.Stat(AutostartPath())
	return err == nil
}

// SetAutostart writes (on) or removes (off) the autostart entry. The entry
// starts the host hidden in the tray, `tokentray --hidden` with the full
// path of this executable (so it works without tokentray on PATH) and
// args (the --config and --socket it runs with, when not the defaults).
func SetAutostart(on bool, args ...string) error {
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
	exec, err := desktopExec(append([]string{exe, "--hidden"}, args...))
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	entry := "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=tokentray\n" +
		"Comment=Keeps OAuth2 access tokens fresh for scripts\n" +
		"Exec=" + exec + "\n" +
		"Icon=tokentray\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
	if err := config.WriteFileAtomic(path, []byte(entry)); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	return nil
}

// desktopExec is the value of an Exec key running argv, quoted as the
// Desktop Entry Specification says: an argument with a reserved character
// goes in double quotes with ", `, $ and \ escaped by a backslash, % is
// written %%, and then the value's own escaping doubles every backslash.
// An argument with a line break or another control character is refused:
// it would not survive the file's one-line values.
func desktopExec(argv []string) (string, error) {
	const reserved = " \t\n\"'\\><~|&;$*?#()`"
	quoted := make([]string, len(argv))
	for i, a := range argv {
		if strings.IndexFunc(a, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("%q has a line break or another control character; move tokentray (or its config) to a plain path", a)
		}
		a = strings.ReplaceAll(a, "%", "%%")
		if strings.ContainsAny(a, reserved) {
			a = `"` + strings.NewReplacer(`"`, `\"`, "`", "\\`", "$", `\$`, `\`, `\\`).Replace(a) + `"`
		}
		quoted[i] = strings.ReplaceAll(a, `\`, `\\`)
	}
	return strings.Join(quoted, " "), nil
}
