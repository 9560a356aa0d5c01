package socket

import (
	"time"

	"github.com/tokentray/tokentray/config"
)

// The socket's view of the engine: what GET /v1/environments and
// /v1/events carry, and what every view (the command line, the window,
// the tray) reads. The server fills these from the engine's snapshots;
// nothing here imports the engine, so the window links none.

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
	StateLoading      State = "loading" // its secret and tokens are still being read from the store
	StateLocked       State = "locked"  // the file store waits for its passphrase (`tokentray unlock`)
)

// NeedsAttention reports whether the user has to act (tray icon, notifications).
func (s State) NeedsAttention() bool {
	return s == StateNeedsLogin || s == StateError || s == StateExpired || s == StateLocked
}

// Status is a snapshot of one environment. It never holds a secret.
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
	TokenType     string      `json:"token_type,omitempty"` // of the access token: "Bearer", "DPoP" (every use needs a proof)
	Persistent    bool        `json:"persistent"`           // false: tokens live in memory only
	Store         string      `json:"store"`                // where its secrets and tokens live: "keychain", "file" or "memory"
	Error         string      `json:"error,omitempty"`
	Warning       string      `json:"warning,omitempty"`
	Next          *Next       `json:"next,omitempty"`      // what the user should do, for anything not valid
	NextStep      string      `json:"next_step,omitempty"` // Next in the command line's words (NextStepText)
	Claims        *Claims     `json:"claims,omitempty"`    // decoded, unverified JWT claims
	Login         *LoginInfo  `json:"login,omitempty"`     // while authorizing
	LastRead      *Read       `json:"last_read,omitempty"` // the newest entry of the read log
	Guarded       bool        `json:"guarded,omitempty"`   // guard = "confirm": reads wait for the user's yes
	// Held says why a hand edit of this (guarded) environment is not
	// applied yet: it waits for the user's answer.
	Held string `json:"held,omitempty"`
	// RefreshFailing: the token is still valid but refreshing it fails;
	// Next (retry) says when the engine tries again.
	RefreshFailing bool `json:"refresh_failing,omitempty"`
	// Proxy is the address of the local proxy the host runs for it
	// (proxy_listen): "http://127.0.0.1:8181". ProxyProblem says why it
	// does not run when it should ("127.0.0.1:8181 is in use").
	Proxy        string `json:"proxy,omitempty"`
	ProxyProblem string `json:"proxy_problem,omitempty"`
	// Waiting is set while a refresh has been at the provider for more
	// than a few seconds: a provider that hangs (WaitingText words it).
	Waiting *Waiting `json:"waiting,omitempty"`
	// ProviderError is the provider's own answer to the token request
	// that failed last, until a request succeeds or the user signs out:
	// what integrators quote to the provider's support.
	ProviderError *ProviderAnswer `json:"provider_error,omitempty"`
}

// Waiting is a refresh that has been at the provider for a while.
type Waiting struct {
	Host    string    `json:"host"`    // the provider's host
	Since   time.Time `json:"since"`   // when the refresh started
	Timeout int64     `json:"timeout"` // seconds after Since when the engine gives up
}

// ProviderAnswer is what the provider answered to a failed token
// request, printable, bounded and without any token or secret.
type ProviderAnswer struct {
	Status      int       `json:"status"`                // HTTP status
	Error       string    `json:"error,omitempty"`       // the OAuth error code ("invalid_scope")
	Description string    `json:"description,omitempty"` // the OAuth error_description
	Body        string    `json:"body,omitempty"`        // the start of an answer that is no OAuth error
	Host        string    `json:"host,omitempty"`
	Time        time.Time `json:"time"`
}

// UsableFor says whether s holds an access token that stays valid for at
// least margin after now: the one rule every view asks.
func (s Status) UsableFor(now time.Time, margin time.Duration) bool {
	return s.ExpiresAt != nil && now.Add(margin).Before(*s.ExpiresAt)
}

// Reauthorize says whether the config asks for scopes the valid token
// lacks (the next step is a new authorization that gets them).
func (s Status) Reauthorize() bool {
	return s.Next != nil && s.Next.Action == NextReauthorize
}

// NextAction is what the user should do next ("next": {"action": ...});
// each view words it itself.
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
	NextUnlock           NextAction = "unlock"            // give the file store its passphrase
	// NextReauthorize: the config asks for scopes (Next.Scopes) the
	// current token lacks; a new authorization (for client credentials, a
	// new token) gets them. The current token stays valid and served.
	NextReauthorize NextAction = "reauthorize"
)

// Next is a typed next step with the data a view needs to word it.
type Next struct {
	Action  NextAction `json:"action"`
	Key     string     `json:"key,omitempty"`      // NextEditConfig: the missing config key
	RetryAt *time.Time `json:"retry_at,omitempty"` // NextRetry, NextCheckNetwork: the next attempt
	Scopes  []string   `json:"scopes,omitempty"`   // NextReauthorize: the scopes it would add
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

// Read is one entry of the read log: when a token was handed out, to
// which program, how, and whether the read waited for a refresh. For
// tokentray's own command line the program is the one that ran it and
// Through is the command. It never holds the token.
//
// Consecutive reads by one program the same way are one entry: count of
// them, the first at first and the latest at time.
type Read struct {
	Time      time.Time `json:"time"`
	First     time.Time `json:"first,omitzero"` // when count > 1
	Count     int       `json:"count"`
	PID       int32     `json:"pid"`
	UID       uint32    `json:"uid"`
	Exe       string    `json:"exe"`
	Cmdline   string    `json:"cmdline"`
	Through   string    `json:"through,omitempty"` // "tokentray token prod"
	Via       string    `json:"via,omitempty"`     // "copy", "tray", "proxy"; "" for a plain read
	Refreshed bool      `json:"refreshed"`
}

// EventKind says what happened. Views mostly re-read Status on any event;
// the kinds exist for notifications.
type EventKind string

const (
	EventState         EventKind = "state"                // an environment's Status changed
	EventLoginDone     EventKind = "login_done"           // authorization finished, tokens stored
	EventLoginFailed   EventKind = "login_failed"         // authorization denied, timed out or canceled
	EventNeedsLogin    EventKind = "needs_login"          // the refresh token was rejected
	EventRefreshFailed EventKind = "refresh_failed"       // a refresh failed; retrying with backoff
	EventUnreachable   EventKind = "provider_unreachable" // failing for longer than a few minutes
	EventWarning       EventKind = "warning"              // e.g. a save to the keychain failed
	EventConfig        EventKind = "config"               // environments added, removed or changed
	EventRead          EventKind = "read"                 // a token was handed out; Read says to whom (no Status)
)

// Event is one change of /v1/events, with the environment's Status after
// it (or, for EventRead, the read).
type Event struct {
	Kind    EventKind `json:"kind"`
	Env     string    `json:"env,omitempty"`
	Status  *Status   `json:"status,omitempty"`
	Message string    `json:"message,omitempty"`
	Read    *Read     `json:"read,omitempty"`
	Time    time.Time `json:"time"`
}
