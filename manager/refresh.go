package manager

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tokentray/tokentray/config"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// defaultLifetime is assumed when a token response has no expires_in.
const defaultLifetime = time.Hour

// providerTimeout bounds one refresh, whoever waits for it.
const providerTimeout = 60 * time.Second

// token returns a token valid for minValid, refreshing (single flight)
// when needed. A read that arrives while a refresh is at the provider
// waits for it (see flight), bounded by ctx; when that refresh fails, the
// old token is handed out if it is still valid for minValid.
func (e *environment) token(ctx context.Context, minValid time.Duration) (Token, error) {
	if err := e.ensureLoaded(); err != nil {
		return Token{}, err
	}
	var joined *flight
	retried := false
	for {
		now := e.m.clock.Now()
		e.mu.Lock()
		if err := e.unconfiguredError(); err != nil {
			e.mu.Unlock()
			return Token{}, err
		}
		if f := e.flight; f != nil {
			e.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return Token{}, fmt.Errorf("wait for the refresh of %s: %w", e.cfg.Name, ctx.Err())
			}
			joined = f
			continue
		}
		// A refresh this read waited for hands out its token, as to every
		// caller that joined it; a failed one leaves the old token if it
		// is still good enough.
		if e.tok.validFor(now, minValid) || (joined != nil && joined.err == nil && e.tok.validFor(now, 0)) {
			t := e.tok.token()
			e.mu.Unlock()
			return t, nil
		}
		canRefresh := e.cfg.Flow == config.FlowClientCredentials || (e.tok != nil && e.tok.refresh != "")
		seen := e.gen
		e.mu.Unlock()
		if joined != nil && joined.err != nil {
			return Token{}, joined.err // the refresh this read waited for failed
		}
		if !canRefresh {
			return Token{}, e.needsLoginError()
		}
		t, err := e.refreshAfter(ctx, seen)
		if err != nil || retried || e.generation() != seen || usableUntil(t.ExpiresAt, e.m.clock.Now(), minValid) {
			return t, err
		}
		// The flight this call joined was started by a caller that had
		// seen an older token and found the current one good enough
		// (refreshAfter): ask once more, for this caller's own need.
		retried = true
	}
}

func (e *environment) needsLoginError() error {
	return &ActionError{Env: e.cfg.Name, Err: fmt.Errorf("%s %w", e.cfg.Name, ErrNeedsLogin), Next: Next{Action: NextLogin}}
}

// refreshShared forces a refresh, joining one already running.
func (e *environment) refreshShared(ctx context.Context) (Token, error) {
	if err := e.ensureLoaded(); err != nil {
		return Token{}, err
	}
	for attempt := 0; ; attempt++ {
		e.mu.Lock()
		if err := e.unconfiguredError(); err != nil {
			e.mu.Unlock()
			return Token{}, err
		}
		seen := e.gen
		e.mu.Unlock()
		t, err := e.refreshAfter(ctx, seen)
		if err != nil || attempt > 0 || e.generation() != seen {
			return t, err
		}
		// Joined a flight that found the token replaced already (see
		// token): force this one.
	}
}

// refreshAfter runs one refresh per environment at a time. seen is the
// token generation the caller found wanting: a flight that starts after
// another caller already replaced that token hands out the new one
// instead of asking the provider again.
func (e *environment) refreshAfter(ctx context.Context, seen uint64) (Token, error) {
	ch := e.flights.DoChan("refresh", func() (any, error) {
		e.mu.Lock()
		if e.gen != seen && e.tok.validFor(e.m.clock.Now(), 0) {
			t := e.tok.token()
			e.mu.Unlock()
			return t, nil
		}
		e.mu.Unlock()
		return e.refreshNow()
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return Token{}, res.Err
		}
		return res.Val.(Token), nil
	case <-ctx.Done():
		return Token{}, fmt.Errorf("refresh %s: %w", e.cfg.Name, ctx.Err())
	}
}

