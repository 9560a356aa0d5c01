package manager

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/tokentray/tokentray/config"
)

// Errors of a pasted authorization response. The socket maps them to its
// error codes; the messages say what to paste instead.
var (
	// ErrNoLoginRunning: there is no authorization code login to finish.
	ErrNoLoginRunning = errors.New("no authorization is running")
	// ErrStateMismatch: the pasted URL carries another login's state.
	ErrStateMismatch = errors.New("state mismatch")
	// ErrUnusablePaste: the pasted text is neither a redirect URL with a
	// code or an error nor a bare code.
	ErrUnusablePaste = errors.New("not an authorization response")
)

// maxPaste bounds what is parsed: a real redirect URL is a few hundred bytes.
const maxPaste = 16 << 10

// startPasteLogin starts an authorization code login whose redirect URI is
// not loopback (an integrator's own https:// callback, where tokentray
// cannot listen). No listener is started: the user pastes the URL the
// browser ended on, or the code, and CompleteLogin finishes the login.
func (e *environment) startPasteLogin(ctx context.Context) (LoginInfo, error) {
	s, sctx, err := e.beginCodeLogin(ctx, e.cfg.RedirectURI)
	if err != nil {
		return LoginInfo{}, err
	}
	e.watchTimeout(s, sctx)
	return s.info, nil
}

// CompleteLogin finishes name's running authorization code login with what
// the user pasted: the full URL the browser ended on (its state must be
// this login's; a URL without state is refused), or the bare code, which
// is accepted as typed since only the user can paste it. A pasted error response (error=access_denied, ...)
// ends the login with that error. A wrong state or unusable text is refused
// and leaves the login running, so the right URL can still be pasted.
//
// The code is redeemed with the login's PKCE verifier, bounded by the
// engine's provider timeout rather than ctx: a client that goes away must
// not leave a half-finished login. It returns once the tokens are stored
// or the login has ended with an error.
func (m *Manager) CompleteLogin(ctx context.Context, name, pasted string) error {
	e, err := m.env(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.completeLogin(pasted)
}

func (e *environment) completeLogin(pasted string) error {
	name := e.cfg.Name
	e.mu.Lock()
	s := e.session
	e.mu.Unlock()
	if s == nil || s.grant == nil {
		return fmt.Errorf("%s: %w: start it with login first, then paste the URL the browser ends on", name, ErrNoLoginRunning)
	}
	g := s.grant
	params, isURL, err := parsePaste(pasted)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if g.issuer != "" && params.Has("iss") && params.Get("iss") != g.issuer {
		return fmt.Errorf("%s: the pasted response came from an unexpected issuer %s (%w)", name, config.Printable(params.Get("iss"), 64), ErrUnusablePaste)
	}
	oauthErr, code := params.Get("error"), params.Get("code")
	if oauthErr == "" && code == "" {
		return fmt.Errorf("%s: the pasted URL has neither code= nor error= (%w); paste the whole URL the browser ended on after you approved", name, ErrUnusablePaste)
	}
	// A URL must carry this login's state: one without any could be a
	// response to someone else's request. A bare code has no state, and
	// only the user can paste it.
	if isURL && !params.Has("state") {
		return fmt.Errorf("%s: the pasted URL has no state= (%w); paste the whole URL the browser ended on, or the code alone", name, ErrStateMismatch)
	}
	if isURL && !g.stateMatches(params.Get("state")) {
		return fmt.Errorf("%s: the pasted URL does not belong to the sign-in tokentray started (%w); paste the URL of the latest sign-in, or start it again", name, ErrStateMismatch)
	}
	if !g.claim() {
		return fmt.Errorf("%s: this sign-in has already been handled (%w)", name, ErrNoLoginRunning)
	}
	if oauthErr != "" {
		return e.refuse(s, oauthErr, params.Get("error_description"))
	}
	return e.redeem(s, g, code)
}

// parsePaste reads what the user pasted: a URL (its query, or its fragment
// when the query is empty), a bare query string ("code=...&state=..."), or
// a bare code. isURL is false for a bare code.
func parsePaste(pasted string) (params url.Values, isURL bool, err error) {
	p := strings.TrimSpace(pasted)
	switch {
	case p == "":
		return nil, false, fmt.Errorf("nothing was pasted (%w): paste the URL the browser ended on, or the code", ErrUnusablePaste)
	case len(p) > maxPaste:
		return nil, false, fmt.Errorf("the pasted text is longer than %d bytes (%w): paste only the URL the browser ended on", maxPaste, ErrUnusablePaste)
	}
	var query string
	switch {
	case strings.Contains(p, "://"):
		u, perr := url.Parse(p)
		if perr != nil {
			return nil, false, fmt.Errorf("the pasted URL does not parse (%w): paste it exactly as the address bar shows it", ErrUnusablePaste)
		}
		query = u.RawQuery
		if query == "" {
			query = u.Fragment
		}
	case strings.HasPrefix(p, "?"), strings.Contains(p, "="):
		query = strings.TrimPrefix(p, "?")
	default:
		if strings.IndexFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return nil, false, fmt.Errorf("the pasted code has spaces in it (%w): paste the URL the browser ended on, or the code alone", ErrUnusablePaste)
		}
		return url.Values{"code": {p}}, false, nil
	}
	params, perr := url.ParseQuery(query)
	if perr != nil {
		return nil, false, fmt.Errorf("the pasted URL's parameters do not parse (%w): paste it exactly as the address bar shows it", ErrUnusablePaste)
	}
	return params, true, nil
}
