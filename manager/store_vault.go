package manager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Vault keeps named items: the OS keychain, an encrypted file, memory.
// It knows nothing of tokens; VaultStore gives the items their shape.
type Vault interface {
	Load(item string) ([]byte, error) // (nil, nil) when the item is not there
	Save(item string, value []byte) error
	Delete(item string) error // deleting what is not there is fine
	// Limit is the largest item the vault takes, in bytes; 0 for no limit.
	Limit() int
	// Where names an item for a person: "the keychain item tokentray/tokens:prod".
	Where(item string) string
}

// VaultStore is the Store over a Vault: one JSON item of tokens per
// environment ("tokens:ENV") and the client secret as its own item
// ("client-secret:ENV"), as other Secret Service clients see them.
type VaultStore struct {
	v Vault
}

// NewVaultStore keeps the engine's tokens and secrets in v.
func NewVaultStore(v Vault) *VaultStore { return &VaultStore{v: v} }

func tokensItem(env string) string { return "tokens:" + env }
func secretItem(env string) string { return "client-secret:" + env }

// LoadTokens returns the stored tokens of env, or (nil, nil) when there are
// none. An item it cannot read is an error and is left in place.
func (s *VaultStore) LoadTokens(env string) (*StoredTokens, error) {
	raw, err := s.v.Load(tokensItem(env))
	if err != nil {
		return nil, fmt.Errorf("load tokens of %s: %w", env, err)
	}
	if raw == nil {
		return nil, nil
	}
	t, err := decodeTokensItem(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %s; it was left as is: sign %s out and in again to replace it",
			s.v.Where(tokensItem(env)), err, env)
	}
	return t, nil
}

// SaveTokens stores t as env's item. When the item is too large for the
// vault it is stored without the access token: the refresh token is what
// must survive, a new access token is one refresh away.
func (s *VaultStore) SaveTokens(env string, t StoredTokens) error {
	data, err := fitTokensItem(t, s.v.Limit())
	if err == nil {
		err = s.v.Save(tokensItem(env), data)
	}
	var big interface{ ItemTooBig() bool }
	if errors.As(err, &big) && big.ItemTooBig() && t.AccessToken != "" {
		// The vault's limit is smaller than it said.
		if data, err = json.Marshal(withoutAccessToken(t)); err == nil {
			err = s.v.Save(tokensItem(env), data)
		}
	}
	if err != nil {
		return fmt.Errorf("save tokens of %s: %w", env, err)
	}
	return nil
}

// DeleteTokens forgets env's tokens.
func (s *VaultStore) DeleteTokens(env string) error {
	if err := s.v.Delete(tokensItem(env)); err != nil {
		return fmt.Errorf("delete tokens of %s: %w", env, err)
	}
	return nil
}

// secretItemPrefix marks a client secret item that carries its origin.
// Items written before origins were kept hold the bare secret.
const secretItemPrefix = "tokentray-secret-v2\n"

type secretItemJSON struct {
	Secret string `json:"secret"`
	Origin string `json:"origin,omitempty"`
}

// LoadSecret returns env's client secret, the zero StoredSecret when none
// is stored.
func (s *VaultStore) LoadSecret(env string) (StoredSecret, error) {
	raw, err := s.v.Load(secretItem(env))
	if err != nil {
		return StoredSecret{}, fmt.Errorf("load client secret of %s: %w", env, err)
	}
	if raw == nil {
		return StoredSecret{}, nil
	}
	body, ok := bytes.CutPrefix(raw, []byte(secretItemPrefix))
	if !ok {
		return StoredSecret{Value: Secret(raw)}, nil // an item of an earlier version: the bare secret
	}
	var item secretItemJSON
	if err := json.Unmarshal(body, &item); err != nil || item.Secret == "" {
		return StoredSecret{}, fmt.Errorf("%s is not a client secret this version can read; it was left as is: set the client secret of %s again to replace it",
			s.v.Where(secretItem(env)), env)
	}
	return StoredSecret{Value: Secret(item.Secret), Origin: item.Origin}, nil
}

// SaveSecret stores env's client secret; an empty secret deletes it.
func (s *VaultStore) SaveSecret(env string, secret StoredSecret) error {
	if secret.Value == "" {
		return s.DeleteSecret(env)
	}
	body, err := json.Marshal(secretItemJSON{Secret: secret.Value.Reveal(), Origin: secret.Origin})
	if err == nil {
		err = s.v.Save(secretItem(env), append([]byte(secretItemPrefix), body...))
	}
	if err != nil {
		return fmt.Errorf("save client secret of %s: %w", env, err)
	}
	return nil
}

// DeleteSecret forgets env's client secret.
func (s *VaultStore) DeleteSecret(env string) error {
	if err := s.v.Delete(secretItem(env)); err != nil {
		return fmt.Errorf("delete client secret of %s: %w", env, err)
	}
	return nil
}

// fitTokensItem encodes t as an item of at most limit bytes (no limit
// when limit <= 0). If t is too large it drops the access token and what
// describes it, keeping the refresh token; if even that does not fit it
// is an error.
func fitTokensItem(t StoredTokens, limit int) ([]byte, error) {
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
	return nil, fmt.Errorf("the tokens take %d bytes (%d without the access token), more than the %d bytes the store takes per item",
		full, len(data), limit)
}

func withoutAccessToken(t StoredTokens) StoredTokens {
	t.AccessToken, t.TokenType, t.ExpiresAt, t.IssuedAt = "", "", time.Time{}, time.Time{}
	return t
}

// tokensItemFields are the fields of a tokens item, each with where to
// decode it.
func tokensItemFields(t *StoredTokens) map[string]any {
	return map[string]any{
		"refresh_token":   &t.RefreshToken,
		"access_token":    &t.AccessToken,
		"token_type":      &t.TokenType,
		"expires_at":      &t.ExpiresAt,
		"issued_at":       &t.IssuedAt,
		"scopes":          &t.Scopes,
		"origin":          &t.Origin,
		"refresh_started": &t.RefreshStarted,
		"dpop_key":        &t.DPoPKey,
	}
}

// decodeTokensItem parses a tokens item strictly: an item of another
// shape (a newer or older tokentray, another program) is an error rather
// than tokens with fields silently missing. The errors name only fields
// this version knows, never a value or an unknown field's name: both are
// the item's content, and the item may hold tokens or whatever someone
// put there.
func decodeTokensItem(raw []byte) (*StoredTokens, error) {
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
	t := &StoredTokens{}
	known := tokensItemFields(t)
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

// memoryVault keeps items in memory: the vault of NewMemoryStore.
type memoryVault struct {
	mu    sync.Mutex
	items map[string][]byte
}

func (m *memoryVault) Load(item string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.items[item]), nil
}

func (m *memoryVault) Save(item string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string][]byte{}
	}
	m.items[item] = bytes.Clone(value)
	return nil
}

func (m *memoryVault) Delete(item string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, item)
	return nil
}

func (m *memoryVault) Limit() int               { return 0 }
func (m *memoryVault) Where(item string) string { return "the in-memory item " + item }
