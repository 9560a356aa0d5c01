package manager

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Stored tokens and the client secret belong to the origin of the token
// endpoint they were issued by or given for. When an edit points the
// token endpoint somewhere else, the tokens are forgotten (the new
// endpoint never sees the refresh token) and the client secret goes there
// only after the user confirms (Options.Confirm), or is set again.

// originOf is scheme://host[:port] of rawURL, lowercased, default ports
// dropped; "" when it has none.
func originOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// configuredOrigin is the token endpoint's origin as far as the config
// says, without discovery: the token URL, else the issuer.
func (e *environment) configuredOrigin() string {
	if e.cfg.TokenURL != "" {
		return originOf(e.cfg.TokenURL)
	}
	return originOf(e.cfg.Issuer)
}

// tokensMoved says why stored tokens of another origin were dropped.
func tokensMoved(from, to string) string {
	return fmt.Sprintf("the token endpoint moved from %s to %s; the tokens of %s are never sent there", from, to, from)
}

// forgetMovedTokens drops tokens issued by another origin than the token
// endpoint's now, from memory and the store. e.mu must not be held.
func (e *environment) forgetMovedTokens(from, to string) {
	e.m.log.Warn("forgot the tokens of an earlier token endpoint; sign in again", "env", e.cfg.Name, "from", from, "to", to)
	e.forgetTokens(tokensMoved(from, to))
}

// forgetTokens drops the tokens (and the DPoP key kept with them) from
// memory and the store, saying why until the next login. e.mu must not
// be held.
func (e *environment) forgetTokens(why string) {
	e.tokenWrite.Lock()
	e.mu.Lock()
	e.tok = nil
	e.gen++
	e.moved = why
	e.mu.Unlock()
	err := e.m.store.DeleteTokens(e.cfg.Name)
	e.tokenWrite.Unlock()
	if err != nil {
		e.m.log.Warn("could not delete the forgotten tokens", "env", e.cfg.Name, "why", why, "err", err)
	}
	e.changed(EventNeedsLogin, e.cfg.Name+": "+why)
}

// dpopTurnedOff says why DPoP-bound tokens were dropped.
const dpopTurnedOff = "dpop was turned off, so the tokens bound to its key were forgotten"

// checkTokenOrigin is called before the stored refresh token goes to the
// token endpoint at origin: tokens of another origin are forgotten, and
// tokens saved before origins were kept are taken to belong to it.
// False when the tokens were forgotten.
func (e *environment) checkTokenOrigin(origin string) bool {
	e.mu.Lock()
	t := e.tok
	if t == nil || t.origin == origin {
		e.mu.Unlock()
		return true
	}
	if t.origin == "" {
		t.origin = origin
		e.mu.Unlock()
		return true
	}
	from := t.origin
	e.mu.Unlock()
	e.forgetMovedTokens(from, origin)
	return false
}

// clientSecret is the client secret to send to the token endpoint at
// origin. A secret given for another origin is sent only once the user
// has confirmed it (then it is bound to the new origin); a secret stored
// before origins were kept is bound to the first origin it meets.
func (e *environment) clientSecret(ctx context.Context, origin string) (Secret, error) {
	e.mu.Lock()
	secret, bound := e.secret, e.secretOrigin
	e.mu.Unlock()
	if secret == "" || bound == origin {
		return secret, nil
	}
	if bound != "" {
		q := Question{Env: e.cfg.Name, Action: ActionSendSecret,
			Detail: fmt.Sprintf("its token endpoint moved from %s to %s", bound, origin)}
		if err := e.m.confirm(ctx, q); err != nil {
			e.mu.Lock()
			e.secretRefused = fmt.Sprintf("the client secret was given for %s; it is not sent to %s unless you confirm it or set it again", bound, origin)
			e.mu.Unlock()
			e.changed(EventState, "")
			return "", &ActionError{Env: e.cfg.Name, Err: fmt.Errorf("%s: %w (%s)", e.cfg.Name, ErrUnconfigured, e.secretRefusedReason()), Next: Next{Action: NextSetSecret}}
		}
		e.m.log.Info("the client secret may go to the new token endpoint", "env", e.cfg.Name, "origin", origin)
	}
	if err := e.m.store.SaveSecret(e.cfg.Name, StoredSecret{Value: secret, Origin: origin}); err != nil {
		// Used for this origin in memory all the same: the user said yes.
		e.m.log.Warn("could not note the client secret's token endpoint in the store", "env", e.cfg.Name, "err", err)
	}
	e.mu.Lock()
	if e.secret == secret {
		e.secretOrigin, e.secretRefused = origin, ""
	}
	e.mu.Unlock()
	return secret, nil
}

// secretRefusedReason is why the client secret is held back, "" when it
// is not. e.mu must not be held.
func (e *environment) secretRefusedReason() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.secretRefused
}
