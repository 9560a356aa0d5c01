package manager

import (
	"time"

	"github.com/tokentray/tokentray/config"
)

// State is where one environment stands. The values are part of the
// socket and `status --json` contract.
type State string

const (
	StateUnconfigured State = "unconfigured" // missing client id or secret
	StateNeedsLogin   State = "needs_login"
	StateAuthorizing  State = "authorizing"
	StateValid        State = "valid"
	StateRefreshing   State = "refreshing"
	StateExpired      State = "expired"
	StateError        State = "error"
)

// NeedsAttention reports whether the user has to act (tray icon, notifications).
func (s State) NeedsAttention() bool {
	return s == StateNeedsLogin || s == StateError || s == StateExpired
}

// Status is a snapshot of one environment for views. It never holds a secret.
type Status struct {
	Name          string      `json:"name"`
	Preset        string      `json:"preset,omitempty"`
	Flow          config.Flow `json:"flow"`
	State         State       `json:"state"`
	ExpiresAt     *time.Time  `json:"expires_at"`           // nil when no access token
	ExpiresIn     int64       `json:"expires_in,omitempty"` // seconds, at snapshot time
	IssuedAt      *time.Time  `json:"issued_at,omitempty"`  // when the current token was obtained
	Scopes        []string    `json:"scopes"`               // asked for
	GrantedScopes []string    `json:"granted_scopes,omitempty"`
	MissingScopes []string    `json:"missing_scopes,omitempty"` // asked for, not granted
	HasRefresh    bool        `json:"has_refresh_token"`
	Persistent    bool        `json:"persistent"` // false: tokens live in memory only
	Error         string      `json:"error,omitempty"`
	Warning       string      `json:"warning,omitempty"`
	NextStep      string      `json:"next_step,omitempty"` // what the user should do, for anything not valid
	Claims        *Claims     `json:"claims,omitempty"`    // decoded, unverified JWT claims
	Login         *LoginInfo  `json:"login,omitempty"`     // while authorizing
}

// Token is an access token handed to a caller.
type Token struct {
	AccessToken Secret
	TokenType   string
	ExpiresAt   time.Time
}

// LoginInfo tells the user where to authorize. For the device flow the
// user code and verification URI are set as well.
type LoginInfo struct {
	AuthorizationURL        string    `json:"authorization_url"`
	UserCode                string    `json:"user_code,omitempty"`
	VerificationURI         string    `json:"verification_uri,omitempty"`
	VerificationURIComplete string    `json:"verification_uri_complete,omitempty"`
	ExpiresAt               time.Time `json:"expires_at"`
}

// Claims are the readable parts of a JWT access token. They are shown,
// never verified or trusted.
type Claims struct {
	Subject   string    `json:"sub,omitempty"`
	Issuer    string    `json:"iss,omitempty"`
	Audience  []string  `json:"aud,omitempty"`
	Scopes    []string  `json:"scopes,omitempty"`
	IssuedAt  time.Time `json:"iat,omitempty"`
	ExpiresAt time.Time `json:"exp,omitempty"`
}
