package ui

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// What the card says about the provider: a refresh that hangs there, a
// scope change that a new sign-in would bring, and the provider's own
// error answer behind Details. The words are the socket's view helpers,
// shared with the command line and the tray.

// cardWaiting says what a hanging refresh waits for, counting seconds:
// "Waiting for go.sandbox.zeptopayments.com — 12 s (gives up after 30 s)".
func cardWaiting(s socket.Status, now time.Time) string {
	return capitalized(socket.WaitingText(s.Waiting, now))
}

// cardReauthorize words the reauthorize step with the card's own button.
func cardReauthorize(s socket.Status) string {
	verb := "sign in again with " + labelAuthorize
	if s.Flow == config.FlowClientCredentials {
		verb = "choose " + labelRefresh
	}
	return socket.ReauthorizeText(verb, s.Next)
}

// scopeWarning says what changed about the scopes: the config asks for
// ones the current token was not issued with, or the provider did not
// grant some that were asked for; "" when neither.
func scopeWarning(s socket.Status) string {
	if s.Reauthorize() {
		return "The config now asks for " + socket.ScopeList(s.Next.Scopes) + ", which the current token was not issued with."
	}
	if len(s.MissingScopes) > 0 {
		return "Not granted: " + strings.Join(s.MissingScopes, ", ") + "."
	}
	return ""
}

// withReauthorize puts Authorize after the copy buttons of a valid card
// whose scopes changed (client credentials get theirs with Refresh).
func withReauthorize(out []*focusButton, authorize *focusButton, s socket.Status) []*focusButton {
	if !s.Reauthorize() || s.Flow == config.FlowClientCredentials {
		return out
	}
	authorize.Importance = widget.HighImportance // the step the card asks for
	return slices.Insert(out, 2, authorize)
}

// providerDetails is the provider's own answer to the request that
// failed last, for the Details disclosure.
func providerDetails(s socket.Status) string {
	if text := socket.ProviderAnswerText(s.ProviderError); text != "" {
		return "Provider's answer: " + text
	}
	return ""
}

// capitalized starts text with a capital letter (no full stop added:
// see sentence).
func capitalized(text string) string {
	if text == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(text)
	return string(unicode.ToUpper(r)) + text[n:]
}
