package manager

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// logout forgets the tokens in memory and in the store, revoking the
// refresh token first (RFC 7009) where the provider has an endpoint.
// A failed revocation is logged; the tokens are forgotten all the same.
func (e *environment) logout(ctx context.Context) error {
	if err := e.ensureLoaded(); err != nil {
		return err
	}
	e.cancelLogin(ErrLoginCanceled)
	e.tokenWrite.Lock()
	e.mu.Lock()
	old := e.tok
	e.tok = nil
	e.gen++
	e.needsLogin = false
	e.loggedOut = true
	e.fatal, e.lastErr, e.failures = "", "", 0
	e.unsaved = false
	e.answer = nil
	e.mu.Unlock()
	err := e.m.store.DeleteTokens(e.cfg.Name)
	e.tokenWrite.Unlock()
	e.changed(EventState, "")

	if old != nil {
		if err := e.revoke(ctx, old); err != nil {
			e.m.log.Warn("token revocation failed; the tokens are forgotten anyway", "env", e.cfg.Name, "err", err)
		}
	}
	if err != nil {
		return fmt.Errorf("logout %s: delete tokens from the keychain: %w", e.cfg.Name, err)
	}
	return nil
}

// revoke posts the refresh token (or, without one, the access token) to
// the revocation endpoint, authenticating the way the token endpoint does.
func (e *environment) revoke(ctx context.Context, t *tokenSet) error {
	ep, err := e.endpoints(ctx)
	if err != nil || ep.RevokeURL == "" {
		return err
	}
	// The tokens (and the secret) go only to the origin that issued them.
	issuer := cmp.Or(t.origin, originOf(ep.TokenURL))
	if originOf(ep.RevokeURL) != issuer {
		return fmt.Errorf("not revoked: the revocation endpoint %s is not on %s, which issued the tokens", originOf(ep.RevokeURL), issuer)
	}
	form := url.Values{}
	switch {
	case t.refresh != "":
		form.Set("token", t.refresh.Reveal())
		form.Set("token_type_hint", "refresh_token")
	case t.access != "":
		form.Set("token", t.access.Reveal())
		form.Set("token_type_hint", "access_token")
	default:
		return nil
	}
	e.mu.Lock()
	secret := e.secret
	if e.secretOrigin != "" && e.secretOrigin != issuer {
		secret = "" // given for another endpoint: revoke as a public client
	}
	e.mu.Unlock()
	style := cmp.Or(e.cfg.AuthStyle, ep.AuthStyle)
	auth, err := e.clientAuth(style, secret, ep.TokenURL)
	if err != nil {
		return fmt.Errorf("not revoked: %w", err)
	}
	if !auth.sendsSecret() {
		secret = "" // the client authenticates by assertion or certificate (clientauth.go)
	}
	header := authStyle(style) == oauth2.AuthStyleInHeader && secret != ""
	if !header {
		form.Set("client_id", e.cfg.ClientID)
		if secret != "" {
			form.Set("client_secret", secret.Reveal())
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header {
		req.SetBasicAuth(url.QueryEscape(e.cfg.ClientID), url.QueryEscape(secret.Reveal()))
	}
	resp, err := e.m.clientWith(auth, issuer, ep.TokenURL, nil).Do(req)
	if err != nil {
		return fmt.Errorf("revoke at %s: %w", ep.RevokeURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke at %s: HTTP %d", ep.RevokeURL, resp.StatusCode)
	}
	return nil
}

// setSecret stores the client secret (or private key) once it fits the
// auth style (CheckSecret); a secret that cannot be stored is not used
// either, so memory and keychain never disagree silently.
func (e *environment) setSecret(secret Secret) error {
	if err := e.ensureLoaded(); err != nil {
		return err
	}
	if secret == "" {
		return fmt.Errorf("%s: the client secret is empty", e.cfg.Name)
	}
	if err := CheckSecret(e.cfg, secret); err != nil {
		return err // nothing stored: the one it replaces still works
	}
	// Given for the token endpoint the config names now; with discovery,
	// for the one it first meets (origin.go).
	origin := ""
	if e.cfg.Issuer == "" {
		origin = e.configuredOrigin()
	}
	if err := e.m.store.SaveSecret(e.cfg.Name, StoredSecret{Value: secret, Origin: origin}); err != nil {
		return fmt.Errorf("save client secret of %s: %w", e.cfg.Name, err)
	}
	e.mu.Lock()
	e.secret, e.secretOrigin, e.secretRefused, e.secretUnfit = secret, origin, "", ""
	e.fatal = ""
	e.mu.Unlock()
	e.changed(EventState, "")
	return nil
}
