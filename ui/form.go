package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
)

const customPreset = "Custom (any OAuth2 server)"

var flows = []string{string(config.FlowAuthorizationCode), string(config.FlowClientCredentials), string(config.FlowDeviceCode)}

// envForm adds or edits one environment. It shows only the fields the
// chosen preset leaves to the user; environment() validates them with the
// rules the config file is loaded with (config.CheckEnvironment).
type envForm struct {
	original string   // the name being edited, "" when adding
	taken    []string // names of the other environments

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

	form *widget.Form
	root fyne.CanvasObject
}

// newEnvForm builds the form for existing (nil when adding, then presetName
// preselects a preset; "" for a custom provider). taken lists every
// environment name in the config.
func newEnvForm(existing *config.Environment, presetName string, taken []string) *envForm {
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
	}
	f.scopeChecks = newScopePicker()
	if existing != nil {
		f.original = existing.Name
	}
	for _, n := range taken {
		if n != f.original {
			f.taken = append(f.taken, n)
		}
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
	for _, p := range config.Presets() {
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
func (f *envForm) currentPreset() (config.Preset, bool) {
	if f.preset.Selected == customPreset {
		return config.Preset{}, false
	}
	return config.LookupPreset(f.preset.Selected)
}

// layoutFields shows the fields the chosen preset and flow need. scopes
// are the ones to tick; nil keeps the preset's defaults.
func (f *envForm) layoutFields(scopes []string) {
	p, isPreset := f.currentPreset()
	flow := config.Flow(f.flow.Selected)
	if isPreset && p.Flow != "" {
		flow = p.Flow
	}
	items := []*widget.FormItem{widget.NewFormItem("Provider", f.preset), widget.NewFormItem("Name", f.name)}
	if !isPreset {
		items = append(items, widget.NewFormItem("Flow", f.flow))
	}
	items = append(items,
		widget.NewFormItem("Client ID", f.clientID),
		widget.NewFormItem("Client secret", f.secret))

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
		items = append(items, widget.NewFormItem("Scopes", f.scopeChecks.box))
	} else {
		if scopes != nil {
			f.scopesText.SetText(strings.Join(scopes, " "))
		}
		items = append(items, widget.NewFormItem("Scopes", f.scopesText))
	}
	if p.NeedsIssuer || (!isPreset && f.issuer.Text != "") {
		items = append(items, widget.NewFormItem("Issuer", f.issuer))
	}
	if !isPreset && flow == config.FlowAuthorizationCode {
		items = append(items, widget.NewFormItem("Authorization URL", f.authURL))
	}
	if !isPreset && flow == config.FlowDeviceCode {
		items = append(items, widget.NewFormItem("Device authorization URL", f.deviceURL))
	}
	if p.NeedsTokenURL || !isPreset {
		items = append(items, widget.NewFormItem("Token URL", f.tokenURL))
	}
	if flow == config.FlowAuthorizationCode {
		redirect := widget.NewFormItem("Redirect URI", f.redirect)
		if p.NeedsRedirectURI {
			redirect.HintText = "required: exactly the URI registered with the provider"
		}
		items = append(items, redirect)
	}
	f.form.Items = items
	f.form.Refresh()
	setText(f.notes, p.Notes)
	if f.root != nil {
		f.root.Refresh()
	}
}

// environment builds the environment the form describes, as the config
// file will hold it (only what the preset leaves open), and validates it.
// The secret is "" when the user left it empty.
func (f *envForm) environment() (config.Environment, manager.Secret, error) {
	p, isPreset := f.currentPreset()
	e := config.Environment{
		Name:     strings.TrimSpace(f.name.Text),
		ClientID: strings.TrimSpace(f.clientID.Text),
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

	var problems []string
	if _, dup := config.DuplicateNames(append(slices.Clip(f.taken), e.Name))[len(f.taken)]; dup {
		problems = append(problems, fmt.Sprintf("name: %q is already used by another environment; pick another name", e.Name))
	}
	if e.ClientID == "" {
		problems = append(problems, "client_id: missing: copy the client ID from the provider's developer console")
	}
	for _, ce := range config.ConfigErrors(config.CheckEnvironment(e)) {
		problems = append(problems, ce.Key+": "+ce.Msg)
	}
	if len(problems) > 0 {
		return e, "", errors.New(strings.Join(problems, "\n"))
	}
	return e, manager.Secret(f.secret.Text), nil
}

// showProblems puts validation errors under the form.
func (f *envForm) showProblems(err error) {
	text := ""
	if err != nil {
		text = err.Error()
	}
	setText(f.problems, text)
	f.root.Refresh() // the problems line changes the form's height
}
