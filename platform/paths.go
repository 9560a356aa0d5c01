package platform

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/adrg/xdg"
)

// xdgMu guards xdg.Reload, which rewrites the xdg package's variables.
var xdgMu sync.Mutex

// ConfigPath is where the config file is: the --config flag when given,
// else $TOKENTRAY_CONFIG, else $XDG_CONFIG_HOME/tokentray/config.toml.
func ConfigPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("TOKENTRAY_CONFIG"); p != "" {
		return p
	}
	xdgMu.Lock()
	defer xdgMu.Unlock()
	xdg.Reload() // xdg reads the environment once at init; tests change it
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
	if runtime.GOOS == "windows" {
		if dir, err := os.UserCacheDir(); err == nil { // %LOCALAPPDATA%
			return filepath.Join(dir, "tokentray", "tokentray.sock")
		}
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(dir) {
		xdgMu.Lock()
		defer xdgMu.Unlock()
		xdg.Reload()
		return filepath.Join(xdg.RuntimeDir, "tokentray", "tokentray.sock")
	}
	return filepath.Join(os.TempDir(), "tokentray-"+strconv.Itoa(os.Getuid()), "tokentray.sock")
}
