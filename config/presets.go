package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Preset is what a provider fixes about its OAuth setup, so a config entry
// only needs a name, a client id and (where the provider wants one) a
// redirect URI. Values are filled into an Environment by ApplyPreset.
type Preset struct {
	Name        string
	Description string
	Flow        Flow
	AuthURL     string
	TokenURL    string
	RevokeURL   string
	DeviceURL   string
	// Scopes are asked for when the config names none.
	Scopes []string
	// ScopeChoices is the pick list the add/edit form offers.
	ScopeChoices []string
	// AuthStyle is how the client authenticates at the token endpoint
	// ("header", "form", "private_key_jwt", ... or "" for the default,
	// HTTP Basic).
	AuthStyle string
	// AssertionThumbprint is how a private_key_jwt assertion names the
	// client certificate ("x5t", "x5t#S256"); "" when the provider does
	// not ask for one.
	AssertionThumbprint string
	// DPoP: the provider binds tokens to a DPoP key (RFC 9449). The config
	// cannot turn a preset's DPoP off (a bool has no "unset").
	DPoP bool
	// NeedsRedirectURI: the provider compares the redirect URI with the
	// registered one exactly, so the config must name it.
	NeedsRedirectURI bool
	// NeedsTokenURL: the preset does not know the token endpoint; the
	// config must name it.
	NeedsTokenURL bool
	// NeedsIssuer: endpoints come from OIDC / RFC 8414 discovery of the
	// issuer, so the config must name the issuer.
	NeedsIssuer bool
	// TokenLifetime is the documented access token lifetime, for when a
	// token response carries no expires_in. 0 = not documented.
	TokenLifetime time.Duration
	Notes         string
	// NotFoundHint is added to the message when the token endpoint answers
	// HTTP 404: for a preset whose token URL is derived rather than
	// documented, it says what to do about it. "" adds nothing.
	NotFoundHint string
	// Guard is the environment's default guard ("" = none); see guard.go.
	Guard string
}

// Zepto's scopes. Zepto documents them in its own API documentation
// repository (github.com/zeptofs/api-documentation, source/guides/zepto-api.md):
// the Postman environment it ships sets scope = "public agreements
// bank_accounts bank_connections contacts payments payment_requests
// refund_requests transactions refunds open_agreements offline_access", and
// its OpenAPI spec names the bank_connections scope for Bank Connections.
// The token answer example there grants "public", the default here.
var zeptoScopeChoices = []string{
	"public", "agreements", "bank_accounts", "bank_connections", "contacts",
	"payments", "payment_requests", "refund_requests", "transactions",
	"refunds", "open_agreements", "offline_access",
}

// zeptoPreset builds the two Zepto presets, which differ only in host.
//
// Endpoints: Zepto's OAuth grant flow guide
// (https://docs.zeptopayments.com/docs/oauth-grant-flow and
// zeptofs/api-documentation source/guides/zepto-api.md) authorizes at
// https://go.sandbox.zeptopayments.com/oauth/authorize and exchanges and
// refreshes at https://go.sandbox.zeptopayments.com/oauth/token, with
// client_id and client_secret as form fields. The same guide names
// "Production UI: https://go.zeptopayments.com/", and Zepto's OpenAPI spec
// declares authorizationUrl /oauth/authorize and tokenUrl /oauth/token
// relative to that UI host, hence the production URLs.
//
// Lifetime and rotation, from the same guide: "Access tokens are short
// lived and last 2 hours but refresh tokens do not expire" (expires_in
// 7200), and "refresh_tokens are single use so you'll want to store the
// newly generated refresh_token everytime you use it".
func zeptoPreset(name, env, host string) Preset {
	return Preset{
		Name:             name,
		Description:      "Zepto payments API, " + env + " (authorization code)",
		Flow:             FlowAuthorizationCode,
		AuthURL:          "https://" + host + "/oauth/authorize",
		TokenURL:         "https://" + host + "/oauth/token",
		Scopes:           []string{"public"},
		ScopeChoices:     zeptoScopeChoices,
		AuthStyle:        "form",
		NeedsRedirectURI: true,
		TokenLifetime:    2 * time.Hour,
		Notes: "Register an OAuth application at https://" + host + "/oauth/applications " +
			"with exactly the redirect_uri of this environment. Refresh tokens are single use: " +
			"each refresh returns a new one. Zepto documents that the offline_access scope " +
			"gives access tokens that do not expire.",
	}
}

