package socket

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tokentray/tokentray/config"
)

// TokenAnswer is the body of the token and refresh endpoints:
// {"access_token", "token_type", "expires_at", "expires_in"}, and "dpop"
// when the read named a request (?htm=&htu=) and the token is DPoP-bound.
// The token and the proof are config.Secrets so that printing or logging
// the struct redacts them; only the JSON encoding, which is the answer
// itself, carries them.
type TokenAnswer struct {
	AccessToken config.Secret
	TokenType   string
	ExpiresAt   time.Time
	ExpiresIn   int64 // seconds left when the answer was made
	// DPoP is a DPoP proof (RFC 9449) for the one request the read named:
	// send it as the DPoP header, with "Authorization: DPoP <token>".
	DPoP config.Secret
}

type tokenAnswerJSON struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	ExpiresIn   int64     `json:"expires_in"`
	DPoP        string    `json:"dpop,omitempty"`
}

// NewTokenAnswer builds the answer for a token of typ that expires at
// expiresAt, as of now.
func NewTokenAnswer(token config.Secret, typ string, expiresAt, now time.Time) TokenAnswer {
	in := int64(expiresAt.Sub(now) / time.Second)
	if expiresAt.IsZero() || in < 0 {
		in = 0
	}
	return TokenAnswer{AccessToken: token, TokenType: TokenTypeOrDefault(typ), ExpiresAt: expiresAt, ExpiresIn: in}
}

// WireJSON is the answer as sent; the server encodes it directly (the hot path).
func (a TokenAnswer) WireJSON() any {
	return tokenAnswerJSON{a.AccessToken.Reveal(), a.TokenType, a.ExpiresAt, a.ExpiresIn, a.DPoP.Reveal()}
}

func (a TokenAnswer) MarshalJSON() ([]byte, error) { return json.Marshal(a.WireJSON()) }

func (a *TokenAnswer) UnmarshalJSON(b []byte) error {
	var j tokenAnswerJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = TokenAnswer{config.Secret(j.AccessToken), j.TokenType, j.ExpiresAt, j.ExpiresIn, config.Secret(j.DPoP)}
	return nil
}

// DPoPHeaders are the two header lines that send a DPoP-bound token with
// its proof: "Authorization: DPoP <token>" and "DPoP: <proof>" (for
// `tokentray token --format header --for "METHOD URL"`).
func (a TokenAnswer) DPoPHeaders() string {
	return AuthorizationHeader(a.TokenType, a.AccessToken.Reveal()) + "\nDPoP: " + a.DPoP.Reveal()
}

// Error codes of the socket API ({"error": code, "message": ...}).
const (
	CodeUnknownEnvironment = "unknown_environment"
	CodeNeedsLogin         = "needs_login"
	CodeUnconfigured       = "unconfigured"
	CodeLoginInProgress    = "login_in_progress"
	CodeLoginCanceled      = "login_canceled"
	CodeProviderError      = "provider_error"
	CodeBadRequest         = "bad_request"
	CodeNotFound           = "not_found"
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeTooLarge           = "request_too_large"
	CodeTimeout            = "timeout"
	CodeForbidden          = "forbidden"
	CodeInternal           = "internal"
	CodeTooManySubscribers = "too_many_subscribers"
	CodeTooManyConnections = "too_many_connections"
	CodeInvalidConfig      = "invalid_config"    // 400, with Problems
	CodeNoClipboard        = "no_clipboard"      // 409: the host has no clipboard (a daemon)
	CodeNoWindow           = "no_window"         // 409: the host has no window (a daemon)
	CodeNoAutostart        = "no_autostart"      // 409: the host cannot start at login (a daemon)
	CodeNoConfigFile       = "no_config_file"    // 409: the host runs without a config file to write
	CodeDenied             = "denied"            // 403: a guarded read or change the user did not allow
	CodeLocked             = "locked"            // 409: the file store waits for its passphrase (POST /v1/unlock)
	CodeWrongPassphrase    = "wrong_passphrase"  // 403: POST /v1/unlock with the wrong passphrase
	CodeNotLocked          = "not_locked"        // 409: POST /v1/unlock while nothing is locked
	CodeNoHandover         = "no_handover"       // 409: POST /v1/handover to a tokentray that does not hand over
	CodeInvalidSecret      = "invalid_secret"    // 400: the secret does not fit the auth_style (a key that does not parse, ...)
	CodeUnverifiedCaller   = "unverified_caller" // 403: a proxied read (via=proxy) whose connection could not be checked
)

// Problem is one thing wrong with a PUT body: the key (as the config
// file spells it) and what is wrong with it.
type Problem struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

// PresetInfo is one entry of GET /v1/presets: what the preset fills (as
// the config file's keys) and which keys the user must still give.
type PresetInfo struct {
	Name         string             `json:"name"`
	Title        string             `json:"title"`
	Flow         config.Flow        `json:"flow"`
	Fills        config.Environment `json:"fills"`
	Needs        []string           `json:"needs"`
	ScopeChoices []string           `json:"scope_choices,omitempty"`
	Notes        string             `json:"notes,omitempty"`
}

// Settings is the body and answer of GET and PUT /v1/settings. Durations
// are Go duration strings ("45s", "5m"); Theme is the window's colours; a
// PUT may leave fields out.
type Settings struct {
	ClipboardClear string `json:"clipboard_clear,omitempty"`
	RefreshMargin  string `json:"refresh_margin,omitempty"`
	GuardWindow    string `json:"guard_window,omitempty"`
	Theme          string `json:"theme,omitempty"` // "system", "light" or "dark"
	StartAtLogin   *bool  `json:"start_at_login,omitempty"`
}

// HostInfo is GET /v1/host: what the process behind the socket offers,
// so the window can say "no clipboard or tray (daemon)".
type HostInfo struct {
	Clipboard  bool   `json:"clipboard"`
	Tray       bool   `json:"tray"`
	Window     bool   `json:"window"`
	Keychain   bool   `json:"keychain"`
	ConfigPath string `json:"config_path"`
}

// CopyRequest is the body of POST /v1/environments/{name}/copy.
type CopyRequest struct {
	Format string `json:"format"` // "raw" (default) or "header"
}

// WindowRequest is the optional body of POST /v1/window.
type WindowRequest struct {
	// Form is WindowFormAdd to open the window on the Add environment
	// form; "" opens (or shows) the window as it is.
	Form string `json:"form,omitempty"`
}

// WindowFormAdd is WindowRequest.Form for the Add environment form.
const WindowFormAdd = "add"

// LoginRequest is the optional body of POST /v1/environments/{name}/login.
type LoginRequest struct {
	// OpenBrowser makes the host open the authorization URL itself
	// (the window's and tray's Authorize).
	OpenBrowser bool `json:"open_browser"`
}

// CopyAnswer is the answer of POST /v1/environments/{name}/copy.
type CopyAnswer struct {
	ClearsIn int64 `json:"clears_in"` // seconds until the host clears the clipboard
}

// APIError is an error answer of the socket API.
type APIError struct {
	Status   int       `json:"-"`
	Code     string    `json:"error"`
	Message  string    `json:"message"`
	Problems []Problem `json:"problems,omitempty"` // invalid_config: every problem
	// Summary is, for a provider's failure, the message without the
	// environment's name, for views that name the environment already
	// ("can't reach go.example.com: timeout").
	Summary string `json:"summary,omitempty"`
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("tokentray answered %s (HTTP %d)", e.Code, e.Status)
	}
	return e.Message
}
