// Package platform holds the machine-facing pieces: the keychain Store, XDG
// paths, the browser opener and the unix-socket server and client.
package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/tokentray/tokentray/manager"
)

// KeychainService is the service name every tokentray item carries in the
// OS keychain (the "service" attribute in the Secret Service).
const KeychainService = "tokentray"

// keychainTimeout bounds one keychain call. The Secret Service can block
// indefinitely on an unlock prompt nobody answers; a slow answer is an error
// the engine can survive, a hang is not.
const keychainTimeout = 60 * time.Second

// probeTimeout bounds the check OpenStore makes at start-up.
const probeTimeout = 3 * time.Second

// Keychain is the manager.Store backed by the OS keychain (the Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows).
// Each environment has one JSON item of tokens and one item with the
// client secret.
type Keychain struct {
	service string
	limit   int // largest item value the platform accepts; 0 = no limit
	timeout time.Duration
}

var _ manager.Store = (*Keychain)(nil)

// NewKeychain returns the keychain store. It does not check that a keychain
// is reachable; OpenStore does.
func NewKeychain() *Keychain {
	return &Keychain{service: KeychainService, limit: platformItemLimit(), timeout: keychainTimeout}
}

// OpenStore returns the keychain store when the keychain answers, and
// otherwise an in-memory store with a one-line problem to show the user.
// It never blocks for longer than a few seconds.
func OpenStore() (manager.Store, string) {
	k := NewKeychain()
	if reason, detail := k.probe(); reason != "" {
		problem := reason + ": tokens are kept in memory only"
		if detail != nil {
			problem += " (" + detail.Error() + ")"
		}
		return manager.NewMemoryStore(), problem
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

// Persistent is true: what the keychain holds survives a restart.
func (k *Keychain) Persistent() bool { return true }

func tokensUser(env string) string { return "tokens:" + env }
func secretUser(env string) string { return "client-secret:" + env }

// LoadTokens returns the stored tokens of env, or (nil, nil) when there are
// none. An item it cannot read is an error and is left in place.
func (k *Keychain) LoadTokens(env string) (*manager.StoredTokens, error) {
	raw, err := k.get(tokensUser(env))
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keychain: load tokens of %s: %w", env, err)
	}
	t, err := decodeItem([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("keychain: the item %s/%s %s; it was left as is: run `tokentray logout %s` and log in again to replace it",
			k.service, tokensUser(env), err, env)
	}
	return t, nil
}

// SaveTokens stores t as env's item. When the item is too large for the
// platform it is stored without the access token: the refresh token is
// what must survive, a new access token is one refresh away.
func (k *Keychain) SaveTokens(env string, t manager.StoredTokens) error {
	data, err := fitItem(t, k.limit)
	if err != nil {
		return fmt.Errorf("keychain: save tokens of %s: %w", env, err)
	}
	err = k.setOnly(tokensUser(env), string(data))
	if errors.Is(err, keyring.ErrSetDataTooBig) && t.AccessToken != "" {
		// The platform's limit is smaller than we thought.
		data, err = json.Marshal(withoutAccessToken(t))
		if err == nil {
			err = k.setOnly(tokensUser(env), string(data))
		}
	}
	if err != nil {
		return fmt.Errorf("keychain: save tokens of %s: %w", env, err)
	}
	return nil
}

// DeleteTokens forgets env's tokens; deleting what is not there is fine.
func (k *Keychain) DeleteTokens(env string) error {
	if err := k.del(tokensUser(env)); err != nil {
		return fmt.Errorf("keychain: delete tokens of %s: %w", env, err)
	}
	return nil
}

// LoadSecret returns env's client secret, or "" when none is stored.
func (k *Keychain) LoadSecret(env string) (manager.Secret, error) {
	raw, err := k.get(secretUser(env))
	if errors.Is(err, keyring.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("keychain: load client secret of %s: %w", env, err)
	}
	return manager.Secret(raw), nil
}

// SaveSecret stores env's client secret; an empty secret deletes it.
func (k *Keychain) SaveSecret(env string, s manager.Secret) error {
	if s == "" {
		return k.DeleteSecret(env)
	}
	if err := k.setOnly(secretUser(env), s.Reveal()); err != nil {
		return fmt.Errorf("keychain: save client secret of %s: %w", env, err)
	}
	return nil
}

// DeleteSecret forgets env's client secret; deleting what is not there is fine.
func (k *Keychain) DeleteSecret(env string) error {
	if err := k.del(secretUser(env)); err != nil {
		return fmt.Errorf("keychain: delete client secret of %s: %w", env, err)
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

// fitItem encodes t as a keychain item of at most limit bytes (no limit when
// limit <= 0). If t is too large it drops the access token and what
// describes it, keeping the refresh token; if even that does not fit it is
// an error.
func fitItem(t manager.StoredTokens, limit int) ([]byte, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || len(data) <= limit {
		return data, nil
	}
	full := len(data)
	if t.AccessToken != "" {
		data, err = json.Marshal(withoutAccessToken(t))
		if err != nil {
			return nil, err
		}
		if len(data) <= limit {
			return data, nil
		}
	}
	return nil, fmt.Errorf("the tokens take %d bytes (%d without the access token), more than the %d bytes the keychain takes per item",
		full, len(data), limit)
}

func withoutAccessToken(t manager.StoredTokens) manager.StoredTokens {
	t.AccessToken, t.TokenType, t.ExpiresAt = "", "", time.Time{}
	return t
}

// itemFields are the fields of a tokens item, each with where to decode it.
func itemFields(t *manager.StoredTokens) map[string]any {
	return map[string]any{
		"refresh_token":   &t.RefreshToken,
		"access_token":    &t.AccessToken,
		"token_type":      &t.TokenType,
		"expires_at":      &t.ExpiresAt,
		"scopes":          &t.Scopes,
		"refresh_started": &t.RefreshStarted,
	}
}

// decodeItem parses a tokens item strictly: an item of another shape (a
// newer or older tokentray, another program) is an error rather than tokens
// with fields silently missing. The errors name only fields this version
// knows, never a value or an unknown field's name: both are the item's
// content, and the item may hold tokens or whatever someone put there.
func decodeItem(raw []byte) (*manager.StoredTokens, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(&fields)
	if err == nil {
		if _, next := dec.Token(); next != io.EOF {
			return nil, errors.New("has data after the JSON object")
		}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &syntaxErr):
		return nil, fmt.Errorf("is not JSON (error at byte %d)", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		return nil, errors.New("is JSON but not an object")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, errors.New("is empty or cut short")
	default:
		return nil, errors.New("is not a JSON object this version can read")
	}
	if fields == nil { // null
		return nil, errors.New("holds no tokens")
	}
	t := &manager.StoredTokens{}
	known := itemFields(t)
	unknown := 0
	for name, value := range fields {
		dst, ok := known[name]
		if !ok {
			unknown++
			continue
		}
		if err := json.Unmarshal(value, dst); err != nil {
			return nil, fmt.Errorf("has a field %q of the wrong type or form", name)
		}
	}
	if unknown > 0 {
		return nil, fmt.Errorf("has a shape this version does not know (%d unknown field(s))", unknown)
	}
	if t.RefreshToken == "" && t.AccessToken == "" {
		return nil, errors.New("holds no tokens")
	}
	return t, nil
}