// campaignFlowNotFound is the message for a 404 from a CampaignFlow token URL.
const campaignFlowNotFound = "the token URL was not found: ask CampaignFlow for your token URL and set token_url to it"

// campaignFlowPreset builds the CampaignFlow presets, which differ only in
// host.
//
// Endpoint: Campaign Flow's own documentation names no token endpoint or
// lifetime that could be found. Its API lives under
// https://app.campaignflow.com.au/api/v2 (test host test.campaignflow.com.au),
// and CampaignFlow's Elixir client (CampaignFlow Client v2.0.0, whose
// TokenManager this engine follows) starts with only that base URL, a client
// id and a secret, so the token endpoint is derived from the host: a
// published client (the hex package campaign_flow) derives it as
// <host>/oauth2/v1/token. That is what these presets fill; token_url in the
// config still overrides it, and a 404 from it says to ask CampaignFlow
// (NotFoundHint) instead of guessing further.
func campaignFlowPreset(name, env, host string) Preset {
	return Preset{
		Name:        name,
		Description: "Campaign Flow API, " + env + " (client credentials)",
		Flow:        FlowClientCredentials,
		TokenURL:    "https://" + host + "/oauth2/v1/token",
		Notes: "Campaign Flow issues a client id and secret per environment. The token URL " +
			"https://" + host + "/oauth2/v1/token is derived from the API host the way a published " +
			"client derives it (<host>/oauth2/v1/token), not taken from Campaign Flow's documentation; " +
			"set token_url to override it. If it answers 404, ask CampaignFlow for your token URL.",
		NotFoundHint: campaignFlowNotFound,
	}
}

// entraPreset is Microsoft Entra ID (Azure AD) v2.0 with certificate
// credentials. Endpoints: https://login.microsoftonline.com/{tenant}/oauth2/v2.0/
// authorize, token and devicecode, where {tenant} is the directory (tenant)
// ID or a verified domain (Microsoft identity platform OAuth 2.0 docs).
// Certificate credentials (learn.microsoft.com, "Microsoft identity
// platform application authentication certificate credentials"): a
// private_key_jwt assertion whose aud is the token endpoint and whose
// header names the uploaded certificate with x5t, as MSAL has long sent
// it; the current page asks for x5t#S256 and PS256, which the config can
// choose. Entra publishes no RFC 7009 revocation endpoint. The client
// credentials grant needs a scope of the form {resource}/.default.
func entraPreset() Preset {
	const base = "https://login.microsoftonline.com/" + tenantSlot + "/oauth2/v2.0"
	return Preset{
		Name:                "entra",
		Description:         "Microsoft Entra ID (Azure AD), certificate credentials (client credentials)",
		Flow:                FlowClientCredentials,
		AuthURL:             base + "/authorize",
		TokenURL:            base + "/token",
		DeviceURL:           base + "/devicecode",
		Scopes:              []string{"https://graph.microsoft.com/.default"},
		ScopeChoices:        []string{"https://graph.microsoft.com/.default", "openid", "profile", "offline_access"},
		AuthStyle:           AuthStylePrivateKeyJWT,
		AssertionThumbprint: ThumbprintSHA1,
		Notes: "Set tenant to your directory (tenant) ID or domain, and client_certificate to the PEM of the certificate " +
			"uploaded under Certificates & secrets of the app registration; its private key goes in the store with " +
			"`tokentray secret set NAME < key.pem`. The assertion names the certificate with x5t; set assertion_thumbprint = \"x5t#S256\" " +
			"and assertion_alg = \"PS256\" for what Microsoft's current documentation recommends. For another API than Graph, " +
			"set scopes to its {resource}/.default.",
	}
}