// refreshNow asks the provider for a new token. Only the single flight calls it.
func (e *environment) refreshNow() (Token, error) {
	e.mu.Lock()
	if err := e.unconfiguredError(); err != nil {
		// A flight the scheduler started as the secret was refused (or
		// removed): nothing goes to the provider, and nobody is asked again.
		e.mu.Unlock()
		return Token{}, err
	}
	var refresh Secret
	if e.tok != nil {
		refresh = e.tok.refresh
	}
	since := e.gen
	if e.cfg.Flow != config.FlowClientCredentials && refresh == "" {
		e.mu.Unlock()
		return Token{}, e.needsLoginError()
	}
	e.beginFlight(e.m.clock.Now())
	e.mu.Unlock()
	e.changed(EventState, "")

	ctx, cancel := context.WithTimeout(e.ctx, providerTimeout)
	defer cancel()
	call, err := e.newTokenCall(ctx, "")
	origin := ""
	if err == nil {
		origin = call.origin
		e.atProvider(call.conf.Endpoint.TokenURL)
		if refresh != "" && !e.checkTokenOrigin(origin) {
			err = e.needsLoginError() // the refresh token belongs to another endpoint
		}
	}
	var ae *ActionError
	if errors.As(err, &ae) {
		e.endFlight(err) // nothing went to the provider: no retry
		return Token{}, err
	}
	if err != nil {
		return Token{}, e.failed(err)
	}
	if refresh != "" {
		e.markRefreshStarted()
	}
	e.m.checkpoint(e.cfg.Name, StepBeforeRequest)
	ot, err := e.fetch(call.context(ctx), call.conf, refresh)
	if err != nil {
		return Token{}, e.failed(err)
	}
	e.m.checkpoint(e.cfg.Name, StepAfterResponse)
	return e.accept(ot, refresh, origin, call.dpop, since)
}

// endFlight ends a refresh that stopped before reaching the provider.
func (e *environment) endFlight(err error) {
	e.mu.Lock()
	f := e.takeFlight()
	e.mu.Unlock()
	f.land(err)
	e.changed(EventState, "")
}

// markRefreshStarted writes the tokens with StoredTokens.RefreshStarted
// before the refresh token goes to the provider, so a crash between the
// provider's answer and the save is noticed at the next start. A failed
// write is logged and the refresh goes on.
func (e *environment) markRefreshStarted() {
	e.tokenWrite.Lock()
	defer e.tokenWrite.Unlock()
	e.mu.Lock()
	if e.tok == nil {
		e.mu.Unlock()
		return
	}
	st := e.tok.stored()
	e.mu.Unlock()
	st.RefreshStarted = e.m.clock.Now()
	if err := e.m.store.SaveTokens(e.cfg.Name, st); err != nil {
		e.m.log.Warn("could not note the refresh in the keychain; refreshing anyway", "env", e.cfg.Name, "err", err)
	}
}

// fetch performs the grant: client credentials, or the refresh token grant.
func (e *environment) fetch(ctx context.Context, conf *oauth2.Config, refresh Secret) (*oauth2.Token, error) {
	if e.cfg.Flow == config.FlowClientCredentials {
		cc := &clientcredentials.Config{
			ClientID:     conf.ClientID,
			ClientSecret: conf.ClientSecret,
			TokenURL:     conf.Endpoint.TokenURL,
			Scopes:       conf.Scopes,
			AuthStyle:    conf.Endpoint.AuthStyle,
		}
		return cc.Token(ctx)
	}
	// An expired token makes x/oauth2 use the refresh token grant. When the
	// response has no refresh token, x/oauth2 keeps the one it sent.
	return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh.Reveal()}).Token()
}

// anyGeneration is the since of an answer that replaces any tokens (a login).
const anyGeneration = ^uint64(0)

