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
	Next          *Next       `json:"next,omitempty"`      // what the user should do, for anything not valid
	NextStep      string      `json:"next_step,omitempty"` // Next in the command line's words; filled by the socket, not the engine
	Claims        *Claims     `json:"claims,omitempty"`    // decoded, unverified JWT claims
	Login         *LoginInfo  `json:"login,omitempty"`     // while authorizing
	LastRead      *Read       `json:"last_read,omitempty"` // the newest entry of the read log (readlog.go)
	Guarded       bool        `json:"guarded,omitempty"`   // guard = "confirm": reads wait for the user's yes
	// Held says why a hand edit of this (guarded) environment is not
	// applied yet: it waits for the user's answer (Manager.Hold).
	Held string `json:"held,omitempty"`
	// RefreshFailing: the token is still valid but refreshing it fails;
	// Next (retry) says when the engine tries again.
	RefreshFailing bool `json:"refresh_failing,omitempty"`
}

// NextAction is what the user should do next. The values are part of the
// socket contract ("next": {"action": ...}); each view words them itself.
type NextAction string

const (
	NextLogin            NextAction = "login"             // authorize in the browser
	NextSetSecret        NextAction = "set_secret"        // store the client secret
	NextEditConfig       NextAction = "edit_config"       // add Next.Key to the config
	NextWaitForBrowser   NextAction = "wait_for_browser"  // finish the running authorization
	NextCheckCredentials NextAction = "check_credentials" // the provider refused the client: fix id/secret, then log in
	NextRetry            NextAction = "retry"             // the engine retries at RetryAt; the token is still valid
	NextCheckNetwork     NextAction = "check_network"     // the engine retries at RetryAt; the token has expired
	NextRefresh          NextAction = "refresh"           // expired: fetched on first use, or refresh now
)

// Next is a typed next step with the data a view needs to word it.
type Next struct {
	Action  NextAction `json:"action"`
	Key     string     `json:"key,omitempty"`      // NextEditConfig: the missing config key
	RetryAt *time.Time `json:"retry_at,omitempty"` // NextRetry, NextCheckNetwork: the next attempt
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
