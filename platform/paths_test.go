package platform

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/adrg/xdg"
)

func TestConfigPathPrecedence(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name, flag, env, xdgConfig, want string
	}{
		{"flag wins", "/etc/flag.toml", "/env.toml", "/xdg", "/etc/flag.toml"},
		{"TOKENTRAY_CONFIG next", "", "/env.toml", "/xdg", "/env.toml"},
		{"XDG_CONFIG_HOME next", "", "", "/xdg", "/xdg/tokentray/config.toml"},
		{"HOME/.config last", "", "", "", filepath.Join(home, ".config", "tokentray", "config.toml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setOrUnset(t, "HOME", home)
			setOrUnset(t, "TOKENTRAY_CONFIG", tt.env)
			setOrUnset(t, "XDG_CONFIG_HOME", tt.xdgConfig)
			if got := ConfigPath(tt.flag); got != tt.want {
				t.Errorf("ConfigPath(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}

func TestSocketPathPrecedence(t *testing.T) {
	fallback := filepath.Join(os.TempDir(), "tokentray-"+strconv.Itoa(os.Getuid()), "tokentray.sock")
	tests := []struct {
		name, flag, env, runtimeDir, want string
	}{
		{"flag wins", "/x/flag.sock", "/env.sock", "/run/user/7", "/x/flag.sock"},
		{"TOKENTRAY_SOCKET next", "", "/env.sock", "/run/user/7", "/env.sock"},
		{"XDG_RUNTIME_DIR next", "", "", "/run/user/7", "/run/user/7/tokentray/tokentray.sock"},
		{"per-user temp dir without XDG_RUNTIME_DIR", "", "", "", fallback},
		{"relative XDG_RUNTIME_DIR is ignored", "", "", "run", fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setOrUnset(t, "TOKENTRAY_SOCKET", tt.env)
			setOrUnset(t, "XDG_RUNTIME_DIR", tt.runtimeDir)
			if got := SocketPath(tt.flag); got != tt.want {
				t.Errorf("SocketPath(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}

// setOrUnset sets key for the test, or unsets it when value is "".
// setOrUnset sets key for the test ("" unsets it) and has the xdg
// library read the environment again, as a new process would.
func setOrUnset(t *testing.T, key, value string) {
	t.Cleanup(xdg.Reload) // registered first, so it runs after Setenv's restore
	t.Setenv(key, value)  // restores the old value after the test
	if value == "" {
		os.Unsetenv(key)
	}
	xdg.Reload()
}