// accept stores a new token from the token endpoint at origin, bound to
// the DPoP key key (nil: none): saved first, then handed out. The refresh
// token it replaces is dropped from memory and never sent again. since is
// the generation of the tokens the request started from: when they were
// replaced meanwhile (signed out, signed in again, forgotten), the answer
// came too late and is dropped (dropLate).
func (e *environment) accept(ot *oauth2.Token, oldRefresh Secret, origin string, key *dpopKey, since uint64) (Token, error) {
	now := e.m.clock.Now()
	ts := &tokenSet{
		access:    Secret(ot.AccessToken),
		refresh:   Secret(ot.RefreshToken),
		tokenType: ot.TokenType,
		issuedAt:  now,
		granted:   grantedScopes(ot),
		origin:    origin,
		dpop:      key,
	}
	if ts.refresh == "" {
		ts.refresh = oldRefresh
	}
	e.mu.Lock()
	if ts.granted == nil && oldRefresh != "" && e.tok != nil {
		// A refresh answer without "scope" grants what was granted before (RFC 6749 §6).
		ts.granted = e.tok.granted
	}
	ts.asked = e.askedScopes(oldRefresh != "")
	e.mu.Unlock()
	ts.tokenType = cmp.Or(ts.tokenType, "Bearer") // RFC 6749 asks for token_type; some providers leave it out
	if lifetime := expiresIn(ot); lifetime > 0 {
		ts.expiresAt = now.Add(lifetime)
	} else {
		ts.expiresAt = now.Add(defaultLifetime)
		ts.expiryGuessed = true
	}
	e.tokenWrite.Lock()
	e.mu.Lock()
	late := since != anyGeneration && e.gen != since
	e.mu.Unlock()
	if late {
		e.tokenWrite.Unlock()
		return e.dropLate(ts)
	}
	saveErr := e.m.store.SaveTokens(e.cfg.Name, ts.stored())
	if saveErr == nil {
		e.m.checkpoint(e.cfg.Name, StepAfterSave)
	}

	e.mu.Lock()
	e.tok = ts
	e.gen++
	f := e.takeFlight()
	e.needsLogin = false
	e.loggedOut = false
	e.interrupted = false
	e.fatal = ""
	e.lastErr = ""
	e.answer = nil
	e.failures = 0
	e.unreachable = false
	e.moved = ""
	e.planRefresh(now)
	e.noteSave(saveErr, now)
	t := ts.token()
	e.mu.Unlock()
	e.tokenWrite.Unlock()
	f.land(nil)

	e.afterSave(saveErr)
	e.changed(EventState, "")
	return t, nil
}

// dropLate takes the answer of a refresh whose tokens were replaced while
// it was at the provider: its tokens are neither kept nor stored but
// revoked, and the readers waiting for it get what is current instead (a
// token signed in meanwhile, or "needs login" after a sign-out).
func (e *environment) dropLate(late *tokenSet) (Token, error) {
	e.mu.Lock()
	f := e.takeFlight()
	var t Token
	var err error
	switch {
	case e.tok.validFor(e.m.clock.Now(), 0):
		t = e.tok.token()
	case e.cfg.Flow == config.FlowClientCredentials:
		err = fmt.Errorf("%s: signed out while a token was being fetched; ask again for a new one", e.cfg.Name)
	default:
		err = e.needsLoginError()
	}
	e.mu.Unlock()
	f.land(err)
	e.changed(EventState, "")

	e.m.log.Info("a refresh answered after its tokens were replaced; revoking and dropping what it brought", "env", e.cfg.Name)
	// Not in the refresh's flight: a read that needs a refresh now must
	// not wait for the provider to revoke what nobody will use.
	go func() {
		ctx, cancel := context.WithTimeout(e.ctx, providerTimeout)
		defer cancel()
		if rerr := e.revoke(ctx, late); rerr != nil {
			e.m.log.Warn("could not revoke the tokens of a late refresh; dropped anyway", "env", e.cfg.Name, "err", rerr)
		}
	}()
	return t, err
}

