package config

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The keys of an [[environment]] table and of [settings], written out once.
// Reading the file (load.go), reading the JSON of PUT /v1/environments
// (json.go), writing the file (write.go), AsWritten, Equal, the checks and
// what the add/edit form asks for all go through these tables, so a new key
// is one entry here plus one field of Environment (keys_test.go checks that
// every field is here).

// Bounds on values: longer ones are mistakes (a pasted file, a runaway
// script), and every message and window that shows them would suffer.
const (
	MaxNameLen     = 64   // characters of an environment name
	MaxURLLen      = 2048 // bytes of a URL
	MaxClientIDLen = 512  // characters of a client id
	MaxScopes      = 100  // scopes of one environment
	MaxScopeLen    = 200  // characters of one scope
	MaxTenantLen   = 256  // characters of a tenant
	MaxKIDLen      = 256  // characters of an assertion's kid
)

// keyRole says who decides a key's value, which decides when it is needed.
type keyRole int

const (
	// userOptional: the user's choice, never filled by a preset; a preset
	// may still insist on it (Preset.NeedsRedirectURI).
	userOptional keyRole = iota
	// userRequired: every environment gives it.
	userRequired
	// providerOptional: fixed by the provider: a preset fills it or does
	// without it; without a preset it may be given.
	providerOptional
	// providerRequired: fixed by the provider and needed: a preset fills
	// it; without one the config must give it.
	providerRequired
	// endpoint: like providerRequired, but an issuer's discovery document
	// gives it too.
	endpoint
	// presetInput: what a preset builds its endpoints from (the tenant):
	// asked only when the preset needs it, and unused otherwise.
	presetInput
)

// envKey is one key of an [[environment]] table, and of its JSON.
type envKey struct {
	key string // as written in the file and the JSON (the field's toml and json tags say the same)
	// field points at the Environment field the key fills: a *string (also
	// for string types such as Flow: (*string)(&e.Flow)), a *[]string or
	// a *bool. Its type is the key's kind.
	field func(e *Environment) any
	role  keyRole
	flows []Flow // the flows that use the key; nil: every flow
	// advanced: the add/edit form shows it only under its collapsed
	// "More" section; a form without it keeps what the file says
	// (KeepHiddenKeys).
	advanced bool
	// moves: changing it sends the environment's tokens, secret or sign-in
	// somewhere else (an endpoint, the client, how it authenticates), so a
	// guarded environment asks first (GuardChange).
	moves bool
	// Bounds of a free-text value, or of each item of a list: at most
	// maxChars characters, or maxBytes bytes. A list has at most maxItems
	// items, each called item in messages.
	maxChars, maxBytes, maxItems int
	item                         string
	// check says what is wrong with a non-empty value (with each item of a
	// list, even an empty one), or "".
	check func(string) string
	// missing is the rest of the "missing: ..." message when the key is
	// needed and empty (p is nil without a preset); nil: the loader lets it
	// be empty (a client id: the environment shows as unconfigured).
	missing func(p *Preset) string
	help    string // one line for people: what the key holds
}

