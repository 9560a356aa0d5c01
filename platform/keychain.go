// Package platform holds the machine-facing pieces: the keychain Store, XDG
// paths, the browser opener and the unix-socket server and client.
package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/zalando/go-keyring"
)

// KeychainService is the service name every tokentray item carries in the
// OS keychain (the "service" attribute in the Secret Service).
const KeychainService = "tokentray"

// keychainTimeout bounds one keychain call. The Secret Service can block
// indefinitely on an unlock prompt nobody answers; a slow answer is an error
// the engine can survive (a failed read is retried, a failed save kept in
// memory and retried), a hang is not. Long enough to type a password into
// an unlock prompt.
const keychainTimeout = 15 * time.Second

// probeTimeout bounds the check OpenStore makes at start-up.
const probeTimeout = 3 * time.Second

// Keychain keeps named items in the OS keychain (the Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows), each under the
// service "tokentray" with the item's name as the user: what the engine
// stores there (manager.VaultStore) is its own business.
type Keychain struct {
	service string
	limit   int // largest item value the platform accepts; 0 = no limit
	timeout time.Duration
}

// NewKeychain returns the keychain. It does not check that a keychain is
// reachable; OpenKeychain does.
func NewKeychain() *Keychain {
	return &Keychain{service: KeychainService, limit: platformItemLimit(), timeout: keychainTimeout}
}

// OpenKeychain returns the keychain when it answers, and otherwise nil
// and a one-line problem to show the user. It never blocks for longer
// than a few seconds.
func OpenKeychain() (*Keychain, string) {
	k := NewKeychain()
	if reason, detail := k.probe(); reason != "" {
		problem := reason
		if detail != nil {
			problem += " (" + detail.Error() + ")"
		}
		return nil, problem
	}
	return k, ""
}

// probe reads an item that does not exist: "not found" means the keychain
// works. Otherwise it returns what is wrong in words for the user, and the
// error behind it if there is one.
func (k *Keychain) probe() (reason string, detail error) {
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" && !sessionBusKnown() {
		// Without an address the D-Bus library would run dbus-launch and
		// start a bus of its own, with no keyring on it.
		return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)", nil
	}
	done := make(chan error, 1)
	go func() { // may outlive the timeout; it ends when the keychain answers
		_, err := keyring.Get(k.service, "probe")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, keyring.ErrNotFound) {
			return "", nil
		}
		if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
			return "the keychain is not available", err
		}
		return "no Secret Service on the session bus (is gnome-keyring running?)", err
	case <-time.After(probeTimeout):
		return fmt.Sprintf("the keychain did not answer within %s (is it locked?)", probeTimeout), nil
	}
}

// sessionBusKnown reports whether a D-Bus session bus address is set or can
// be found where the D-Bus library looks for one.
func sessionBusKnown() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// Limit is the largest item the platform's keychain takes; 0 for none.
func (k *Keychain) Limit() int { return k.limit }

// Where names an item as other Secret Service clients (secret-tool) find it.
func (k *Keychain) Where(item string) string {
	return "the keychain item " + k.service + "/" + item
}

// Load returns item's value, or (nil, nil) when there is none.
func (k *Keychain) Load(item string) ([]byte, error) {
	v, err := k.get(item)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keychain: read %s: %w", item, err)
	}
	return []byte(v), nil
}

// Save stores value as item, replacing every other item of that name.
func (k *Keychain) Save(item string, value []byte) error {
	err := k.setOnly(item, string(value))
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return tooBigError{fmt.Errorf("keychain: save %s: %w", item, err)}
	}
	if err != nil {
		return fmt.Errorf("keychain: save %s: %w", item, err)
	}
	return nil
}

// tooBigError says the platform refused an item for its size: its limit
// is smaller than platformItemLimit thought (manager.VaultStore then
// saves the tokens without the access token).
type tooBigError struct{ error }

func (tooBigError) ItemTooBig() bool { return true }
func (e tooBigError) Unwrap() error  { return e.error }

// Delete forgets every item of that name; deleting what is not there is fine.
func (k *Keychain) Delete(item string) error {
	if err := k.del(item); err != nil {
		return fmt.Errorf("keychain: delete %s: %w", item, err)
	}
	return nil
}

func (k *Keychain) get(user string) (string, error) {
	var v string
	err := k.call(func() error {
		var err error
		v, err = keyring.Get(k.service, user)
		return err
	})
	return v, err
}

func (k *Keychain) set(user, value string) error {
	return k.call(func() error { return keyring.Set(k.service, user, value) })
}

// maxDuplicates bounds how many items of one name del removes: another
// program (or secret-tool with extra attributes) can store several items
// that all match, and keyring.Delete removes one at a time.
const maxDuplicates = 32

// del removes every item of user, not just the first the keychain finds:
// a logout that left a second, older item behind would bring it back.
func (k *Keychain) del(user string) error {
	for range maxDuplicates {
		err := k.call(func() error { return keyring.Delete(k.service, user) })
		if errors.Is(err, keyring.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return fmt.Errorf("more than %d items named %s/%s; remove them with secret-tool", maxDuplicates, k.service, user)
}

// setOnly stores value as user's item and removes any other item of that
// name that the keychain would answer with first: otherwise a stale or
// malformed duplicate keeps shadowing what was just saved.
func (k *Keychain) setOnly(user, value string) error {
	if err := k.set(user, value); err != nil {
		return err
	}
	for range maxDuplicates {
		got, err := k.get(user)
		if err != nil || got == value {
			return err
		}
		// get and Delete both take the first match: the shadowing one.
		if err := k.call(func() error { return keyring.Delete(k.service, user) }); err != nil {
			return err
		}
	}
	return fmt.Errorf("more than %d items named %s/%s; remove them with secret-tool", maxDuplicates, k.service, user)
}

// call runs f with the store's timeout. On timeout f keeps running in the
// background and its result is dropped.
func (k *Keychain) call(f func() error) error {
	timeout := k.timeout
	if timeout <= 0 {
		timeout = keychainTimeout
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return fmt.Errorf("the keychain did not answer within %s; unlock it and try again", timeout)
	}
}

// platformItemLimit is the largest item value (bytes) the platform's
// keychain accepts, a little under what go-keyring checks, since its checks
// also count the service and user names. 0 means no limit.
func platformItemLimit() int {
	switch runtime.GOOS {
	case "windows":
		return 2560 // Credential Manager's CredentialBlob
	case "darwin":
		return 2900 // 4096-byte command line holding the base64 value
	default:
		return 0 // the Secret Service has no practical limit
	}
}