// planRefresh sets when the scheduler refreshes: margin before expiry,
// capped at half the lifetime, and up to a fifth of the margin earlier
// (jitter) so many environments do not refresh in step. e.mu must be held.
func (e *environment) planRefresh(now time.Time) {
	if e.tok == nil || e.tok.expiresAt.IsZero() {
		e.refreshAt = time.Time{}
		return
	}
	margin := e.m.settings().RefreshMargin
	if !e.tok.issuedAt.IsZero() {
		if half := e.tok.expiresAt.Sub(e.tok.issuedAt) / 2; margin > half {
			margin = half
		}
	}
	jitter := time.Duration(e.m.jitter() * float64(margin) / 5)
	e.refreshAt = e.tok.expiresAt.Add(-margin - jitter)
}

// failed records a failed refresh and decides what comes next:
// invalid_grant needs a login (once, no loop), other OAuth errors are final,
// and transport errors, timeouts and 5xx retry with backoff.
func (e *environment) failed(err error) error {
	pe := e.providerError(err)
	now := e.m.clock.Now()
	name := e.cfg.Name
	pe.Hint = e.notFoundHint(pe)
	summary := pe.Summary()
	e.mu.Lock()
	f := e.takeFlight()
	e.answer = answerOf(pe, now)
	kind, msg := EventRefreshFailed, name+": "+summary
	switch {
	case pe.Code == "invalid_grant" && e.cfg.Flow != config.FlowClientCredentials:
		e.needsLogin = true
		if e.tok != nil {
			e.tok.refresh = "" // dead: never send it again
		}
		e.failures, e.lastErr = 0, ""
		kind = EventNeedsLogin
		msg = name + ": " + refreshTokenRejected
		if e.interrupted {
			msg = name + ": " + interruptedRefresh
		}
	case !pe.Temporary():
		e.fatal = summary
		e.failures, e.lastErr = 0, ""
	default:
		if e.cfg.Issuer != "" {
			e.m.meta.forget(e.cfg.Issuer) // endpoints may have moved: discover again
		}
		if e.failures == 0 {
			e.failingFrom = now
		}
		e.failures++
		e.lastErr = summary
		wait := backoff(e.failures, e.m.jitter())
		if neverSent(err) {
			wait = min(wait, offlineRetryCap)
		}
		e.retryAt = now.Add(wait)
		if !e.unreachable && now.Sub(e.failingFrom) >= unreachableAfter {
			e.unreachable = true
			kind = EventUnreachable
			msg = fmt.Sprintf("%s: the provider has been unreachable since %s", name, e.failingFrom.Format(time.Kitchen))
		}
	}
	e.mu.Unlock()
	e.m.log.Warn("refresh failed", "env", name, "err", summary, "detail", config.Printable(fmt.Sprint(pe.Err), 0))
	var out error = pe
	if kind == EventNeedsLogin {
		out = &ActionError{Env: name, Err: fmt.Errorf("%s %w: %w", name, ErrNeedsLogin, pe), Next: Next{Action: NextLogin}}
	}
	f.land(out)
	e.changed(kind, msg)
	return out
}

// notFoundHint is what the environment's preset says about a token
// endpoint that answers 404 (CampaignFlow: ask for your token URL), or "".
func (e *environment) notFoundHint(pe *ProviderError) string {
	if pe.StatusCode != http.StatusNotFound || e.cfg.Preset == "" {
		return ""
	}
	p, _ := config.LookupPreset(e.cfg.Preset)
	return p.NotFoundHint
}

// unreachableAfter is how long refreshes fail before the user is told.
const unreachableAfter = 5 * time.Minute

// offlineRetryCap bounds the backoff while the provider cannot even be
// connected to (network down, DNS failing). Such an attempt never reaches
// the provider, so trying every few seconds costs it nothing, and the
// refresh resumes within seconds of the network coming back instead of at
// the next step of the 2-minute backoff.
const offlineRetryCap = 5 * time.Second

// neverSent reports whether err means the request never left the machine:
// the connection to the provider could not be opened.
func neverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns)
}

// backoff is exponential from 1s, capped at 2m, with the upper half jittered.
func backoff(failures int, jitter float64) time.Duration {
	d := time.Second << min(failures-1, 7)
	d = min(d, 2*time.Minute)
	return d/2 + time.Duration(jitter*float64(d/2))
}

