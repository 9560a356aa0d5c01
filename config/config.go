package config

import "time"

// Environment is one [[environment]] table of the config file, after the
// preset (if any) has filled what the provider fixes.
type Environment struct {
	Name   string `toml:"name" json:"name,omitempty"`
	Preset string `toml:"preset" json:"preset,omitempty"`
	Flow   Flow   `toml:"flow" json:"flow,omitempty"`
	Issuer string `toml:"issuer" json:"issuer,omitempty"` // oidc/oauth2 presets: endpoints come from discovery
	// Tenant fills the {tenant} of a preset's endpoints (entra).
	Tenant      string   `toml:"tenant" json:"tenant,omitempty"`
	AuthURL     string   `toml:"auth_url" json:"auth_url,omitempty"`
	TokenURL    string   `toml:"token_url" json:"token_url,omitempty"`
	RevokeURL   string   `toml:"revocation_url" json:"revocation_url,omitempty"`
	DeviceURL   string   `toml:"device_authorization_url" json:"device_authorization_url,omitempty"`
	ClientID    string   `toml:"client_id" json:"client_id,omitempty"`
	Scopes      []string `toml:"scopes" json:"scopes,omitempty"`
	RedirectURI string   `toml:"redirect_uri" json:"redirect_uri,omitempty"`
	// AuthStyle is how the client authenticates at the token endpoint:
	// "header" (HTTP Basic), "form" (in the body, as Zepto wants), ""
	// (HTTP Basic, or "form" when the issuer's metadata accepts only
	// client_secret_post), or one of the methods of clientauth.go: a JWT
	// assertion signed with a private key or the client secret, or a TLS
	// client certificate.
	AuthStyle string `toml:"auth_style" json:"auth_style,omitempty"`
	// ClientCertificate is the client's certificate as PEM text, leaf
	// first: presented by tls_client_auth, named in the x5t header by
	// private_key_jwt. Not a secret; its private key is (the store's).
	ClientCertificate string `toml:"client_certificate" json:"client_certificate,omitempty"`
	// The client assertion's aud (default: the token URL), kid header,
	// alg (default: the key's) and certificate thumbprint header ("x5t"
	// or "x5t#S256", default "x5t#S256" when ClientCertificate is set).
	AssertionAudience   string `toml:"assertion_audience" json:"assertion_audience,omitempty"`
	AssertionKID        string `toml:"assertion_kid" json:"assertion_kid,omitempty"`
	AssertionAlg        string `toml:"assertion_alg" json:"assertion_alg,omitempty"`
	AssertionThumbprint string `toml:"assertion_thumbprint" json:"assertion_thumbprint,omitempty"`
	// DPoP binds the tokens to a key the engine makes and keeps with them
	// (RFC 9449): every token request carries a proof.
	DPoP bool `toml:"dpop" json:"dpop,omitempty"`
	// Guard is "none" (or "") or "confirm": a read waits for the user's yes (guard.go).
	Guard string `toml:"guard" json:"guard,omitempty"`
	// ProxyListen and ProxyUpstream, given together, make the host run a
	// local proxy on ProxyListen (loopback) that forwards to ProxyUpstream
	// with this environment's token (proxy.go).
	ProxyListen   string `toml:"proxy_listen" json:"proxy_listen,omitempty"`
	ProxyUpstream string `toml:"proxy_upstream" json:"proxy_upstream,omitempty"`
}

// Settings are the optional [settings] table; settingKeys (keys.go) holds
// each one's key, default and bounds.
type Settings struct {
	// RefreshMargin is how long before expiry the background refresh runs
	// (capped at half the token lifetime). Default 5m.
	RefreshMargin time.Duration
	// ClipboardClear is how long a copied token stays on the clipboard. Default 45s.
	ClipboardClear time.Duration
	// GuardWindow is how long an approved read of a guarded environment stays approved. Default 10m.
	GuardWindow time.Duration
	// Store is where secrets and tokens are kept: StoreKeychain ("" too)
	// or StoreFile, an encrypted file for machines without a keychain.
	Store string
	// StorePassphraseFile holds the file store's passphrase ("": systemd's
	// credential, else `tokentray unlock` asks).
	StorePassphraseFile string
	// Theme is the window's colours: ThemeSystem ("" too) follows the
	// desktop's light or dark preference, ThemeLight and ThemeDark do not.
	Theme string
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