// oktaPreset is Okta with DPoP. The issuer is the org authorization
// server (https://ORG.okta.com) or a custom one
// (https://ORG.okta.com/oauth2/default), whose RFC 8414 metadata names
// the endpoints. Okta binds tokens to a DPoP key when the application
// has "Require Demonstrating Proof of Possession (DPoP) header in token
// requests" on, asks for a nonce first (use_dpop_nonce), and then wants
// a proof on every token request, refreshes included (developer.okta.com,
// "Configure OAuth 2.0 Demonstrating Proof-of-Possession").
func oktaPreset() Preset {
	return Preset{
		Name:         "okta",
		Description:  "Okta (endpoints from issuer discovery, DPoP-bound tokens)",
		Flow:         FlowAuthorizationCode,
		Scopes:       []string{"openid", "offline_access"},
		ScopeChoices: []string{"openid", "profile", "email", "offline_access"},
		NeedsIssuer:  true,
		DPoP:         true,
		Notes: "Set issuer to https://YOUR-ORG.okta.com/oauth2/default (or your authorization server). In the application, " +
			"turn on \"Require Demonstrating Proof of Possession (DPoP) header in token requests\" and allow the refresh token grant; " +
			"offline_access asks for the refresh token. Scripts get a DPoP proof with each token " +
			"(GET /v1/environments/NAME/token?htm=GET&htu=URL).",
	}
}

// presets is the built-in list, in the order the form shows it.
var presets = []Preset{
	zeptoPreset("zepto-sandbox", "sandbox", "go.sandbox.zeptopayments.com"),
	withGuard(zeptoPreset("zepto-production", "production", "go.zeptopayments.com"), GuardConfirm), // guard.go
	campaignFlowPreset("campaignflow-prod", "production", "app.campaignflow.com.au"),
	campaignFlowPreset("campaignflow-test", "test", "test.campaignflow.com.au"),
	{
		// For a CampaignFlow host other than the two known ones.
		Name:          "campaignflow",
		Description:   "Campaign Flow API on a custom host (client credentials)",
		Flow:          FlowClientCredentials,
		NeedsTokenURL: true,
		Notes: "Campaign Flow issues a client id and secret per environment. " +
			"Set token_url to <host>/oauth2/v1/token for your host (how a published client derives it), " +
			"or to the token endpoint Campaign Flow gave you; for app. or test.campaignflow.com.au use " +
			"the campaignflow-prod or campaignflow-test preset.",
		NotFoundHint: campaignFlowNotFound,
	},
	entraPreset(),
	oktaPreset(),
	{
		Name:        "oidc",
		Description: "Any OpenID Connect provider (endpoints from issuer discovery)",
		Flow:        FlowAuthorizationCode,
		Scopes:      []string{"openid"},
		ScopeChoices: []string{
			"openid", "profile", "email", "offline_access",
		},
		NeedsIssuer: true,
		Notes:       "Endpoints are read from <issuer>/.well-known/openid-configuration (RFC 8414 metadata first) on first use, cached, and read again after a failure.",
	},
	{
		Name:        "oauth2",
		Description: "Any OAuth 2 server with RFC 8414 metadata (endpoints from issuer discovery)",
		Flow:        FlowAuthorizationCode,
		NeedsIssuer: true,
		Notes:       "Endpoints are read from <issuer>/.well-known/oauth-authorization-server (OpenID configuration as fallback) on first use, cached, and read again after a failure.",
	},
}

// Presets returns the built-in presets. The slice and its contents are
// copies; changing them changes nothing here.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	for i, p := range presets {
		out[i] = p.clone()
	}
	return out
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, bool) {
	for _, p := range presets {
		if p.Name == name {
			return p.clone(), true
		}
	}
	return Preset{}, false
}

