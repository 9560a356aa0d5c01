package manager

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tokentray/tokentray/config"
)

// ProviderAnswer is the provider's own answer to a token request that
// failed: its HTTP status and its words, which integrators need when they
// talk to the provider's support (as Postman shows the raw response).
// The words come from outside and may echo what was sent, so they are
// kept printable and bounded, with the environment's secrets and
// anything shaped like a JWT taken out (providerError).
type ProviderAnswer struct {
	StatusCode  int
	Code        string // the OAuth "error"
	Description string // the OAuth "error_description"
	// Body is the start of an answer that is not an OAuth error (a
	// proxy's error page, a plain-text 502).
	Body string
	Host string
	Time time.Time // when it answered
}

// maxAnswerText bounds each text of a ProviderAnswer.
const maxAnswerText = 2 * config.MaxShown

// maxAnswerRead bounds what is kept of a raw answer before it is
// cleaned: redaction must see a secret whole, so the cut comes after it.
const maxAnswerRead = 4096

// redactedMark replaces a secret in the provider's words.
const redactedMark = "[redacted]"

// jwtShaped matches a JWT (an access token, a client assertion, a DPoP
// proof) in text from the provider.
var jwtShaped = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`)

// providerError is err as a ProviderError whose provider words hold none
// of e's secrets (client secret, refresh and access token, in the forms
// a request carries them) nor the one-time secrets the request sent
// (sent: an authorization code, a PKCE verifier, a device code), and are
// printable and bounded. Every engine path that turns a provider failure
// into an error goes through it.
func (e *environment) providerError(err error, sent ...string) *ProviderError {
	pe := asProviderError(e.cfg.Name, err)
	e.mu.Lock()
	secrets := append([]string{e.secret.Reveal()}, sent...)
	if e.tok != nil {
		secrets = append(secrets, e.tok.refresh.Reveal(), e.tok.access.Reveal())
	}
	if e.secret != "" { // the client_secret_basic header's credentials
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(e.cfg.ClientID)+":"+url.QueryEscape(e.secret.Reveal()))))
	}
	e.mu.Unlock()
	clean := func(s string) string { return config.Printable(redact(s, secrets), maxAnswerText) }
	pe.Description, pe.Body = clean(pe.Description), clean(pe.Body)
	return pe
}

// redact takes secrets (as they are, URL-encoded, and base64-encoded)
// and JWT-shaped strings out of s.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) < 4 { // "" and the like would match everywhere
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.RawURLEncoding.EncodeToString([]byte(secret))} {
			s = strings.ReplaceAll(s, form, redactedMark)
		}
	}
	return jwtShaped.ReplaceAllString(s, redactedMark)
}

// answerOf is what the status keeps of pe: nil when no answer came (the
// provider could not be reached).
func answerOf(pe *ProviderError, at time.Time) *ProviderAnswer {
	if pe == nil || pe.StatusCode == 0 {
		return nil
	}
	return &ProviderAnswer{StatusCode: pe.StatusCode, Code: pe.Code, Description: pe.Description, Body: pe.Body,
		Host: config.Printable(pe.Host, 0), Time: at}
}

// answerText is the raw text x/oauth2 kept of an answer, bounded.
func answerText(b []byte) string {
	if len(b) > maxAnswerRead {
		b = b[:maxAnswerRead]
	}
	return strings.TrimSpace(string(b))
}
