package manager

import (
	"slices"

	"github.com/tokentray/tokentray/config"
)

// When the config asks for scopes the current token was not issued with
// (the user added "write"), the token is still valid and still handed
// out: the state stays valid, and the next step says that a new
// authorization gets the new scopes (NextReauthorize). A provider that
// was asked for them and did not grant them is not asked again in a
// loop: that is a flag (Status.MissingScopes), not a step.

// scopesToAskFor lists the configured scopes a new authorization would
// add to the current token: those the provider did not grant, unless it
// was asked for them when it issued the token. e.mu must be held.
func (e *environment) scopesToAskFor() []string {
	if e.tok == nil {
		return nil
	}
	var more []string
	for _, s := range e.missingScopes() {
		if !slices.Contains(e.tok.asked, s) {
			more = append(more, s)
		}
	}
	return more
}

// missingScopes are the configured scopes the provider did not grant the
// current token; none when nothing is known of what it holds. e.mu must
// be held.
func (e *environment) missingScopes() []string {
	t := e.tok
	if t == nil || len(t.granted) == 0 {
		return nil
	}
	var missing []string
	for _, s := range e.cfg.Scopes {
		if !slices.Contains(t.granted, s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// askedScopes are the scopes the request that brought ts asked for: a
// refresh asks for none of its own (RFC 6749 §6: the grant's scopes
// stay), so it keeps what the tokens it replaces were asked with; a
// login or a client-credentials request asks for the configured ones.
// e.mu must be held.
func (e *environment) askedScopes(refreshed bool) []string {
	if refreshed && e.cfg.Flow != config.FlowClientCredentials {
		if e.tok == nil {
			return nil
		}
		return e.tok.asked
	}
	return slices.Clone(e.cfg.Scopes)
}
