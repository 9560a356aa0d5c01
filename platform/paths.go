package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
// else $TOKENTRAY_SOCKET, else $XDG_RUNTIME_DIR/tokentray/tokentray.sock.
// Without XDG_RUNTIME_DIR it is in a per-user directory under the temp dir
// (/tmp/tokentray-<uid>/tokentray.sock), which EnsureSocketDir makes private.
func SocketPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("TOKENTRAY_SOCKET"); p != "" {
		return p
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(dir) {
		xdgMu.Lock()
		defer xdgMu.Unlock()
		xdg.Reload()
		return filepath.Join(xdg.RuntimeDir, "tokentray", "tokentray.sock")
	}
	return filepath.Join(os.TempDir(), "tokentray-"+strconv.Itoa(os.Getuid()), "tokentray.sock")
}

// EnsureSocketDir makes the directory that will hold the socket at
// socketPath (the socket's path, not the directory's) and makes sure only
// this user can reach it: it is created 0700; an existing one must be a
// real directory owned by this user. A tokentray directory with looser
// permissions is tightened to 0700; any other directory with looser
// permissions (say /tmp, for --socket /tmp/x.sock) is refused rather than
// changed.
func EnsureSocketDir(socketPath string) error {
	dir := filepath.Dir(socketPath)
	err := os.Mkdir(dir, 0o700)
	switch {
	case err == nil:
		// Mkdir applies the umask; say exactly what we mean.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("socket directory %s: %w", dir, err)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		// A missing parent (a --socket path in a new directory tree).
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create socket directory %s: %w", dir, err)
		}
		return os.Chmod(dir, 0o700)
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create socket directory %s: %w", dir, err)
	}

	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory (a symlink or file); remove it or pick another --socket path", dir)
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to you (uid %d); remove it or pick another --socket path", dir, uid, os.Getuid())
	}
	if fi.Mode().Perm() == 0o700 {
		return nil
	}
	if !strings.HasPrefix(filepath.Base(dir), "tokentray") {
		return fmt.Errorf("socket directory %s can be reached by other users (mode %04o); put the socket in a private directory (chmod 700) or pick another --socket path",
			dir, fi.Mode().Perm())
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("make socket directory %s private: %w", dir, err)
	}
	return nil
}
