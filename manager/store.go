package manager

import (
	"encoding/json"
	"time"
)

// StoredTokens is what the Store keeps per environment.
type StoredTokens struct {
	RefreshToken string    `json:"refresh_token,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	// IssuedAt is when the access token was obtained, so that the cap of
	// the refresh margin at half the lifetime holds after a restart too.
	IssuedAt time.Time `json:"issued_at,omitzero"`
	Scopes   []string  `json:"scopes,omitempty"`
	// Origin is the token endpoint (scheme://host:port) that issued the
	// tokens. They are never sent anywhere else: when the endpoint moves,
	// they are forgotten. "" for items saved before origins were kept.
	Origin string `json:"origin,omitempty"`
	// RefreshStarted is set while a refresh is at the provider. A rotating
	// provider replaces the refresh token the moment it answers; when
	// tokentray dies before saving that answer, the next start finds the
	// mark and checks the refresh token at once instead of handing out an
	// access token the provider may have revoked with it.
	RefreshStarted time.Time `json:"refresh_started,omitzero"`
	// DPoPKey is the private JWK (P-256) the tokens are bound to (dpop =
	// true, RFC 9449): kept with them so the binding survives a restart,
	// and dropped with them at logout.
	DPoPKey json.RawMessage `json:"dpop_key,omitempty"`
}

// StoredSecret is an environment's client secret as the Store keeps it.
type StoredSecret struct {
	Value Secret
	// Origin is the token endpoint origin the secret was given for; it is
	// sent nowhere else without the user's yes. "" for a secret stored
	// before origins were kept: it is bound to the first origin it meets.
	Origin string
}

// Store persists tokens and client secrets. It follows the Zepto callback
// contract: LoadTokens returns (nil, nil) for "never authorized"; an error
// is treated by the engine as "no tokens" and never leads to a delete.
type Store interface {
	LoadTokens(env string) (*StoredTokens, error)
	SaveTokens(env string, t StoredTokens) error
	DeleteTokens(env string) error
	LoadSecret(env string) (StoredSecret, error) // the zero StoredSecret when none is stored
	SaveSecret(env string, s StoredSecret) error
	DeleteSecret(env string) error
}

// NewMemoryStore keeps everything in memory: the fallback when there is no
// keychain, and the store of tests that are not about the keychain.
func NewMemoryStore() *VaultStore { return NewVaultStore(&memoryVault{}) }
