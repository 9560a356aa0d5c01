package manager

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// startDeviceLogin runs the device authorization grant (RFC 8628): it
// returns the user code and verification URI at once and polls in the
// background, honouring interval and slow_down (x/oauth2 does both).
func (e *environment) startDeviceLogin(ctx context.Context) (LoginInfo, error) {
	pctx := context.WithValue(ctx, oauth2.HTTPClient, e.m.http)
	conf, err := e.oauthConfig(pctx, "")
	if err != nil {
		return LoginInfo{}, err
	}
	if conf.Endpoint.DeviceAuthURL == "" {
		return LoginInfo{}, fmt.Errorf("%s: no device_authorization_url configured or discovered", e.cfg.Name)
	}
	da, err := conf.DeviceAuth(pctx)
	if err != nil {
		return LoginInfo{}, fmt.Errorf("%s: start device authorization: %w", e.cfg.Name, asProviderError(e.cfg.Name, err))
	}
	s, sctx := e.newSession()
	if !da.Expiry.IsZero() {
		// The device code's own expiry ends polling even if it comes first.
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(sctx, da.Expiry)
		prev := s.cancel
		s.cancel = func() { cancel(); prev() }
	}
	s.info = LoginInfo{
		AuthorizationURL:        da.VerificationURI,
		UserCode:                da.UserCode,
		VerificationURI:         da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete,
		ExpiresAt:               da.Expiry,
	}
	if s.info.ExpiresAt.IsZero() {
		s.info.ExpiresAt = e.expiry(e.m.opts.LoginTimeout)
	}
	if err := e.begin(s); err != nil {
		s.cancel()
		return LoginInfo{}, err
	}
	e.m.wg.Add(1)
	go func() {
		defer e.m.wg.Done()
		ot, err := conf.DeviceAccessToken(context.WithValue(sctx, oauth2.HTTPClient, e.m.http), da)
		switch {
		case err == nil:
			e.finish(s, ot, nil)
		case errors.Is(sctx.Err(), context.DeadlineExceeded):
			e.finish(s, nil, fmt.Errorf("%s: the device code expired before it was approved; run `tokentray login %s` again", e.cfg.Name, e.cfg.Name))
		case sctx.Err() != nil:
			e.finish(s, nil, ErrLoginCanceled)
		default:
			pe := asProviderError(e.cfg.Name, err)
			if pe.Code == "expired_token" {
				err = fmt.Errorf("%s: the device code expired before it was approved; run `tokentray login %s` again", e.cfg.Name, e.cfg.Name)
			} else if pe.Code == "access_denied" {
				err = fmt.Errorf("%s: authorization denied (access_denied)", e.cfg.Name)
			} else {
				err = pe
			}
			e.finish(s, nil, err)
		}
	}()
	return s.info, nil
}
