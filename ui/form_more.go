package ui

import (
	"cmp"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
)

// The form's "More" section, collapsed until asked for: the keys most
// environments leave alone (the config key table's advanced keys). It
// shows the client certificate and the assertion keys only when the
// client authentication needs them. It owns its keys: what it writes is
// what its fields say, and a key its client authentication does not use
// is left out.

// Labels of the More section, shared with the tests.
const (
	labelMore          = "More"
	fieldRevocation    = "Revocation URL"
	fieldAuthStyle     = "Client authentication"
	fieldCertificate   = "Client certificate"
	fieldAudience      = "Assertion audience"
	fieldKID           = "Assertion key ID"
	fieldAlg           = "Assertion algorithm"
	fieldThumbprint    = "Certificate thumbprint"
	fieldGuard         = "Guard"
	fieldDPoP          = "DPoP"
	fieldProxyListen   = "Proxy listen"
	fieldProxyUpstream = "Proxy upstream"
)

// moreKeys are the config keys of the More section and their labels.
var moreKeys = map[string]string{
	"revocation_url": fieldRevocation, "auth_style": fieldAuthStyle, "client_certificate": fieldCertificate,
	"assertion_audience": fieldAudience, "assertion_kid": fieldKID, "assertion_alg": fieldAlg,
	"assertion_thumbprint": fieldThumbprint, "guard": fieldGuard, "dpop": fieldDPoP,
	"proxy_listen": fieldProxyListen, "proxy_upstream": fieldProxyUpstream,
}

// optionDefault is the choice that writes nothing: the provider's, or
// tokentray's, default.
const optionDefault = "Default"

// choice is one option of a More drop-down: its title and the value the
// config file gets.
type choice struct{ title, value string }

var (
	authStyleChoices = []choice{
		{optionDefault, ""}, {"HTTP Basic (header)", config.AuthStyleHeader}, {"Form body", config.AuthStyleForm},
		{"Private key JWT", config.AuthStylePrivateKeyJWT}, {"Client secret JWT", config.AuthStyleClientSecretJWT},
		{"TLS client certificate", config.AuthStyleTLSClientAuth},
	}
	guardChoices = []choice{
		{optionDefault, ""}, {"None", config.GuardNone}, {"Confirm each new reader", config.GuardConfirm},
	}
	thumbprintChoices = []choice{
		{optionDefault, ""}, {"x5t (SHA-1)", config.ThumbprintSHA1}, {"x5t#S256 (SHA-256)", config.ThumbprintSHA256},
	}
)

func titles(cs []choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.title
	}
	return out
}

func titleOf(cs []choice, value string) string {
	for _, c := range cs {
		if c.value == value {
			return c.title
		}
	}
	return cs[0].title
}

func valueOf(cs []choice, title string) string {
	for _, c := range cs {
		if c.title == title {
			return c.value
		}
	}
	return ""
}

// moreSection holds the More fields.
type moreSection struct {
	open   bool
	toggle *focusButton
	// dpopOwn is the user's DPoP choice while a preset that always binds
	// its tokens (okta) checks and locks the box.
	dpopOwn bool

	revocation  *formEntry
	authStyle   *formSelect
	certificate *formEntry
	audience    *formEntry
	kid         *formEntry
	alg         *formSelect
	thumbprint  *formSelect
	guard       *formSelect
	dpop        *widget.Check
	listen      *formEntry
	upstream    *formEntry
}

