package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform/socket"
)

const customPreset = "Custom (any OAuth2 server)"

var flows = []string{string(config.FlowAuthorizationCode), string(config.FlowClientCredentials), string(config.FlowDeviceCode)}

// Form labels, shared with the tests.
const (
	fieldProvider  = "Provider"
	fieldName      = "Name"
	fieldFlow      = "Flow"
	fieldClientID  = "Client ID"
	fieldSecret    = "Client secret"
	fieldScopes    = "Scopes"
	fieldIssuer    = "Issuer"
	fieldAuthURL   = "Authorization URL"
	fieldDeviceURL = "Device authorization URL"
	fieldTokenURL  = "Token URL"
	fieldRedirect  = "Redirect URI"
)

// fieldForKey is the form field that shows a config key's problems.
var fieldForKey = map[string]string{
	"preset": fieldProvider, "name": fieldName, "flow": fieldFlow, "client_id": fieldClientID,
	"client_secret": fieldSecret, "scopes": fieldScopes, "issuer": fieldIssuer, "auth_url": fieldAuthURL,
	"device_authorization_url": fieldDeviceURL, "token_url": fieldTokenURL, "redirect_uri": fieldRedirect,
}

// formPreset is what the form needs to know of a preset, from the host's
// description of it (GET /v1/presets).
type formPreset struct {
	Name, Notes                               string
	Flow                                      config.Flow
	NeedsIssuer, NeedsTokenURL, NeedsRedirect bool
	Scopes, ScopeChoices                      []string
}

func newFormPreset(p socket.PresetInfo) formPreset {
	fp := formPreset{Name: p.Name, Notes: p.Notes, Flow: config.Flow(p.Flow),
		NeedsIssuer:   slices.Contains(p.Needs, "issuer"),
		NeedsTokenURL: slices.Contains(p.Needs, "token_url"),
		NeedsRedirect: slices.Contains(p.Needs, "redirect_uri"),
	}
	fp.Scopes, fp.ScopeChoices = p.Fills.Scopes, p.ScopeChoices
	return fp
}

// envForm adds or edits one environment. It shows only the fields the
// chosen preset leaves to the user; the host validates them with the
// rules the config file is loaded with, and showProblems puts what it
// found next to the fields.
type envForm struct {
	original string // the name being edited, "" when adding
	base     config.Environment
	presets  []formPreset

	preset      *widget.Select
	notes       *widget.Label
	name        *widget.Entry
	flow        *widget.Select
	clientID    *widget.Entry
	secret      *widget.Entry
	scopeChecks *scopePicker
	scopesText  *widget.Entry
	redirect    *widget.Entry
	authURL     *widget.Entry
	tokenURL    *widget.Entry
	issuer      *widget.Entry
	deviceURL   *widget.Entry
	problems    *widget.Label

	hints map[string]string // a field's own hint, shown when it has no problem
	form  *widget.Form
	root  fyne.CanvasObject
}