// envKeys are an environment's keys, in the order WriteConfig writes them.
var envKeys = []envKey{
	{
		key: "name", field: func(e *Environment) any { return &e.Name }, role: userRequired,
		maxChars: MaxNameLen, check: checkName,
		missing: func(*Preset) string {
			return "every environment needs a name of lowercase letters, digits and dashes, e.g. name = \"zepto-sandbox\""
		},
		help: "what scripts and commands call it: lowercase letters, digits and dashes",
	},
	{
		key: "preset", field: func(e *Environment) any { return &e.Preset }, role: userOptional,
		check: checkPreset,
		help:  "a built-in provider: fills the flow, the endpoints and the default scopes",
	},
	{
		key: "flow", field: func(e *Environment) any { return (*string)(&e.Flow) }, role: providerRequired,
		check: checkFlow,
		missing: func(*Preset) string {
			return fmt.Sprintf("set flow = %q, %q or %q, or use a preset (%s)", FlowAuthorizationCode, FlowClientCredentials, FlowDeviceCode, presetNames())
		},
		help: "the OAuth2 grant: authorization_code, client_credentials or device_code",
	},
	{
		key: "issuer", field: func(e *Environment) any { return &e.Issuer }, moves: true, role: providerOptional,
		maxBytes: MaxURLLen, check: endpointURL("https://login.example.com"),
		missing: func(p *Preset) string { // only a preset (NeedsIssuer) makes it needed
			return fmt.Sprintf("the %s preset reads the endpoints from the provider's discovery document; set issuer = \"https://...\"", p.Name)
		},
		help: "the provider's address; the endpoints are read from its discovery document",
	},
	{
		key: "tenant", field: func(e *Environment) any { return &e.Tenant }, moves: true, role: presetInput,
		maxChars: MaxTenantLen, check: checkTenant, // rules with the preset: clientAuthProblems
		help: "your directory (tenant) ID or domain, for a preset whose endpoints name it",
	},
	{
		key: "auth_url", field: func(e *Environment) any { return &e.AuthURL }, moves: true, role: endpoint,
		flows: []Flow{FlowAuthorizationCode}, maxBytes: MaxURLLen, check: endpointURL("https://example.com/oauth/authorize"),
		missing: func(*Preset) string {
			return "the authorization_code flow needs auth_url, the provider's authorization endpoint (or issuer, for discovery)"
		},
		help: "the provider's authorization endpoint",
	},
	{
		key: "token_url", field: func(e *Environment) any { return &e.TokenURL }, moves: true, role: endpoint,
		maxBytes: MaxURLLen, check: endpointURL("https://example.com/oauth/token"),
		missing: func(p *Preset) string {
			if p != nil && p.NeedsTokenURL {
				return fmt.Sprintf("the %s preset does not know the token endpoint; set token_url to the one the provider gave you with your API credentials", p.Name)
			}
			return "set token_url to the provider's token endpoint (or issuer, for discovery)"
		},
		help: "the provider's token endpoint",
	},
	{
		key: "revocation_url", field: func(e *Environment) any { return &e.RevokeURL }, moves: true, role: providerOptional,
		advanced: true, maxBytes: MaxURLLen, check: endpointURL("https://example.com/oauth/revoke"),
		help: "where logout revokes the tokens",
	},
	{
		key: "device_authorization_url", field: func(e *Environment) any { return &e.DeviceURL }, moves: true, role: endpoint,
		flows: []Flow{FlowDeviceCode}, maxBytes: MaxURLLen, check: endpointURL("https://example.com/oauth/device"),
		missing: func(*Preset) string {
			return "the device_code flow needs device_authorization_url (or issuer, for discovery)"
		},
		help: "the provider's device authorization endpoint",
	},
	{
		key: "client_id", field: func(e *Environment) any { return &e.ClientID }, moves: true, role: userRequired,
		maxChars: MaxClientIDLen,
		help:     "the client id from the provider's developer console",
	},
	{
		key: "scopes", field: func(e *Environment) any { return &e.Scopes }, role: userOptional,
		maxItems: MaxScopes, maxChars: MaxScopeLen, item: "scope", check: checkScope,
		help: "the scopes to ask for",
	},
	{
		key: "redirect_uri", field: func(e *Environment) any { return &e.RedirectURI }, moves: true, role: userOptional,
		flows: []Flow{FlowAuthorizationCode}, maxBytes: MaxURLLen, check: checkRedirectURI,
		missing: func(p *Preset) string { // only a preset (NeedsRedirectURI) makes it needed
			return fmt.Sprintf("%s only accepts the exact redirect URI registered with your OAuth application; "+
				"set redirect_uri = \"http://127.0.0.1:8750/callback\" and register the same URI with the provider "+
				"(or set the https:// URI already registered, and paste the URL the browser ends on at login)", p.Name)
		},
		help: "where the browser comes back after sign-in; left out, tokentray listens on a free loopback port",
	},
	{
		key: "auth_style", field: func(e *Environment) any { return &e.AuthStyle }, moves: true, role: providerOptional,
		advanced: true, check: checkAuthStyle, // clientauth.go
		help: "how the client authenticates at the token endpoint: header (HTTP Basic), form, private_key_jwt, client_secret_jwt or tls_client_auth",
	},
	// The keys of the JWT and certificate methods; the rules between them
	// and auth_style are clientAuthProblems (clientauth.go).
	{
		key: "client_certificate", field: func(e *Environment) any { return &e.ClientCertificate }, moves: true, role: userOptional,
		advanced: true, maxBytes: MaxCertificateLen, check: checkClientCertificate,
		help: "the client certificate's PEM text (its private key goes in the store): presented by tls_client_auth, named by private_key_jwt",
	},
	{
		key: "assertion_audience", field: func(e *Environment) any { return &e.AssertionAudience }, moves: true, role: providerOptional,
		advanced: true, maxBytes: MaxURLLen, check: checkHeaderValue,
		help: "the client assertion's aud, for providers that want the issuer; left out, the token URL",
	},
	{
		key: "assertion_kid", field: func(e *Environment) any { return &e.AssertionKID }, moves: true, role: providerOptional,
		advanced: true, maxChars: MaxKIDLen, check: checkHeaderValue,
		help: "the kid header of the client assertion: the key's id at the provider",
	},
	{
		key: "assertion_alg", field: func(e *Environment) any { return &e.AssertionAlg }, moves: true, role: providerOptional,
		advanced: true, check: checkAssertionAlg,
		help: "the client assertion's algorithm; left out, it follows the key (RS256, ES256, EdDSA; HS256 for client_secret_jwt)",
	},
	{
		key: "assertion_thumbprint", field: func(e *Environment) any { return &e.AssertionThumbprint }, moves: true, role: providerOptional,
		advanced: true, check: checkAssertionThumbprint,
		help: "how the assertion names client_certificate: x5t (SHA-1) or x5t#S256 (the default)",
	},
	{
		key: "dpop", field: func(e *Environment) any { return &e.DPoP }, role: providerOptional,
		advanced: true,
		help:     "true: bind the tokens to a key tokentray keeps (DPoP, RFC 9449); every use needs a proof",
	},
	{
		key: "guard", field: func(e *Environment) any { return &e.Guard }, role: userOptional,
		advanced: true, check: checkGuard, // guard.go
		help: "none, or confirm: each new reader waits for your approval",
	},
	// The local proxy; the rule between the two is proxyProblems (proxy.go).
	{
		key: "proxy_listen", field: func(e *Environment) any { return &e.ProxyListen }, role: userOptional,
		advanced: true, check: ProxyListenProblem,
		help: "a loopback address (127.0.0.1:PORT) where tokentray runs a proxy that adds this environment's token",
	},
	{
		// A move: a new upstream is a new place the token goes.
		key: "proxy_upstream", field: func(e *Environment) any { return &e.ProxyUpstream }, moves: true, role: userOptional,
		advanced: true, maxBytes: MaxURLLen, check: ProxyUpstreamProblem,
		help: "the API's base URL the proxy forwards to, with the token (https:// unless loopback)",
	},
}