func newMoreSection(existing *config.Environment) *moreSection {
	m := &moreSection{
		revocation:  newFormEntry(),
		authStyle:   newFormSelect(titles(authStyleChoices)),
		certificate: newFormEntry(),
		audience:    newFormEntry(),
		kid:         newFormEntry(),
		alg:         newFormSelect(nil),
		thumbprint:  newFormSelect(titles(thumbprintChoices)),
		guard:       newFormSelect(titles(guardChoices)),
		dpop:        widget.NewCheck("Bind the tokens to a key tokentray keeps (RFC 9449)", nil),
		listen:      newFormEntry(),
		upstream:    newFormEntry(),
	}
	m.certificate.MultiLine = true
	m.certificate.Wrapping = fyne.TextWrapBreak
	m.certificate.SetMinRowsVisible(3)
	m.certificate.SetPlaceHolder("-----BEGIN CERTIFICATE-----\n…")
	m.revocation.SetPlaceHolder("https://example.com/oauth/revoke")
	m.audience.SetPlaceHolder("left empty: the token URL")
	m.kid.SetPlaceHolder("the key's id at the provider")
	m.listen.SetPlaceHolder("127.0.0.1:8181")
	m.upstream.SetPlaceHolder("https://api.example.com")
	m.toggle = newFocusButton(labelMore, theme.MenuDropDownIcon(), nil)
	m.toggle.Importance = widget.LowImportance
	m.toggle.Alignment = widget.ButtonAlignLeading
	e := config.Environment{}
	if existing != nil {
		e = *existing
	}
	m.revocation.SetText(e.RevokeURL)
	m.authStyle.SetSelected(titleOf(authStyleChoices, e.AuthStyle))
	m.certificate.SetText(e.ClientCertificate)
	m.audience.SetText(e.AssertionAudience)
	m.kid.SetText(e.AssertionKID)
	m.setAlgOptions(e.AuthStyle)
	m.alg.SetSelected(cmp.Or(e.AssertionAlg, optionDefault))
	m.thumbprint.SetSelected(titleOf(thumbprintChoices, e.AssertionThumbprint))
	m.guard.SetSelected(titleOf(guardChoices, e.Guard))
	m.dpop.SetChecked(e.DPoP)
	m.listen.SetText(e.ProxyListen)
	m.upstream.SetText(e.ProxyUpstream)
	return m
}

func (m *moreSection) entries() []*formEntry {
	return []*formEntry{m.revocation, m.certificate, m.audience, m.kid, m.listen, m.upstream}
}

func (m *moreSection) selects() []*formSelect {
	return []*formSelect{m.authStyle, m.alg, m.thumbprint, m.guard}
}

// style is the client authentication in effect: the one chosen, else
// the preset's, else HTTP Basic.
func (m *moreSection) style(fills config.Environment) string {
	return cmp.Or(valueOf(authStyleChoices, m.authStyle.Selected), fills.AuthStyle, config.AuthStyleHeader)
}

// setAlgOptions offers the algorithms the style signs with.
func (m *moreSection) setAlgOptions(style string) {
	algs := config.KeyAssertionAlgs
	if style == config.AuthStyleClientSecretJWT {
		algs = config.SecretAssertionAlgs
	}
	options := append([]string{optionDefault}, algs...)
	if slices.Equal(options, m.alg.Options) {
		return
	}
	m.alg.Options = options
	if !slices.Contains(options, m.alg.Selected) {
		m.alg.SetSelected(optionDefault)
	}
	m.alg.Refresh()
}

