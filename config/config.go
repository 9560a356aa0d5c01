package config

import "time"

// Environment is one [[environment]] table of the config file, after the
// preset (if any) has filled what the provider fixes.
type Environment struct {
	Name        string   `toml:"name"`
	Preset      string   `toml:"preset"`
	Flow        Flow     `toml:"flow"`
	Issuer      string   `toml:"issuer"` // oidc/oauth2 presets: endpoints come from discovery
	AuthURL     string   `toml:"auth_url"`
	TokenURL    string   `toml:"token_url"`
	RevokeURL   string   `toml:"revocation_url"`
	DeviceURL   string   `toml:"device_authorization_url"`
	ClientID    string   `toml:"client_id"`
	Scopes      []string `toml:"scopes"`
	RedirectURI string   `toml:"redirect_uri"`
	// AuthStyle is how the client authenticates at the token endpoint:
	// "header" (HTTP Basic), "form" (in the body, as Zepto wants) or ""
	// (HTTP Basic, or "form" when the issuer's metadata accepts only
	// client_secret_post; see authStyle and endpoints).
	AuthStyle string `toml:"auth_style"`
}

// Settings are the optional [settings] table.
type Settings struct {
	// RefreshMargin is how long before expiry the background refresh runs
	// (capped at half the token lifetime). Default 5m.
	RefreshMargin time.Duration
	// ClipboardClear is how long a copied token stays on the clipboard. Default 45s.
	ClipboardClear time.Duration
}

// Config is the whole config file.
type Config struct {
	Path         string // where it was read from; "" when built in code
	Settings     Settings
	Environments []Environment
}

// Default values of Settings.
const (
	DefaultRefreshMargin  = 5 * time.Minute
	DefaultClipboardClear = 45 * time.Second
)

// Environment returns the environment called name.
func (c *Config) Environment(name string) (Environment, bool) {
	for _, e := range c.Environments {
		if e.Name == name {
			return e, true
		}
	}
	return Environment{}, false
}

// Flow is the OAuth2 grant an environment uses.
type Flow string

const (
	FlowAuthorizationCode Flow = "authorization_code"
	FlowClientCredentials Flow = "client_credentials"
	FlowDeviceCode        Flow = "device_code"
)
