package manager

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/tokentray/tokentray/config"
)

// Errors callers branch on. The socket maps them to its error codes.
var (
	ErrUnknownEnvironment = errors.New("unknown environment")
	ErrNeedsLogin         = errors.New("needs login")
	ErrUnconfigured       = errors.New("environment is not configured")
	ErrLoginInProgress    = errors.New("authorization already in progress")
	ErrLoginCanceled      = errors.New("authorization canceled")
)

// ProviderError is a failed call to the provider: a transport error, a
// 5xx, or an OAuth error response such as invalid_grant.
type ProviderError struct {
	Env  string
	Code string // OAuth error code ("invalid_grant"), "" for transport errors
	// Description is the provider's error_description, if it sent one.
	Description string
	StatusCode  int // HTTP status, 0 when no response arrived
	Err         error
}

// Error shows the provider's words (code, description, the transport's
// error, which may quote the answer) only printable and short: they reach
// terminals, logs and notifications.
func (e *ProviderError) Error() string {
	switch {
	case e.Code != "" && e.Description != "":
		return fmt.Sprintf("%s: provider answered %s (HTTP %d): %s", e.Env, config.Printable(e.Code, 64), e.StatusCode, config.Printable(e.Description, 0))
	case e.Code != "":
		return fmt.Sprintf("%s: provider answered %s (HTTP %d)", e.Env, config.Printable(e.Code, 64), e.StatusCode)
	case e.StatusCode != 0:
		return fmt.Sprintf("%s: provider answered HTTP %d", e.Env, e.StatusCode)
	}
	var netErr net.Error // *url.Error from the HTTP client is one
	if errors.As(e.Err, &netErr) || errors.Is(e.Err, context.DeadlineExceeded) {
		return fmt.Sprintf("%s: provider unreachable: %s", e.Env, config.Printable(fmt.Sprint(e.Err), 0))
	}
	return fmt.Sprintf("%s: the provider's answer could not be used: %s", e.Env, config.Printable(fmt.Sprint(e.Err), 0))
}

func (e *ProviderError) Unwrap() error { return e.Err }

// Temporary reports whether retrying may help: transport errors, timeouts,
// 5xx and 429 (whatever error code comes with them: a rate limit often says
// temporarily_unavailable), and the codes that say so by name. Other OAuth
// errors such as invalid_grant are final.
func (e *ProviderError) Temporary() bool {
	switch {
	case e.StatusCode >= 500, e.StatusCode == 429:
		return true
	case e.Code == "temporarily_unavailable", e.Code == "server_error":
		return true
	case e.Code != "":
		return false
	}
	return e.StatusCode == 0
}
