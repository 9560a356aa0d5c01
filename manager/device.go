package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// RFC 8628 §3.4 and §3.5: the grant type polled with, the interval a
// server that names none implies, and how much slow_down adds.
const (
	deviceGrantType       = "urn:ietf:params:oauth:grant-type:device_code"
	defaultDeviceInterval = 5 * time.Second
	slowDownStep          = 5 * time.Second
)

// startDeviceLogin runs the device authorization grant (RFC 8628): it
// returns the user code and verification URI at once and polls in the
// background until the user approves, denies, or the device code expires.
//
// x/oauth2 starts the authorization, but the polling is the engine's own:
// x/oauth2's DeviceAccessToken waits on real timers, while the engine's
// waits go through its Clock, so the device code's expiry and the poll
// interval follow the same time as everything else (and tests move it).
func (e *environment) startDeviceLogin(ctx context.Context) (LoginInfo, error) {
	call, err := e.newTokenCall(ctx, "")
	if err != nil {
		return LoginInfo{}, err
	}
	conf, pctx := call.conf, call.context(ctx)
	if conf.Endpoint.DeviceAuthURL == "" {
		return LoginInfo{}, fmt.Errorf("%s: no device authorization endpoint: set device_authorization_url, or an issuer whose metadata names one", e.cfg.Name)
	}
	da, err := conf.DeviceAuth(pctx)
	if err != nil {
		return LoginInfo{}, fmt.Errorf("%s: start device authorization: %w", e.cfg.Name, e.providerError(err))
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return LoginInfo{}, &ProviderError{Env: e.cfg.Name, Code: "invalid_response", StatusCode: http.StatusOK,
			Err: errors.New("device authorization answer lacks device_code, user_code or verification_uri")}
	}

	// x/oauth2 turned expires_in into a wall-clock time; take it back to
	// a lifetime and measure it on the engine's clock.
	lifetime := e.m.opts.LoginTimeout
	if !da.Expiry.IsZero() {
		lifetime = time.Until(da.Expiry)
	}
	expiresAt := e.m.clock.Now().Add(lifetime)

	// Not newSession: its real-time LoginTimeout would cut a device code
	// that the provider gives longer (15 minutes is common) short.
	sctx, cancel := context.WithCancel(e.ctx)
	s := &loginSession{cancel: cancel, done: make(chan struct{}), origin: call.origin, dpop: call.dpop}
	s.info = LoginInfo{
		AuthorizationURL:        da.VerificationURI,
		UserCode:                da.UserCode,
		VerificationURI:         da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete,
		ExpiresAt:               expiresAt,
	}
	if err := e.begin(s); err != nil {
		cancel()
		return LoginInfo{}, err
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = defaultDeviceInterval
	}
	p := &devicePoll{e: e, call: call, deviceCode: da.DeviceCode, interval: interval, expiresAt: expiresAt}
	e.m.wg.Add(1)
	go func() {
		defer e.m.wg.Done()
		ot, err := p.run(sctx)
		if sctx.Err() != nil && err != nil {
			err = ErrLoginCanceled // logout, a new config or shutdown ended it
		}
		e.finish(s, ot, err)
	}()
	return s.info, nil
}

// devicePoll asks the token endpoint for the device code's tokens.
type devicePoll struct {
	e          *environment
	call       *tokenCall
	deviceCode string
	interval   time.Duration
	expiresAt  time.Time
}

// run polls every interval until the answer is final. authorization_pending
// waits; slow_down adds five seconds to this and every later wait;
// unreachable servers, 5xx and 429 are waited out like a pending answer,
// since the user may still be approving; anything else ends the login.
func (p *devicePoll) run(ctx context.Context) (*oauth2.Token, error) {
	name := p.e.cfg.Name
	clock := p.e.m.clock
	for {
		wait := min(p.interval, p.expiresAt.Sub(clock.Now()))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-clock.After(wait):
		}
		if !clock.Now().Before(p.expiresAt) {
			return nil, deviceExpired(name)
		}
		ot, err := p.poll(ctx)
		if err == nil {
			return ot, nil
		}
		pe := p.e.providerError(err, p.deviceCode)
		switch {
		case pe.Code == "authorization_pending":
		case pe.Code == "slow_down":
			p.interval += slowDownStep
		case pe.Code == "expired_token":
			return nil, deviceExpired(name)
		case pe.Code == "access_denied":
			return nil, &ActionError{Env: name, Err: fmt.Errorf("%s: authorization was denied at the provider (access_denied)", name), Next: Next{Action: NextLogin}}
		case pe.Temporary() && ctx.Err() == nil:
			p.e.m.log.Warn("device authorization poll failed; polling on", "env", name, "err", pe)
		default:
			return nil, pe
		}
	}
}

func deviceExpired(name string) error {
	return &ActionError{Env: name, Err: fmt.Errorf("%s: the device code expired before it was approved", name), Next: Next{Action: NextLogin}}
}

// poll makes one device access token request (RFC 8628 §3.4). Errors
// are *oauth2.RetrieveError, as x/oauth2 returns them, so asProviderError
// reads them like any other token endpoint answer.
func (p *devicePoll) poll(ctx context.Context) (*oauth2.Token, error) {
	conf := p.call.conf
	form := url.Values{
		"grant_type":  {deviceGrantType},
		"device_code": {p.deviceCode},
		"client_id":   {conf.ClientID},
	}
	secret := conf.ClientSecret // "" when the call's client authenticates otherwise
	inForm := conf.Endpoint.AuthStyle == oauth2.AuthStyleInParams
	if secret != "" && inForm {
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, conf.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if secret != "" && !inForm {
		// RFC 6749 §2.3.1: both parts form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(conf.ClientID), url.QueryEscape(secret))
	}
	resp, err := p.call.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read token answer: %w", err)
	}
	fields, err := tokenFields(resp.Header.Get("Content-Type"), body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		re := &oauth2.RetrieveError{Response: resp, Body: body}
		re.ErrorCode, _ = fields["error"].(string)
		re.ErrorDescription, _ = fields["error_description"].(string)
		return nil, re
	}
	if err != nil {
		return nil, &oauth2.RetrieveError{Response: resp, Body: body, ErrorCode: "invalid_response"}
	}
	ot, err := tokenFromFields(fields)
	if err != nil {
		// Final, not worth polling on: the server answered, just not usefully.
		return nil, &oauth2.RetrieveError{Response: resp, ErrorCode: "invalid_response", ErrorDescription: err.Error()}
	}
	return ot, nil
}

// tokenFields reads a token endpoint answer: JSON, or the form encoding
// some older servers still send.
func tokenFields(contentType string, body []byte) (map[string]any, error) {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" || mt == "text/plain" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		out := map[string]any{}
		for k := range vals {
			out[k] = vals.Get(k)
		}
		return out, nil
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// tokenFromFields builds the oauth2.Token the rest of the engine takes;
// the raw fields stay reachable through Extra (scope, id_token).
func tokenFromFields(f map[string]any) (*oauth2.Token, error) {
	access, _ := f["access_token"].(string)
	if access == "" {
		return nil, errors.New("token answer has no access_token")
	}
	t := &oauth2.Token{AccessToken: access}
	t.TokenType, _ = f["token_type"].(string)
	t.RefreshToken, _ = f["refresh_token"].(string)
	t.ExpiresIn, _ = expiresInField(f["expires_in"])
	if t.ExpiresIn < 0 {
		t.ExpiresIn = 0
	}
	return t.WithExtra(f), nil
}