// newEnvForm builds the form for existing (nil when adding, then presetName
// preselects a preset; "" for a custom provider), offering the host's
// presets.
func newEnvForm(existing *config.Environment, presetName string, presets []socket.PresetInfo) *envForm {
	f := &envForm{
		notes:      wrapped(widget.LowImportance),
		name:       widget.NewEntry(),
		flow:       widget.NewSelect(flows, nil),
		clientID:   widget.NewEntry(),
		secret:     widget.NewPasswordEntry(),
		scopesText: widget.NewEntry(),
		redirect:   widget.NewEntry(),
		authURL:    widget.NewEntry(),
		tokenURL:   widget.NewEntry(),
		issuer:     widget.NewEntry(),
		deviceURL:  widget.NewEntry(),
		problems:   wrapped(widget.DangerImportance),
		form:       widget.NewForm(),
		hints:      map[string]string{},
	}
	f.scopeChecks = newScopePicker()
	if existing != nil {
		f.original = existing.Name
		f.base = *existing
	}
	for _, p := range presets {
		f.presets = append(f.presets, newFormPreset(p))
	}
	f.name.SetPlaceHolder("e.g. zepto-sandbox (lowercase letters, digits, dashes)")
	f.clientID.SetPlaceHolder("from the provider's developer console")
	f.secret.SetPlaceHolder("kept in the keychain, never in the config file")
	f.scopesText.SetPlaceHolder("space separated, e.g. read write")
	f.redirect.SetPlaceHolder("default: http://127.0.0.1:<free port>/callback")
	f.issuer.SetPlaceHolder("https://login.example.com")
	f.tokenURL.SetPlaceHolder("https://example.com/oauth/token")
	f.authURL.SetPlaceHolder("https://example.com/oauth/authorize")
	f.deviceURL.SetPlaceHolder("https://example.com/oauth/device")
	f.flow.SetSelected(string(config.FlowAuthorizationCode))

	options := []string{}
	for _, p := range f.presets {
		options = append(options, p.Name)
	}
	options = append(options, customPreset)
	f.preset = widget.NewSelect(options, nil)

	if existing != nil {
		f.name.SetText(existing.Name)
		f.clientID.SetText(existing.ClientID)
		f.redirect.SetText(existing.RedirectURI)
		f.authURL.SetText(existing.AuthURL)
		f.tokenURL.SetText(existing.TokenURL)
		f.issuer.SetText(existing.Issuer)
		f.deviceURL.SetText(existing.DeviceURL)
		f.scopesText.SetText(strings.Join(existing.Scopes, " "))
		f.secret.SetPlaceHolder("leave empty to keep the stored secret")
		// The secret and the tokens are stored under the name: renaming is
		// removing and adding again.
		f.name.Disable()
		if existing.Flow != "" {
			f.flow.SetSelected(string(existing.Flow))
		}
		presetName = existing.Preset
	}
	if presetName == "" {
		f.preset.SetSelected(customPreset)
	} else {
		f.preset.SetSelected(presetName)
	}
	// Only now: the initial choices must not reset the scopes, and the
	// fields are laid out once, below.
	f.preset.OnChanged = func(string) { f.layoutFields(nil) }
	f.flow.OnChanged = func(string) { f.layoutFields(nil) }
	var scopes []string
	if existing != nil {
		scopes = existing.Scopes
	}
	f.layoutFields(scopes)
	f.root = container.NewVBox(f.problems, f.form, f.notes)
	return f
}

// currentPreset is the chosen preset; ok is false for a custom provider.
func (f *envForm) currentPreset() (formPreset, bool) {
	for _, p := range f.presets {
		if p.Name == f.preset.Selected {
			return p, true
		}
	}
	return formPreset{}, false
}

// layoutFields shows the fields the chosen preset and flow need. scopes
// are the ones to tick; nil keeps the preset's defaults.
func (f *envForm) layoutFields(scopes []string) {
	p, isPreset := f.currentPreset()
	flow := config.Flow(f.flow.Selected)
	if isPreset && p.Flow != "" {
		flow = p.Flow
	}
	items := []*widget.FormItem{widget.NewFormItem(fieldProvider, f.preset), widget.NewFormItem(fieldName, f.name)}
	if !isPreset {
		items = append(items, widget.NewFormItem(fieldFlow, f.flow))
	}
	items = append(items,
		widget.NewFormItem(fieldClientID, f.clientID),
		widget.NewFormItem(fieldSecret, f.secret))

	if len(p.ScopeChoices) > 0 {
		choices := slices.Clone(p.ScopeChoices)
		if scopes == nil {
			scopes = p.Scopes
		}
		for _, s := range scopes {
			if !slices.Contains(choices, s) {
				choices = append(choices, s)
			}
		}
		f.scopeChecks.setOptions(choices, scopes)
		items = append(items, widget.NewFormItem(fieldScopes, f.scopeChecks.box))
	} else {
		if scopes != nil {
			f.scopesText.SetText(strings.Join(scopes, " "))
		}
		items = append(items, widget.NewFormItem(fieldScopes, f.scopesText))
	}
	if p.NeedsIssuer || (!isPreset && f.issuer.Text != "") {
		items = append(items, widget.NewFormItem(fieldIssuer, f.issuer))
	}
	if !isPreset && flow == config.FlowAuthorizationCode {
		items = append(items, widget.NewFormItem(fieldAuthURL, f.authURL))
	}
	if !isPreset && flow == config.FlowDeviceCode {
		items = append(items, widget.NewFormItem(fieldDeviceURL, f.deviceURL))
	}
	if p.NeedsTokenURL || !isPreset {
		items = append(items, widget.NewFormItem(fieldTokenURL, f.tokenURL))
	}
	if flow == config.FlowAuthorizationCode {
		redirect := widget.NewFormItem(fieldRedirect, f.redirect)
		if p.NeedsRedirect {
			redirect.HintText = "required: exactly the URI registered with the provider"
		}
		items = append(items, redirect)
	}
	f.hints = map[string]string{}
	for _, it := range items {
		f.hints[it.Text] = it.HintText
	}
	f.form.Items = items
	f.form.Refresh()
	setText(f.notes, p.Notes)
	if f.root != nil {
		f.root.Refresh()
	}
}