// asProviderError turns what x/oauth2 or the transport returned into a
// ProviderError. The provider's words in it are raw: the engine goes
// through environment.providerError, which cleans them.
func asProviderError(env string, err error) *ProviderError {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe
	}
	out := &ProviderError{Env: env, Err: err, Host: errorHost(err), Cause: transportCause(err)}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		out.Code = config.Printable(re.ErrorCode, 64) // from outside, and it travels far
		out.Cause = ""
		if re.Response != nil {
			out.StatusCode = re.Response.StatusCode
			if re.Response.Request != nil {
				out.Host = re.Response.Request.URL.Host
			}
		}
		out.Description = answerText([]byte(re.ErrorDescription))
		if re.ErrorCode == "" {
			out.Body = answerText(re.Body)
		}
		// Not the body in the error chain: it may echo what was sent, and
		// only Description and Body are cleaned.
		out.Err = fmt.Errorf("token endpoint answered HTTP %d %s", out.StatusCode, re.ErrorCode)
	}
	return out
}

// expiresIn is the token's lifetime as the provider sent it. Expiry is
// not used directly: x/oauth2 computes it from the real clock, and the
// engine keeps time with its own. (clientcredentials drops ExpiresIn, so
// the raw answer is read as well.)
func expiresIn(ot *oauth2.Token) time.Duration {
	if ot.ExpiresIn > 0 {
		return time.Duration(ot.ExpiresIn) * time.Second
	}
	if n, ok := expiresInField(ot.Extra("expires_in")); ok {
		return time.Duration(n) * time.Second
	}
	if !ot.Expiry.IsZero() {
		return time.Until(ot.Expiry).Round(time.Second)
	}
	return 0
}

// expiresInField reads a token answer's expires_in, which providers send
// as a JSON number or a string; ok is false when it is neither.
func expiresInField(v any) (seconds int64, ok bool) {
	switch v := v.(type) {
	case float64:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func grantedScopes(ot *oauth2.Token) []string {
	s, _ := ot.Extra("scope").(string)
	return strings.Fields(s)
}

// authStyle maps the config's auth_style. The default is HTTP Basic, which
// RFC 6749 §2.3.1 requires every server to accept; x/oauth2's auto-detect
// would send each failed request twice (once per style), doubling the load
// on a provider that is already failing.
func authStyle(s string) oauth2.AuthStyle {
	if s == "form" {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// endpoints are an environment's provider URLs after discovery.
type endpoints struct {
	AuthURL, TokenURL, RevokeURL, DeviceURL string
	AuthStyle                               string // from metadata: "form" when the server takes only client_secret_post
}

func (e *environment) endpoints(ctx context.Context) (endpoints, error) {
	ep := endpoints{AuthURL: e.cfg.AuthURL, TokenURL: e.cfg.TokenURL, RevokeURL: e.cfg.RevokeURL, DeviceURL: e.cfg.DeviceURL}
	if e.cfg.Issuer == "" {
		return ep, nil
	}
	md, err := e.m.meta.lookup(ctx, e.m.http, e.cfg.Issuer)
	if err != nil {
		return ep, e.providerError(err)
	}
	ep.AuthURL = cmp.Or(ep.AuthURL, md.AuthorizationEndpoint)
	ep.TokenURL = cmp.Or(ep.TokenURL, md.TokenEndpoint)
	ep.RevokeURL = cmp.Or(ep.RevokeURL, md.RevocationEndpoint)
	ep.DeviceURL = cmp.Or(ep.DeviceURL, md.DeviceAuthorizationEndpoint)
	if methods := md.TokenEndpointAuthMethodsSupported; len(methods) > 0 && !slices.Contains(methods, "client_secret_basic") && slices.Contains(methods, "client_secret_post") {
		ep.AuthStyle = "form"
	}
	if ep.TokenURL == "" {
		return ep, &ProviderError{Env: e.cfg.Name, Code: "invalid_metadata", StatusCode: http.StatusOK,
			Err: fmt.Errorf("issuer %s publishes no token_endpoint", e.cfg.Issuer)}
	}
	return ep, nil
}
