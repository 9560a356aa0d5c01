package manager

import (
	"sync"
	"time"
)

// StoredTokens is what the Store keeps per environment.
type StoredTokens struct {
	RefreshToken string    `json:"refresh_token,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	Scopes       []string  `json:"scopes,omitempty"`
	// RefreshStarted is set while a refresh is at the provider. A rotating
	// provider replaces the refresh token the moment it answers; when
	// tokentray dies before saving that answer, the next start finds the
	// mark and checks the refresh token at once instead of handing out an
	// access token the provider may have revoked with it.
	RefreshStarted time.Time `json:"refresh_started,omitzero"`
}

// Store persists tokens and client secrets. It follows the Zepto callback
// contract: LoadTokens returns (nil, nil) for "never authorized"; an error
// is treated by the engine as "no tokens" and never leads to a delete.
type Store interface {
	LoadTokens(env string) (*StoredTokens, error)
	SaveTokens(env string, t StoredTokens) error
	DeleteTokens(env string) error
	LoadSecret(env string) (Secret, error) // "", nil when none is stored
	SaveSecret(env string, s Secret) error
	DeleteSecret(env string) error
	// Persistent is false for a store that forgets everything on exit.
	Persistent() bool
}

// MemoryStore keeps everything in memory: the fallback when there is no
// keychain, and the store of tests that are not about the keychain.
type MemoryStore struct {
	mu      sync.Mutex
	tokens  map[string]StoredTokens
	secrets map[string]Secret
}

func NewMemoryStore() *MemoryStore {
	return &MemoryStore{tokens: map[string]StoredTokens{}, secrets: map[string]Secret{}}
}

func (s *MemoryStore) LoadTokens(env string) (*StoredTokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[env]
	if !ok {
		return nil, nil
	}
	t.Scopes = append([]string(nil), t.Scopes...)
	return &t, nil
}

func (s *MemoryStore) SaveTokens(env string, t StoredTokens) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Scopes = append([]string(nil), t.Scopes...)
	s.tokens[env] = t
	return nil
}

func (s *MemoryStore) DeleteTokens(env string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, env)
	return nil
}

func (s *MemoryStore) LoadSecret(env string) (Secret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secrets[env], nil
}

func (s *MemoryStore) SaveSecret(env string, secret Secret) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[env] = secret
	return nil
}

func (s *MemoryStore) DeleteSecret(env string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.secrets, env)
	return nil
}

func (s *MemoryStore) Persistent() bool { return false }
