package platform

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/adrg/xdg"
)

// ConfigPath is where the config file is: the --config flag when given,
// else $TOKENTRAY_CONFIG, else $XDG_CONFIG_HOME/tokentray/config.toml.
func ConfigPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("TOKENTRAY_CONFIG"); p != "" {
		return p
	}
	return DefaultConfigPath()
}

// DefaultConfigPath is $XDG_CONFIG_HOME/tokentray/config.toml.
func DefaultConfigPath() string {
	return filepath.Join(xdg.ConfigHome, "tokentray", "config.toml")
}

// SocketPath is where the unix socket is: the --socket flag when given,
// else $TOKENTRAY_SOCKET, else $XDG_RUNTIME_DIR/tokentray/tokentray.sock
// (on Windows %LOCALAPPDATA%\tokentray\tokentray.sock: the user's own
// folder, where the socket directory gets an ACL that admits only them).
// Without XDG_RUNTIME_DIR it is in a per-user directory under the temp dir
// (/tmp/tokentray-<uid>/tokentray.sock), which anyone can create first:
// socket.EnsureSocketDir and the socket client refuse it then.
func SocketPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("TOKENTRAY_SOCKET"); p != "" {
		return p
	}
	return DefaultSocketPath()
}

// DefaultSocketPath is where the socket is without --socket or
// TOKENTRAY_SOCKET (see SocketPath).
func DefaultSocketPath() string {
	if runtime.GOOS == "windows" {
		if dir, err := os.UserCacheDir(); err == nil { // %LOCALAPPDATA%
			return filepath.Join(dir, "tokentray", "tokentray.sock")
		}
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "tokentray", "tokentray.sock")
	}
	return filepath.Join(os.TempDir(), "tokentray-"+strconv.Itoa(os.Getuid()), "tokentray.sock")
}

// StatePath is name in tokentray's folder of $XDG_STATE_HOME (logs, the
// file store): ~/.local/state/tokentray/NAME when the variable is unset.
func StatePath(name string) string {
	return filepath.Join(xdg.StateHome, "tokentray", name)
}

// AutostartPath is the XDG autostart entry that starts tokentray at login:
// $XDG_CONFIG_HOME/autostart/tokentray.desktop.
func AutostartPath() string {
	return filepath.Join(xdg.ConfigHome, "autostart", "tokentray.desktop")
}
