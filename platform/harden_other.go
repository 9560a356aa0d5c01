//go:build !linux

package platform

// Harden does nothing here: PR_SET_DUMPABLE is Linux only, and the macOS and
// Windows builds leave crash dumps to the system's own settings.
func Harden() error { return nil }
