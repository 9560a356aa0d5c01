package manager

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/tokentray/tokentray/config"
)

// Errors callers branch on. The socket maps them to its error codes.
var (
	ErrUnknownEnvironment = errors.New("unknown environment")
	ErrNeedsLogin         = errors.New("needs login")
	ErrUnconfigured       = errors.New("environment is not configured")
	ErrLoginInProgress    = errors.New("authorization already in progress")
	ErrLoginCanceled      = errors.New("authorization canceled")
	ErrLocked             = errors.New("the store is locked")
)

// ActionError is an engine error the user fixes with a known step. The
// engine only names the step; each view words it (the socket appends the
// command line's words to its message).
type ActionError struct {
	Env  string
	Err  error // what is wrong; wraps ErrNeedsLogin, ErrUnconfigured, ...
	Next Next
}

func (e *ActionError) Error() string { return e.Err.Error() }
func (e *ActionError) Unwrap() error { return e.Err }

// ProviderError is a failed call to the provider: a transport error, a
// 5xx, or an OAuth error response such as invalid_grant.
type ProviderError struct {
	Env  string
	Code string // OAuth error code ("invalid_grant"), "" for transport errors
	// Description is the provider's error_description, if it sent one.
	Description string
	// Body is the start of an answer that is not an OAuth error, "" for
	// one that is (provider_answer.go cleans both).
	Body       string
	StatusCode int    // HTTP status, 0 when no response arrived
	Host       string // the host that was asked, when known
	// Cause is a transport failure in a few words ("connection refused",
	// "timeout", "TLS certificate not trusted"); "" when the provider answered.
	Cause string
	// Hint is what the environment's preset says about this failure
	// (CampaignFlow's 404: ask for your token URL), said after it.
	Hint string
	Err  error
}

// Error is Summary with the environment's name in front.
func (e *ProviderError) Error() string { return e.Env + ": " + e.Summary() }

// Summary says what went wrong without the environment's name (views show
// it next to the name already) and without the transport's noise, with
// the preset's hint after it. The provider's words (code, description)
// are shown only printable and short: they reach terminals, logs and
// notifications.
func (e *ProviderError) Summary() string {
	if e.Hint != "" {
		return e.problem() + "; " + e.Hint
	}
	return e.problem()
}

func (e *ProviderError) problem() string {
	switch {
	case e.Code != "" && e.Description != "":
		return fmt.Sprintf("provider answered %s (HTTP %d): %s", config.Printable(e.Code, 64), e.StatusCode, config.Printable(e.Description, 0))
	case e.Code != "":
		return fmt.Sprintf("provider answered %s (HTTP %d)", config.Printable(e.Code, 64), e.StatusCode)
	case e.StatusCode != 0:
		return fmt.Sprintf("provider answered HTTP %d", e.StatusCode)
	case e.Cause != "" && e.Host != "":
		return fmt.Sprintf("can't reach %s: %s", config.Printable(e.Host, 0), e.Cause)
	case e.Cause != "":
		return "provider unreachable: " + e.Cause
	}
	var netErr net.Error
	if errors.As(e.Err, &netErr) {
		return "provider unreachable: " + config.Printable(innermost(e.Err), 0)
	}
	return "the provider's answer could not be used: " + config.Printable(fmt.Sprint(e.Err), 0)
}

// transportCause names a failure that kept the request from getting an
// answer, in a few words; "" when err is not one.
func transportCause(err error) string {
	var dns *net.DNSError
	var tlsRecord tls.RecordHeaderError
	var tlsVerify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var badCert x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "host not found"
		}
		return "DNS lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "network unreachable"
	case errors.As(err, &tlsVerify), errors.As(err, &unknownCA), errors.As(err, &badHost), errors.As(err, &badCert):
		return "TLS certificate not trusted"
	case errors.As(err, &tlsRecord):
		return "TLS handshake failed"
	}
	return ""
}

// errorHost is the host a failed HTTP request went to, when err says.
func errorHost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return hostOf(ue.URL)
	}
	return ""
}

// innermost is the last error in err's chain: the cause without the
// `Post "…": dial tcp …` wrapping.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
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
	case e.Code == "use_dpop_nonce":
		// Asked again after one retry with the new nonce: the nonce moved
		// on meanwhile; the next try, with the latest one, may pass.
		return true
	case e.Code != "":
		return false
	}
	return e.StatusCode == 0
}
