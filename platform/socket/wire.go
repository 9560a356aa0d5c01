package socket

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tokentray/tokentray/manager"
)

// TokenAnswer is the body of the token and refresh endpoints:
// {"access_token", "token_type", "expires_at", "expires_in"}. The token is a
// manager.Secret so that printing or logging the struct redacts it; only
// the JSON encoding, which is the answer itself, carries it.
type TokenAnswer struct {
	AccessToken manager.Secret
	TokenType   string
	ExpiresAt   time.Time
	ExpiresIn   int64 // seconds left when the answer was made
}

type tokenAnswerJSON struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresAt   time.Time `json:"expires_at"`
	ExpiresIn   int64     `json:"expires_in"`
}

// NewTokenAnswer builds the answer for t as of now.
func NewTokenAnswer(t manager.Token, now time.Time) TokenAnswer {
	in := int64(t.ExpiresAt.Sub(now) / time.Second)
	if t.ExpiresAt.IsZero() || in < 0 {
		in = 0
	}
	return TokenAnswer{AccessToken: t.AccessToken, TokenType: manager.TokenTypeOrDefault(t.TokenType), ExpiresAt: t.ExpiresAt, ExpiresIn: in}
}

// wire is the answer as sent; the server encodes it directly (the hot path).
func (a TokenAnswer) wire() tokenAnswerJSON {
	return tokenAnswerJSON{a.AccessToken.Reveal(), a.TokenType, a.ExpiresAt, a.ExpiresIn}
}

func (a TokenAnswer) MarshalJSON() ([]byte, error) { return json.Marshal(a.wire()) }

func (a *TokenAnswer) UnmarshalJSON(b []byte) error {
	var j tokenAnswerJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = TokenAnswer{manager.Secret(j.AccessToken), j.TokenType, j.ExpiresAt, j.ExpiresIn}
	return nil
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
)

// APIError is an error answer of the socket API.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("tokentray answered %s (HTTP %d)", e.Code, e.Status)
	}
	return e.Message
}
