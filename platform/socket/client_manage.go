package socket

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tokentray/tokentray/config"
)

// doJSON is do with v encoded as the JSON body.
func (c *Client) doJSON(ctx context.Context, method, path string, v, out any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", method, path, err)
	}
	return c.do(ctx, method, path, body, out)
}

// Presets is GET /v1/presets.
func (c *Client) Presets(ctx context.Context) ([]PresetInfo, error) {
	var out []PresetInfo
	return out, c.do(ctx, http.MethodGet, "/v1/presets", nil, &out)
}

// EnvironmentConfig is GET /v1/environments/{name}/config: the
// environment with the keys a config file says (preset values left out).
func (c *Client) EnvironmentConfig(ctx context.Context, name string) (config.Environment, error) {
	var out config.Environment
	return out, c.do(ctx, http.MethodGet, envPath(name, "/config"), nil, &out)
}

// PutEnvironment is PUT /v1/environments/{name}: creates or replaces it in
// the config file and the running engine. A refused body is an *APIError
// with Code CodeInvalidConfig and every problem in Problems.
func (c *Client) PutEnvironment(ctx context.Context, name string, e config.Environment) (Status, error) {
	var out Status
	return out, c.doJSON(ctx, http.MethodPut, envPath(name, ""), e, &out)
}

// PutEnvironmentJSON is PUT /v1/environments/{name} with a body as given
// (`tokentray env set --json`), so that the server judges every key.
func (c *Client) PutEnvironmentJSON(ctx context.Context, name string, body []byte) (Status, error) {
	var out Status
	return out, c.do(ctx, http.MethodPut, envPath(name, ""), body, &out)
}

// DeleteEnvironment is DELETE /v1/environments/{name}: logout (revoking
// where supported), removal from the config file and the engine, and
// deletion of its keychain items.
func (c *Client) DeleteEnvironment(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, envPath(name, ""), nil, nil)
}

// Copy is POST /v1/environments/{name}/copy: the host puts a token valid
// for at least a minute on its clipboard ("raw", or "header" for the
// whole Authorization header value) and clears it after clearsIn.
func (c *Client) Copy(ctx context.Context, name, format string) (time.Duration, error) {
	var out CopyAnswer
	if err := c.doJSON(ctx, http.MethodPost, envPath(name, "/copy"), CopyRequest{Format: format}, &out); err != nil {
		return 0, err
	}
	return time.Duration(out.ClearsIn) * time.Second, nil
}

// Settings is GET /v1/settings.
func (c *Client) Settings(ctx context.Context) (Settings, error) {
	var out Settings
	return out, c.do(ctx, http.MethodGet, "/v1/settings", nil, &out)
}

// PutSettings is PUT /v1/settings; fields left empty are not changed.
func (c *Client) PutSettings(ctx context.Context, s Settings) (Settings, error) {
	var out Settings
	return out, c.doJSON(ctx, http.MethodPut, "/v1/settings", s, &out)
}

// Authorize is POST /v1/environments/{name}/login with the host opening
// the browser itself (the window's Authorize button).
func (c *Client) Authorize(ctx context.Context, name string) (LoginInfo, error) {
	var out LoginInfo
	return out, c.doJSON(ctx, http.MethodPost, envPath(name, "/login"), LoginRequest{OpenBrowser: true}, &out)
}

// OpenWindow is POST /v1/window: the host opens or raises its window.
func (c *Client) OpenWindow(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/window", nil, nil)
}

// OpenAddForm is POST /v1/window {"form":"add"}: the host opens its
// window on the Add environment form.
func (c *Client) OpenAddForm(ctx context.Context) error {
	return c.doJSON(ctx, http.MethodPost, "/v1/window", WindowRequest{Form: WindowFormAdd}, nil)
}

// Host is GET /v1/host: what the running tokentray offers.
func (c *Client) Host(ctx context.Context) (HostInfo, error) {
	var out HostInfo
	return out, c.do(ctx, http.MethodGet, "/v1/host", nil, &out)
}

// Reads is GET /v1/environments/{name}/reads: who read the token, newest first.
func (c *Client) Reads(ctx context.Context, name string) ([]Read, error) {
	var out []Read
	return out, c.do(ctx, http.MethodGet, envPath(name, "/reads"), nil, &out)
}

// Unlock is POST /v1/unlock: the file store's passphrase opens it.
func (c *Client) Unlock(ctx context.Context, passphrase []byte) error {
	return c.do(ctx, http.MethodPost, "/v1/unlock", passphrase, nil)
}

// Handover is POST /v1/handover: a daemon stops serving, everything
// saved, so that the desktop app can take its socket.
func (c *Client) Handover(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/handover", nil, nil)
}