// lookupEnvKey returns the environment key called name.
func lookupEnvKey(name string) (*envKey, bool) {
	for i := range envKeys {
		if envKeys[i].key == name {
			return &envKeys[i], true
		}
	}
	return nil, false
}

// envKeyNames lists the keys for "unknown key" messages.
func envKeyNames() string {
	names := make([]string, len(envKeys))
	for i, k := range envKeys {
		names[i] = k.key
	}
	return strings.Join(names, ", ")
}

func (k *envKey) get(e *Environment) value {
	switch p := k.field(e).(type) {
	case *string:
		return value{kind: stringKind, str: *p}
	case *[]string:
		return value{kind: listKind, list: *p}
	case *bool:
		return value{kind: boolKind, flag: *p}
	}
	panic("config: key " + k.key + " points at a field of a type the table does not know")
}

func (k *envKey) set(e *Environment, v value) {
	switch p := k.field(e).(type) {
	case *string:
		*p = v.str
	case *[]string:
		*p = v.list
	case *bool:
		*p = v.flag
	}
}

func (k *envKey) kind() keyKind { return k.get(&Environment{}).kind }

// problem says what is wrong with v on its own (the key's check, then its
// bounds), or "". Which keys an environment needs is checkEnv's part.
func (k *envKey) problem(v value) string {
	switch v.kind {
	case stringKind:
		if v.str != "" {
			return k.problemOf(v.str, "must be")
		}
	case listKind:
		if k.maxItems > 0 && len(v.list) > k.maxItems {
			return fmt.Sprintf("must list at most %d %ss (got %d)", k.maxItems, k.item, len(v.list))
		}
		for _, s := range v.list {
			if msg := k.problemOf(s, "each "+k.item+" must be"); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// problemOf checks one string, a value or an item of a list. The check
// comes first: "must be lowercase letters" says more than a length.
func (k *envKey) problemOf(s, mustBe string) string {
	if k.check != nil {
		if msg := k.check(s); msg != "" {
			return msg
		}
	}
	if msg := k.tooLong(s); msg != "" {
		return mustBe + " " + msg
	}
	return ""
}

// tooLong says "at most N characters (got M)" when s is over the key's
// bound, or "".
func (k *envKey) tooLong(s string) string {
	if k.maxBytes > 0 && len(s) > k.maxBytes {
		return fmt.Sprintf("at most %d bytes (got %d)", k.maxBytes, len(s))
	}
	if n := utf8.RuneCountInString(s); k.maxChars > 0 && n > k.maxChars {
		return fmt.Sprintf("at most %d characters (got %d)", k.maxChars, n)
	}
	return ""
}

// Equal reports whether e and o say the same for every key of the table.
// Scopes left out (nil) differ from an explicit empty list.
func (e Environment) Equal(o Environment) bool {
	for i := range envKeys {
		if !envKeys[i].get(&e).equal(envKeys[i].get(&o)) {
			return false
		}
	}
	return true
}

// KeyNeed says whether an environment must give a key.
type KeyNeed int

const (
	// KeyNotAsked: the flow does not use the key, or the preset fills it
	// (itself or through its issuer's discovery).
	KeyNotAsked KeyNeed = iota
	// KeyOptional: the user may give it.
	KeyOptional
	// KeyRequired: the environment does not work without it.
	KeyRequired
	// KeyRequiredUnlessIssuer: required unless issuer is set, whose
	// discovery document gives it.
	KeyRequiredUnlessIssuer
)

// need says whether an environment of preset p (nil: none) using flow must
// give k: the one rule behind the loader's "missing" checks, FormKeys and
// Preset.Needs.
func (k *envKey) need(p *Preset, flow Flow) KeyNeed {
	if k.flows != nil && !slices.Contains(k.flows, flow) {
		return KeyNotAsked
	}
	required := KeyRequired
	if k.role == endpoint {
		required = KeyRequiredUnlessIssuer
	}
	if p != nil && p.needs(k.key) {
		return required
	}
	switch k.role {
	case userOptional:
		return KeyOptional
	case presetInput:
		return KeyNotAsked
	case providerOptional:
		if p != nil {
			return KeyNotAsked
		}
		return KeyOptional
	case providerRequired, endpoint:
		if p != nil && (p.fills(k) || k.role == endpoint && p.NeedsIssuer) {
			return KeyNotAsked
		}
	}
	return required
}

// FormKey is one key the add/edit form asks for.
type FormKey struct {
	Key  string  // the config key, e.g. "token_url"
	Need KeyNeed // KeyOptional, KeyRequired or KeyRequiredUnlessIssuer
	Help string  // one line on what it holds
}

// FormKeys lists, in the config file's order, the keys the add/edit form
// asks for an environment of the preset called preset ("" or unknown: a
// custom provider) using flow (a preset's own flow wins), and whether each
// must be filled. Keys it leaves out are filled by the preset, unused by
// the flow, or advanced (see KeepHiddenKeys). The client secret is no key:
// Preset.Needs says when the provider wants one.
func FormKeys(preset string, flow Flow) []FormKey {
	var p *Preset
	if found, ok := LookupPreset(preset); ok {
		p = &found
		flow = cmp.Or(found.Flow, flow)
	}
	var out []FormKey
	for i := range envKeys {
		k := &envKeys[i]
		if need, shown := k.inForm(p, flow); shown {
			out = append(out, FormKey{Key: k.key, Need: need, Help: k.help})
		}
	}
	return out
}

// inForm says whether the form shows k for preset p and flow, and how
// much it needs it: an advanced key only when it is required (the entra
// preset's client_certificate).
func (k *envKey) inForm(p *Preset, flow Flow) (KeyNeed, bool) {
	need := k.need(p, flow)
	return need, need != KeyNotAsked && (!k.advanced || need == KeyRequired)
}

// KeepHiddenKeys returns edited with every key the add/edit form does not
// show (revocation_url, auth_style, guard, ...) taken from base, the
// environment as the file has it, so an edit in the form never drops them.
func KeepHiddenKeys(edited, base Environment) Environment {
	var p *Preset
	flow := edited.Flow
	if found, ok := LookupPreset(edited.Preset); ok {
		p = &found
		flow = cmp.Or(found.Flow, flow)
	}
	for i := range envKeys {
		k := &envKeys[i]
		if _, shown := k.inForm(p, flow); k.advanced && !shown {
			k.set(&edited, k.get(&base))
		}
	}
	return edited
}

// settingKey is one key of [settings]: a duration within bounds, or (when
// text is set) a string its check accepts.
type settingKey struct {
	key      string
	field    func(s *Settings) *time.Duration
	def      time.Duration // when the file does not say
	min, max time.Duration
	text     func(s *Settings) *string // a string setting; field is nil then
	check    func(string) string       // what is wrong with a text value, or ""
	help     string
}

// settingKeys are the [settings] keys, in the order WriteConfig writes them.
var settingKeys = []settingKey{
	{
		key: "refresh_margin", field: func(s *Settings) *time.Duration { return &s.RefreshMargin },
		def: DefaultRefreshMargin, min: 10 * time.Second, max: 12 * time.Hour,
		help: "refresh this long before expiry (at most half the lifetime)",
	},
	{
		key: "clipboard_clear", field: func(s *Settings) *time.Duration { return &s.ClipboardClear },
		def: DefaultClipboardClear, min: 5 * time.Second, max: time.Hour,
		help: "copied tokens leave the clipboard after this",
	},
	{
		key: "guard_window", field: func(s *Settings) *time.Duration { return &s.GuardWindow },
		def: DefaultGuardWindow, min: time.Minute, max: 12 * time.Hour,
		help: "an approved read of a guarded environment stays approved this long",
	},
	{
		key: "store", text: func(s *Settings) *string { return &s.Store }, check: checkStore,
		help: "where secrets and tokens are kept: keychain (default) or file (encrypted, for machines without one)",
	},
	{
		key: "store_passphrase_file", text: func(s *Settings) *string { return &s.StorePassphraseFile }, check: checkPassphraseFile,
		help: "the file store's passphrase, in a file only you can read (mode 0600)",
	},
	{
		key: "theme", text: func(s *Settings) *string { return &s.Theme }, check: checkTheme,
		help: "the window's colours: system (follow the desktop's light or dark preference), light or dark",
	},
}

// Values of Settings.Store.
const (
	StoreKeychain = "keychain"
	StoreFile     = "file"
)

func checkStore(v string) string {
	if v == StoreKeychain || v == StoreFile {
		return ""
	}
	return fmt.Sprintf("must be %q (the desktop keychain) or %q (an encrypted file, for machines without a keychain) (got %q)", StoreKeychain, StoreFile, Printable(v, 0))
}

// Values of Settings.Theme.
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

func checkTheme(v string) string {
	if v == ThemeSystem || v == ThemeLight || v == ThemeDark {
		return ""
	}
	return fmt.Sprintf("must be %q (follow the desktop), %q or %q (got %q)", ThemeSystem, ThemeLight, ThemeDark, Printable(v, 0))
}

func checkPassphraseFile(v string) string {
	if !filepath.IsAbs(v) {
		return fmt.Sprintf("must be an absolute path, such as \"/home/me/.config/tokentray/passphrase\" (got %q)", Printable(v, 0))
	}
	if len(v) > 4096 {
		return fmt.Sprintf("must be at most 4096 bytes (got %d)", len(v))
	}
	return ""
}

func lookupSetting(name string) (*settingKey, bool) {
	for i := range settingKeys {
		if settingKeys[i].key == name {
			return &settingKeys[i], true
		}
	}
	return nil, false
}

// settingKeyNames lists the keys of the settings keep says to.
func settingKeyNames(keep func(*settingKey) bool) string {
	var names []string
	for i := range settingKeys {
		if keep(&settingKeys[i]) {
			names = append(names, settingKeys[i].key)
		}
	}
	return strings.Join(names, ", ")
}

func anySetting(*settingKey) bool        { return true }
func durationSetting(k *settingKey) bool { return k.text == nil }
func textSetting(k *settingKey) bool     { return k.text != nil }

// parse reads a duration setting's text, e.g. "5m"; the message says
// what is wrong.
func (k *settingKey) parse(text string) (time.Duration, string) {
	d, err := time.ParseDuration(text)
	if err != nil {
		d = -1 // not a duration: the same message as a negative one
	}
	return d, k.problem(d, text)
}

// problem says what is wrong with d (shown as the user wrote it), or "".
func (k *settingKey) problem(d time.Duration, shown string) string {
	shown = Printable(shown, 0)
	if d <= 0 {
		return fmt.Sprintf("must be a positive duration such as \"5m\" or \"45s\" (got %q)", shown)
	}
	if d < k.min || d > k.max {
		return fmt.Sprintf("must be between %s and %s (got %q)", FormatDuration(k.min), FormatDuration(k.max), shown)
	}
	return ""
}

// ParseSetting reads the value of the [settings] key called key (such as
// "clipboard_clear") the way the config file does, for settings that
// arrive another way (PUT /v1/settings). The error's text is the message
// the file would get, with the bounds.
func ParseSetting(key, text string) (time.Duration, error) {
	k, ok := lookupSetting(key)
	if !ok || k.text != nil {
		return 0, fmt.Errorf("unknown key (known keys: %s)", settingKeyNames(durationSetting))
	}
	d, msg := k.parse(text)
	if msg != "" {
		return 0, errors.New(msg)
	}
	return d, nil
}

// CheckTextSetting says what is wrong with value for the text setting
// called key (such as "theme"), by the file's rules, for settings that
// arrive another way (PUT /v1/settings).
func CheckTextSetting(key, value string) error {
	k, ok := lookupSetting(key)
	if !ok || k.text == nil {
		return fmt.Errorf("unknown key (known keys: %s)", settingKeyNames(textSetting))
	}
	if msg := k.check(value); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// checkSettings checks settings made in code; zero means the default.
func checkSettings(s Settings) error {
	var errs []error
	for i := range settingKeys {
		k := &settingKeys[i]
		var msg string
		switch {
		case k.text != nil && *k.text(&s) != "":
			msg = k.check(*k.text(&s))
		case k.text == nil && *k.field(&s) != 0:
			msg = k.problem(*k.field(&s), FormatDuration(*k.field(&s)))
		}
		if msg != "" {
			errs = append(errs, &ConfigError{Key: "settings." + k.key, Msg: msg})
		}
	}
	return errors.Join(errs...)
}

// WithDefaults fills unset (zero or negative) settings with the defaults.
// It does not clamp: the loader and ParseSetting refuse values out of
// bounds with a message, which is better than quietly changing them.
func WithDefaults(s Settings) Settings {
	for i := range settingKeys {
		if k := &settingKeys[i]; k.text == nil && *k.field(&s) <= 0 {
			*k.field(&s) = k.def
		}
	}
	return s
}
