package socket

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// The words every view (the command line, the window's card, the tray)
// uses for a hanging refresh, a provider's error answer and a scope
// change, so they say the same thing.

// WaitingText says what a hanging refresh waits for: "waiting for
// go.sandbox.zeptopayments.com — 12 s (gives up after 30 s)"; "" when w
// is nil.
func WaitingText(w *Waiting, now time.Time) string {
	if w == nil {
		return ""
	}
	text := "waiting for " + w.Host + " — " + seconds(now.Sub(w.Since))
	if w.Timeout > 0 {
		text += " (gives up after " + seconds(time.Duration(w.Timeout)*time.Second) + ")"
	}
	return text
}

// seconds says a short duration in seconds ("12 s"), a longer one as
// FormatTimeLeft does ("1m 30s").
func seconds(d time.Duration) string {
	d = max(d, 0).Truncate(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return FormatTimeLeft(d)
}

// ProviderAnswerText is the provider's answer on one line, for details:
// "go.example.com answered HTTP 400 invalid_scope at 10:42:13: The
// requested scope is invalid"; "" when a is nil.
func ProviderAnswerText(a *ProviderAnswer) string {
	if a == nil {
		return ""
	}
	who := a.Host
	if who == "" {
		who = "the provider"
	}
	text := fmt.Sprintf("%s answered HTTP %d", who, a.Status)
	if a.Error != "" {
		text += " " + a.Error
	}
	if !a.Time.IsZero() {
		text += " at " + a.Time.Local().Format("15:04:05")
	}
	if words := cmp.Or(a.Description, a.Body); words != "" {
		text += ": " + words
	}
	return text
}

// ReauthorizeText words the reauthorize step after a view's own verb:
// ReauthorizeText("Sign in again", n) is "Sign in again to get write;
// the current token keeps working until then".
func ReauthorizeText(verb string, n *Next) string {
	return verb + " to get " + ScopeList(n.Scopes) + "; the current token keeps working until then"
}

// ScopeList names scopes in a sentence: "write", "write and admin",
// "read, write and admin"; "the new scopes" for none.
func ScopeList(scopes []string) string {
	switch len(scopes) {
	case 0:
		return "the new scopes"
	case 1:
		return scopes[0]
	}
	return strings.Join(scopes[:len(scopes)-1], ", ") + " and " + scopes[len(scopes)-1]
}