// environment builds the environment the form describes, as the config
// file will hold it (only what the preset leaves open; keys the form does
// not show are kept from the file). The host validates it; the form only
// insists on a client ID, which no provider goes without. The secret is ""
// when the user left it empty.
func (f *envForm) environment() (config.Environment, manager.Secret, []socket.Problem) {
	p, isPreset := f.currentPreset()
	e := config.Environment{
		Name:      strings.TrimSpace(f.name.Text),
		ClientID:  strings.TrimSpace(f.clientID.Text),
		RevokeURL: f.base.RevokeURL,
		AuthStyle: f.base.AuthStyle,
	}
	if isPreset {
		e.Preset = p.Name
		if p.NeedsIssuer {
			e.Issuer = strings.TrimSpace(f.issuer.Text)
		}
		if p.NeedsTokenURL {
			e.TokenURL = strings.TrimSpace(f.tokenURL.Text)
		}
	} else {
		e.Flow = config.Flow(f.flow.Selected)
		e.Issuer = strings.TrimSpace(f.issuer.Text)
		e.TokenURL = strings.TrimSpace(f.tokenURL.Text)
		switch e.Flow {
		case config.FlowAuthorizationCode:
			e.AuthURL = strings.TrimSpace(f.authURL.Text)
		case config.FlowDeviceCode:
			e.DeviceURL = strings.TrimSpace(f.deviceURL.Text)
		}
	}
	flow := e.Flow
	if isPreset {
		flow = p.Flow
	}
	if flow == config.FlowAuthorizationCode {
		e.RedirectURI = strings.TrimSpace(f.redirect.Text)
	}
	if len(p.ScopeChoices) > 0 {
		e.Scopes = f.scopeChecks.Selected()
	} else if fields := strings.Fields(f.scopesText.Text); len(fields) > 0 {
		e.Scopes = fields
	}
	var problems []socket.Problem
	if e.ClientID == "" {
		problems = append(problems, socket.Problem{Key: "client_id",
			Message: "missing: copy the client ID from the provider's developer console"})
	}
	return e, manager.Secret(f.secret.Text), problems
}

// showProblems puts each problem next to its field, and those no field
// shows above the form; nil clears them.
func (f *envForm) showProblems(problems []socket.Problem) {
	for _, it := range f.form.Items {
		it.HintText = f.hints[it.Text]
	}
	var loose []string
	for _, pr := range problems {
		if it := f.item(fieldForKey[problemKey(pr.Key)]); it != nil {
			if it.HintText != "" && it.HintText != f.hints[it.Text] {
				it.HintText += "; " + pr.Message
			} else {
				it.HintText = "⚠ " + pr.Message
			}
			continue
		}
		line := pr.Message
		if pr.Key != "" {
			line = pr.Key + ": " + line
		}
		loose = append(loose, line)
	}
	text := strings.Join(loose, "\n")
	if len(problems) > 0 && len(loose) < len(problems) {
		text = strings.TrimSpace("Fix the marked fields.\n" + text)
	}
	setText(f.problems, text)
	f.form.Refresh()
	f.root.Refresh() // the problems change the form's height
}

// problemKey is the key a problem is about: the last part of a path such
// as environment[2].token_url.
func problemKey(key string) string {
	if i := strings.LastIndexAny(key, ".]"); i >= 0 {
		return key[i+1:]
	}
	return key
}

// item is the form's field with that label, or nil when it is not shown.
func (f *envForm) item(label string) *widget.FormItem {
	for _, it := range f.form.Items {
		if label != "" && it.Text == label {
			return it
		}
	}
	return nil
}