func (p Preset) clone() Preset {
	p.Scopes = slices.Clone(p.Scopes)
	p.ScopeChoices = slices.Clone(p.ScopeChoices)
	return p
}

func presetNames() string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Needs lists what an environment of p must still give, as config keys
// (envKey.need, besides the name every environment gives), plus what the
// store must hold (never a key): "private_key" for a preset that
// authenticates with a key, else "client_secret" for the client
// credentials flow, where the provider always wants one.
func (p Preset) Needs() []string {
	var out []string
	for i := range envKeys {
		k := &envKeys[i]
		if need := k.need(&p, p.Flow); k.key != "name" && (need == KeyRequired || need == KeyRequiredUnlessIssuer) {
			out = append(out, k.key)
		}
	}
	switch {
	case Environment{AuthStyle: p.AuthStyle}.SecretIsPrivateKey():
		out = append(out, "private_key")
	case p.Flow == FlowClientCredentials:
		out = append(out, "client_secret")
	}
	return out
}

// NeedsTenant reports whether p builds its endpoints from a tenant.
func (p Preset) NeedsTenant() bool {
	return strings.Contains(p.AuthURL+p.TokenURL+p.DeviceURL, tenantSlot)
}

// needs reports whether p makes the config give key, which without a
// preset could be left out.
func (p *Preset) needs(key string) bool {
	switch key {
	case "issuer":
		return p.NeedsIssuer
	case "tenant":
		return p.NeedsTenant()
	case "token_url":
		return p.NeedsTokenURL
	case "redirect_uri":
		return p.NeedsRedirectURI
	case "client_certificate":
		return Environment{AuthStyle: p.AuthStyle, AssertionThumbprint: p.AssertionThumbprint}.needsClientCertificate()
	}
	return false
}

// fills reports whether p fills k.
func (p *Preset) fills(k *envKey) bool {
	filled := presetValues(p.Name, "")
	return !k.get(&filled).empty()
}

// presetValues is what the preset called name fills for an environment
// of tenant, as an environment with nothing else: what its keys resolve
// to when left out.
func presetValues(name, tenant string) Environment {
	e, _ := ApplyPreset(Environment{Preset: name, Tenant: tenant})
	e.Preset, e.Tenant = "", ""
	return e
}

// ApplyPreset fills what e's preset fixes and e leaves unset: flow,
// endpoints (with e's tenant where the preset names one), default scopes,
// client authentication and DPoP. Anything set in e wins. Scopes count as
// set when non-nil, so an explicit empty list stays empty. An environment
// without a preset is returned unchanged.
func ApplyPreset(e Environment) (Environment, error) {
	if e.Preset == "" {
		return e, nil
	}
	p, ok := LookupPreset(e.Preset)
	if !ok {
		return e, fmt.Errorf("unknown preset %q (known presets: %s)", e.Preset, presetNames())
	}
	e.Flow = cmp.Or(e.Flow, p.Flow)
	e.AuthURL = cmp.Or(e.AuthURL, withTenant(p.AuthURL, e.Tenant))
	e.TokenURL = cmp.Or(e.TokenURL, withTenant(p.TokenURL, e.Tenant))
	e.RevokeURL = cmp.Or(e.RevokeURL, withTenant(p.RevokeURL, e.Tenant))
	e.DeviceURL = cmp.Or(e.DeviceURL, withTenant(p.DeviceURL, e.Tenant))
	e.AuthStyle = cmp.Or(e.AuthStyle, p.AuthStyle)
	e.AssertionThumbprint = cmp.Or(e.AssertionThumbprint, p.AssertionThumbprint)
	e.DPoP = e.DPoP || p.DPoP
	e.Guard = cmp.Or(e.Guard, p.Guard)
	if e.Scopes == nil && p.Scopes != nil {
		e.Scopes = p.Scopes // already a copy
	}
	return e, nil
}