// rows are the section's rows: the toggle, and while open its fields,
// for a provider whose preset fills fills (empty without a preset).
func (m *moreSection) rows(fills config.Environment, preset string) []*formRow {
	m.followPresetDPoP(fills.DPoP)
	toggle := &formRow{field: m.toggle}
	if !m.open {
		toggle.hint = "revocation, client authentication, guard, DPoP, local proxy"
		m.toggle.SetIcon(theme.MenuDropDownIcon())
		return []*formRow{toggle}
	}
	m.toggle.SetIcon(theme.MenuDropUpIcon())
	style := m.style(fills)
	auth := config.Environment{AuthStyle: style}
	m.setAlgOptions(style)
	revocationHint := "optional: where Sign out revokes the tokens"
	if fills.RevokeURL != "" {
		revocationHint = "left empty: " + fills.RevokeURL
	}
	authHint := "Default: HTTP Basic, or the form body when the provider's metadata asks for it"
	if fills.AuthStyle != "" {
		authHint = "Default for " + preset + ": " + titleOf(authStyleChoices, fills.AuthStyle)
	}
	guardHint := "Default: None; Confirm: each program's first read waits for your Allow"
	if fills.Guard != "" {
		guardHint = "Default for " + preset + ": " + titleOf(guardChoices, fills.Guard)
	}
	dpopHint := ""
	if fills.DPoP {
		dpopHint = preset + " binds its tokens to a key"
	}
	out := []*formRow{toggle,
		{label: fieldRevocation, field: m.revocation, hint: revocationHint},
		{label: fieldAuthStyle, field: m.authStyle, hint: authHint},
	}
	if auth.SecretIsPrivateKey() { // a certificate goes with a private key
		out = append(out, &formRow{label: fieldCertificate, field: m.certificate,
			hint: "its PEM text; the private key goes in the store (Client secret)"})
	}
	if auth.SignsAssertion() {
		out = append(out,
			&formRow{label: fieldAudience, field: m.audience},
			&formRow{label: fieldKID, field: m.kid},
			&formRow{label: fieldAlg, field: m.alg})
	}
	if style == config.AuthStylePrivateKeyJWT {
		out = append(out, &formRow{label: fieldThumbprint, field: m.thumbprint})
	}
	return append(out,
		&formRow{label: fieldGuard, field: m.guard, hint: guardHint},
		&formRow{label: fieldDPoP, field: m.dpop, hint: dpopHint},
		&formRow{label: fieldProxyListen, field: m.listen, hint: "optional: a local proxy that adds this environment's token"},
		&formRow{label: fieldProxyUpstream, field: m.upstream, hint: "the API the proxy forwards to"},
	)
}

// followPresetDPoP checks and locks the DPoP box while the preset binds
// its tokens, and gives the user's choice back after.
func (m *moreSection) followPresetDPoP(byPreset bool) {
	// The box is disabled exactly while a preset binds the tokens.
	switch locked := m.dpop.Disabled(); {
	case byPreset && !locked:
		m.dpopOwn = m.dpop.Checked
		m.dpop.SetChecked(true)
		m.dpop.Disable()
	case !byPreset && locked:
		m.dpop.SetChecked(m.dpopOwn)
		m.dpop.Enable()
	}
}

// apply writes the section's keys into e: what the fields say, and a
// key the client authentication does not use left out.
func (m *moreSection) apply(e *config.Environment, fills, base config.Environment) {
	style := m.style(fills)
	auth := config.Environment{AuthStyle: style}
	e.RevokeURL = strings.TrimSpace(m.revocation.Text)
	e.AuthStyle = valueOf(authStyleChoices, m.authStyle.Selected)
	e.ClientCertificate, e.AssertionAudience, e.AssertionKID, e.AssertionAlg, e.AssertionThumbprint = "", "", "", "", ""
	if auth.SecretIsPrivateKey() {
		e.ClientCertificate = strings.TrimSpace(m.certificate.Text)
	}
	if auth.SignsAssertion() {
		e.AssertionAudience = strings.TrimSpace(m.audience.Text)
		e.AssertionKID = strings.TrimSpace(m.kid.Text)
		if m.alg.Selected != optionDefault {
			e.AssertionAlg = m.alg.Selected
		}
	}
	if style == config.AuthStylePrivateKeyJWT {
		e.AssertionThumbprint = valueOf(thumbprintChoices, m.thumbprint.Selected)
	}
	e.Guard = valueOf(guardChoices, m.guard.Selected)
	e.DPoP = m.dpop.Checked && (!fills.DPoP || base.DPoP) // the preset's own is not written again
	e.ProxyListen = strings.TrimSpace(m.listen.Text)
	e.ProxyUpstream = strings.TrimSpace(m.upstream.Text)
}
