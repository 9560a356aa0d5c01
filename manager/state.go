package manager

import (
	"strings"
	"time"

	"github.com/tokentray/tokentray/config"
)

// State is where one environment stands. The socket sends the values as
// they are (socket.State): they are part of its contract.
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
	StateLocked       State = "locked"  // the file store waits for its passphrase (Manager.Unlock)
)

// Status is a snapshot of one environment for views. It never holds a secret.
type Status struct {
	Name          string
	Preset        string
	Flow          config.Flow
	State         State
	ExpiresAt     *time.Time // nil when no access token
	ExpiresIn     int64      // seconds, at snapshot time
	IssuedAt      *time.Time // when the current token was obtained
	Scopes        []string   // asked for
	GrantedScopes []string
	MissingScopes []string // asked for, not granted
	HasRefresh    bool
	TokenType     string // of the access token, as the provider said ("DPoP": bound to the environment's key)
	Persistent    bool   // false: tokens live in memory only
	Store         string // where its secret and tokens live: "keychain", "file" or "memory"
	Error         string
	Warning       string
	Next          *Next      // what the user should do, for anything not valid
	Claims        *Claims    // decoded, unverified JWT claims
	Login         *LoginInfo // while authorizing
	LastRead      *Read      // the newest entry of the read log (readlog.go)
	Guarded       bool       // guard = "confirm": reads wait for the user's yes
	// Held says why a hand edit of this (guarded) environment is not
	// applied yet: it waits for the user's answer (Manager.Hold).
	Held string
	// RefreshFailing: the token is still valid but refreshing it fails;
	// Next (retry) says when the engine tries again.
	RefreshFailing bool
	// Proxy is the local proxy the host runs for it (proxy_listen), as
	// the host said (Manager.SetProxy).
	Proxy ProxyStatus
	// Waiting is set while a refresh has been at the provider for longer
	// than a few seconds (waiting.go).
	Waiting *Waiting
	// ProviderAnswer is the provider's own answer to the token request
	// that failed last, while that failure is what the status shows
	// (provider_answer.go).
	ProviderAnswer *ProviderAnswer
}

// NextAction is what the user should do next; the socket sends the values
// as they are ("next": {"action": ...}) and each view words them itself.
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
	// current token was not issued with; a new authorization (for client
	// credentials, a new token) gets them. The current token is valid
	// and handed out until then.
	NextReauthorize NextAction = "reauthorize"
)

// Next is a typed next step with the data a view needs to word it.
type Next struct {
	Action NextAction
	// Key is, for NextEditConfig, the missing config key; for
	// NextSetSecret, "private_key" when the store must hold a PEM private
	// key rather than a client secret.
	Key     string
	RetryAt *time.Time // NextRetry, NextCheckNetwork: the next attempt
	Scopes  []string   // NextReauthorize: the scopes a new authorization would add
}

// Token is an access token handed to a caller.
type Token struct {
	AccessToken Secret
	TokenType   string // as the provider said: "Bearer", "DPoP", ...
	ExpiresAt   time.Time
	// DPoPProof is a proof for ReadRequest.Proof's request, when the read
	// asked for one and the token is DPoP-bound; "" otherwise.
	DPoPProof Secret

	dpop *dpopKey // the key the token is bound to (nil: none)
}

// DPoPBound reports whether every use of the token needs a DPoP proof.
func (t Token) DPoPBound() bool {
	return t.dpop != nil && strings.EqualFold(t.TokenType, "DPoP")
}

// LoginInfo tells the user where to authorize. For the device flow the
// user code and verification URI are set as well.
type LoginInfo struct {
	AuthorizationURL        string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	ExpiresAt               time.Time
}

// Claims are the readable parts of a JWT access token. They are shown,
// never verified or trusted.
type Claims struct {
	Subject   string
	Issuer    string
	Audience  []string
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time
}
