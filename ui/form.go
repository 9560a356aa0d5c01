package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket"
)

// customPreset is the provider choice without a preset.
const customPreset = "Custom"

// presetTitles are the provider names a person reads, by preset.
var presetTitles = map[string]string{
	"zepto-sandbox":     "Zepto (sandbox)",
	"zepto-production":  "Zepto (production)",
	"campaignflow-prod": "CampaignFlow (production)",
	"campaignflow-test": "CampaignFlow (test)",
	"campaignflow":      "CampaignFlow (your own host)",
	"entra":             "Microsoft Entra ID",
	"okta":              "Okta",
	"oidc":              "OpenID Connect (discovery)",
	"oauth2":            "OAuth 2 server (RFC 8414 discovery)",
}

// flowTitles are the flows in words, in the order the picker shows them.
var flowTitles = []struct {
	flow  config.Flow
	title string
}{
	{config.FlowAuthorizationCode, "Authorization code"},
	{config.FlowClientCredentials, "Client credentials"},
	{config.FlowDeviceCode, "Device code"},
}

func flowTitle(f config.Flow) string {
	for _, t := range flowTitles {
		if t.flow == f {
			return t.title
		}
	}
	return string(f)
}

func flowOf(title string) config.Flow {
	for _, t := range flowTitles {
		if t.title == title {
			return t.flow
		}
	}
	return config.Flow(title)
}

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
	fieldTenant    = "Tenant"
)

// fieldForKey is the form field that shows a config key's problems:
// the main fields', then the More section's.
var fieldForKey = func() map[string]string {
	m := map[string]string{
		"preset": fieldProvider, "name": fieldName, "flow": fieldFlow, "client_id": fieldClientID,
		"client_secret": fieldSecret, "scopes": fieldScopes, "issuer": fieldIssuer, "auth_url": fieldAuthURL,
		"device_authorization_url": fieldDeviceURL, "token_url": fieldTokenURL, "redirect_uri": fieldRedirect,
		"tenant": fieldTenant,
	}
	for k, label := range moreKeys {
		m[k] = label
	}
	return m
}()

// formPreset is what the form needs to know of a preset, from the host's
// description of it (GET /v1/presets).
type formPreset struct {
	Name, Title, Notes                        string
	Flow                                      config.Flow
	NeedsIssuer, NeedsTokenURL, NeedsRedirect bool
	NeedsTenant, NeedsCertificate, NeedsKey   bool
	Scopes, ScopeChoices                      []string
	Fills                                     config.Environment // what it fills: the More section's defaults
}

func newFormPreset(p socket.PresetInfo) formPreset {
	fp := formPreset{Name: p.Name, Notes: p.Notes, Flow: config.Flow(p.Flow),
		NeedsIssuer:   slices.Contains(p.Needs, "issuer"),
		NeedsTokenURL: slices.Contains(p.Needs, "token_url"),
		NeedsRedirect: slices.Contains(p.Needs, "redirect_uri"),
		NeedsTenant:   slices.Contains(p.Needs, "tenant"),
		// Required by the preset's client authentication (entra).
		NeedsCertificate: slices.Contains(p.Needs, "client_certificate"),
		NeedsKey:         slices.Contains(p.Needs, "private_key"),
		Fills:            p.Fills,
	}
	fp.Title = presetTitles[p.Name]
	if fp.Title == "" {
		fp.Title = p.Name
	}
	fp.Scopes, fp.ScopeChoices = p.Fills.Scopes, p.ScopeChoices
	return fp
}

// provider is the preset's provider as a person names it: "Zepto" for
// "Zepto (sandbox)".
func (p formPreset) provider() string {
	if i := strings.Index(p.Title, " ("); i > 0 {
		return p.Title[:i]
	}
	return "the provider"
}

// envForm adds or edits one environment. It shows only the fields the
// chosen preset leaves to the user; rows are built afresh from the preset
// and the flow on every change, so a label always sits on its field. The
// host validates what is saved with the rules the config file is loaded
// with, and showProblems puts every problem under its field.
type envForm struct {
	original string // the name being edited, "" when adding
	base     config.Environment
	presets  []formPreset

	preset      *formSelect
	notes       *widget.Label
	name        *formEntry
	flow        *formSelect
	clientID    *formEntry
	secret      *formEntry
	scopeChecks *scopePicker
	scopesText  *formEntry
	redirect    *formEntry
	authURL     *formEntry
	tokenURL    *formEntry
	issuer      *formEntry
	deviceURL   *formEntry
	tenant      *formEntry
	more        *moreSection  // the collapsed More section (form_more.go)
	problems    *widget.Label // what no field shows (the host is away, ...), under the form

	rows []*formRow
	grid *fyne.Container // label and field, row by row
	root fyne.CanvasObject

	onSubmit func() // Enter in any entry
	onCancel func() // Escape anywhere in the form
}

// newEnvForm builds the form for existing (nil when adding, then presetName
// preselects a preset; "" for a custom provider), offering the host's
// presets.
func newEnvForm(existing *config.Environment, presetName string, presets []socket.PresetInfo) *envForm {
	flowOptions := []string{}
	for _, t := range flowTitles {
		flowOptions = append(flowOptions, t.title)
	}
	f := &envForm{
		notes:      wrapped(widget.LowImportance),
		name:       newFormEntry(),
		flow:       newFormSelect(flowOptions),
		clientID:   newFormEntry(),
		secret:     newSecretEntry(),
		scopesText: newFormEntry(),
		redirect:   newFormEntry(),
		authURL:    newFormEntry(),
		tokenURL:   newFormEntry(),
		issuer:     newFormEntry(),
		deviceURL:  newFormEntry(),
		tenant:     newFormEntry(),
		more:       newMoreSection(existing),
		problems:   wrapped(widget.DangerImportance),
		grid:       container.New(layout.NewFormLayout()),
	}
	f.scopeChecks = newScopePicker()
	if existing != nil {
		f.original = existing.Name
		f.base = *existing
	}
	for _, p := range presets {
		f.presets = append(f.presets, newFormPreset(p))
	}
	f.name.SetPlaceHolder("e.g. zepto-sandbox")
	f.clientID.SetPlaceHolder("from the provider's developer console")
	f.secret.SetPlaceHolder("kept in the keychain, never in the config file")
	f.scopesText.SetPlaceHolder("space separated, e.g. read write")
	f.issuer.SetPlaceHolder("https://login.example.com")
	f.tokenURL.SetPlaceHolder("https://example.com/oauth/token")
	f.authURL.SetPlaceHolder("https://example.com/oauth/authorize")
	f.deviceURL.SetPlaceHolder("https://example.com/oauth/device")
	f.tenant.SetPlaceHolder("contoso.onmicrosoft.com or the directory (tenant) ID")
	f.flow.SetSelected(flowTitle(config.FlowAuthorizationCode))
	for _, e := range f.entries() {
		e.OnSubmitted = func(string) {
			if f.onSubmit != nil {
				f.onSubmit()
			}
		}
		e.onEscape = f.cancel
	}
	f.flow.onEscape = f.cancel
	for _, s := range f.more.selects() {
		s.onEscape = f.cancel
	}

	options := []string{}
	for _, p := range f.presets {
		options = append(options, p.Title)
	}
	options = append(options, customPreset)
	f.preset = newFormSelect(options)
	f.preset.onEscape = f.cancel

	if existing != nil {
		f.name.SetText(existing.Name)
		f.clientID.SetText(existing.ClientID)
		f.redirect.SetText(existing.RedirectURI)
		f.authURL.SetText(existing.AuthURL)
		f.tokenURL.SetText(existing.TokenURL)
		f.issuer.SetText(existing.Issuer)
		f.deviceURL.SetText(existing.DeviceURL)
		f.tenant.SetText(existing.Tenant)
		f.scopesText.SetText(strings.Join(existing.Scopes, " "))
		f.secret.SetPlaceHolder("leave empty to keep the stored secret")
		// The secret and the tokens are stored under the name: renaming is
		// removing and adding again.
		f.name.Disable()
		if existing.Flow != "" {
			f.flow.SetSelected(flowTitle(existing.Flow))
		}
		presetName = existing.Preset
	}
	f.selectPreset(presetName)
	// Only now: the initial choices must not reset the scopes, and the
	// fields are laid out once, below.
	f.preset.OnChanged = func(string) { f.layoutFields(nil) }
	f.flow.OnChanged = func(string) { f.layoutFields(nil) }
	f.more.authStyle.OnChanged = func(string) { f.layoutRows() }
	f.more.toggle.OnTapped = func() {
		f.more.open = !f.more.open
		f.layoutRows()
	}
	var scopes []string
	if existing != nil {
		scopes = existing.Scopes
	}
	f.layoutFields(scopes)
	f.clearProblemsOnChange()
	f.root = container.NewVBox(f.grid, f.problems, f.notes)
	return f
}

// clearProblemsOnChange takes a field's problem away as soon as the field
// changes: what it said may no longer be true, and the next Save checks
// again.
func (f *envForm) clearProblemsOnChange() {
	clear := func(field fyne.CanvasObject) {
		for _, r := range f.rows {
			if r.field == field && r.problem != "" {
				r.setProblem("")
			}
		}
	}
	for _, e := range f.entries() {
		e.OnChanged = func(string) { clear(e) }
	}
	for _, s := range []*formSelect{f.more.alg, f.more.thumbprint, f.more.guard} {
		s.OnChanged = func(string) { clear(s) }
	}
	f.more.dpop.OnChanged = func(bool) { clear(f.more.dpop) }
	f.scopeChecks.onChanged = func() { clear(f.scopeChecks.box) }
}

// entries are the form's text fields.
func (f *envForm) entries() []*formEntry {
	return append([]*formEntry{f.name, f.clientID, f.secret, f.scopesText, f.redirect, f.authURL, f.tokenURL, f.issuer,
		f.deviceURL, f.tenant}, f.more.entries()...)
}

func (f *envForm) cancel() {
	if f.onCancel != nil {
		f.onCancel()
	}
}

// selectPreset picks the preset called name ("" or an unknown name: a
// custom provider).
func (f *envForm) selectPreset(name string) {
	for _, p := range f.presets {
		if p.Name == name {
			f.preset.SetSelected(p.Title)
			return
		}
	}
	f.preset.SetSelected(customPreset)
}

// selectFlow picks a flow for a custom provider.
func (f *envForm) selectFlow(flow config.Flow) { f.flow.SetSelected(flowTitle(flow)) }

// currentPreset is the chosen preset; ok is false for a custom provider.
func (f *envForm) currentPreset() (formPreset, bool) {
	for _, p := range f.presets {
		if p.Title == f.preset.Selected {
			return p, true
		}
	}
	return formPreset{}, false
}

// currentFlow is the flow the environment will use.
func (f *envForm) currentFlow() config.Flow {
	if p, ok := f.currentPreset(); ok && p.Flow != "" {
		return p.Flow
	}
	return flowOf(f.flow.Selected)
}

// firstField is the field the form opens focused on: the first text
// field that can change (the name, or when editing the client ID), so
// that typing lands in it; the pickers above take letters too.
func (f *envForm) firstField() fyne.Focusable {
	for _, r := range f.rows {
		if e, ok := r.field.(*formEntry); ok && !e.Disabled() {
			return e
		}
	}
	return nil
}

// rowsFor is the form's rows for a preset (isPreset false: a custom
// provider) and flow: the one place that decides which fields show, in
// which order, with which words.
func (f *envForm) rowsFor(p formPreset, isPreset bool, flow config.Flow) []*formRow {
	rows := []*formRow{
		{label: fieldProvider, field: f.preset},
		{label: fieldName, field: f.name, hint: "lowercase letters, digits and dashes; scripts ask for the token by this name"},
	}
	if !isPreset {
		rows = append(rows, &formRow{label: fieldFlow, field: f.flow})
	}
	rows = append(rows, &formRow{label: fieldClientID, field: f.clientID})
	secretHint := "optional for this flow; kept in the keychain"
	switch {
	case p.NeedsKey:
		secretHint = "the certificate's private key (PEM); kept in the keychain"
	case flow == config.FlowClientCredentials:
		secretHint = "kept in the keychain, never in the config file"
	}
	rows = append(rows, &formRow{label: fieldSecret, field: f.secret, hint: secretHint})
	if len(p.ScopeChoices) > 0 {
		rows = append(rows, &formRow{label: fieldScopes, field: f.scopeChecks.box})
	} else {
		rows = append(rows, &formRow{label: fieldScopes, field: f.scopesText})
	}
	if p.NeedsTenant {
		rows = append(rows, &formRow{label: fieldTenant, field: f.tenant, hint: p.provider() + "'s endpoints name your directory"})
	}
	if p.NeedsIssuer || (!isPreset && f.issuer.Text != "") {
		rows = append(rows, &formRow{label: fieldIssuer, field: f.issuer, hint: "endpoints are read from its discovery document"})
	}
	if !isPreset && flow == config.FlowAuthorizationCode {
		rows = append(rows, &formRow{label: fieldAuthURL, field: f.authURL})
	}
	if !isPreset && flow == config.FlowDeviceCode {
		rows = append(rows, &formRow{label: fieldDeviceURL, field: f.deviceURL})
	}
	if p.NeedsTokenURL || !isPreset {
		rows = append(rows, &formRow{label: fieldTokenURL, field: f.tokenURL})
	}
	if flow == config.FlowAuthorizationCode {
		r := &formRow{label: fieldRedirect, field: f.redirect}
		if isPreset && p.NeedsRedirect {
			r.hint = "required: exactly the URI registered with " + p.provider()
			f.redirect.SetPlaceHolder("http://127.0.0.1:8750/callback — as registered with " + p.provider())
		} else {
			r.hint = "optional; left empty, tokentray listens on a free loopback port"
			f.redirect.SetPlaceHolder("http://127.0.0.1:<free port>/callback")
		}
		rows = append(rows, r)
	}
	return rows
}

// layoutFields shows the fields the chosen preset and flow need, replacing
// every row. scopes are the ones to tick; nil keeps the preset's defaults.
func (f *envForm) layoutFields(scopes []string) {
	p, _ := f.currentPreset()
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
	} else if scopes != nil {
		f.scopesText.SetText(strings.Join(scopes, " "))
	}
	if p.NeedsCertificate {
		f.more.open = true // the certificate the preset requires is there
	}
	f.layoutRows()
	f.notes.SetText(p.Notes)
	if p.Notes == "" {
		f.notes.Hide()
	} else {
		f.notes.Show()
	}
	f.problems.SetText("")
	f.problems.Hide()
	if f.root != nil {
		f.root.Refresh()
	}
}

// layoutRows replaces the rows with the ones the preset, the flow and the
// More section (open or not, its client authentication) call for.
func (f *envForm) layoutRows() {
	p, isPreset := f.currentPreset()
	title := p.Title
	if !isPreset {
		title = "this provider"
	}
	f.rows = append(f.rowsFor(p, isPreset, f.currentFlow()), f.more.rows(p.Fills, title)...)
	f.grid.Objects = rowObjects(f.rows)
	f.grid.Refresh()
	if f.root != nil {
		f.root.Refresh()
	}
}

// environment builds the environment the form describes, as the config
// file will hold it (only what the preset leaves open; keys the form does
// not show are kept from the file). problems is everything the form can
// tell before asking the host: every required field left empty and every
// value the config loader refuses, all at once. The secret is "" when the
// user left it empty.
func (f *envForm) environment() (config.Environment, config.Secret, []socket.Problem) {
	p, isPreset := f.currentPreset()
	e := config.Environment{
		Name:     strings.TrimSpace(f.name.Text),
		ClientID: strings.TrimSpace(f.clientID.Text),
	}
	if isPreset {
		e.Preset = p.Name
		if p.NeedsTenant {
			e.Tenant = strings.TrimSpace(f.tenant.Text)
		}
		if p.NeedsIssuer {
			e.Issuer = strings.TrimSpace(f.issuer.Text)
		}
		if p.NeedsTokenURL {
			e.TokenURL = strings.TrimSpace(f.tokenURL.Text)
		}
	} else {
		e.Flow = flowOf(f.flow.Selected)
		e.Issuer = strings.TrimSpace(f.issuer.Text)
		e.TokenURL = strings.TrimSpace(f.tokenURL.Text)
		switch e.Flow {
		case config.FlowAuthorizationCode:
			e.AuthURL = strings.TrimSpace(f.authURL.Text)
		case config.FlowDeviceCode:
			e.DeviceURL = strings.TrimSpace(f.deviceURL.Text)
		}
	}
	flow := f.currentFlow()
	if flow == config.FlowAuthorizationCode {
		e.RedirectURI = strings.TrimSpace(f.redirect.Text)
	}
	if len(p.ScopeChoices) > 0 {
		e.Scopes = f.scopeChecks.Selected()
	} else if fields := strings.Fields(f.scopesText.Text); len(fields) > 0 {
		e.Scopes = fields
	}
	e = config.KeepHiddenKeys(e, f.base)
	f.more.apply(&e, p.Fills, f.base)
	secret := config.Secret(f.secret.Text)

	var problems []socket.Problem
	required := func(key, help string) {
		problems = append(problems, socket.Problem{Key: key, Message: "missing: " + help})
	}
	if e.Name == "" {
		required("name", "")
	}
	if e.ClientID == "" {
		required("client_id", "copy it from the provider's developer console")
	}
	if f.original == "" && flow == config.FlowClientCredentials && secret == "" {
		required("client_secret", "the client credentials flow signs in with it")
	}
	discovered := e.Issuer != ""
	switch {
	case isPreset && p.NeedsIssuer && e.Issuer == "":
		required("issuer", "the provider's address, e.g. https://login.example.com")
	case isPreset && p.NeedsTokenURL && e.TokenURL == "":
		required("token_url", "the token endpoint "+p.provider()+" gave you")
	case !isPreset && !discovered:
		if e.TokenURL == "" {
			required("token_url", "the provider's token endpoint")
		}
		if flow == config.FlowAuthorizationCode && e.AuthURL == "" {
			required("auth_url", "the provider's authorization endpoint")
		}
		if flow == config.FlowDeviceCode && e.DeviceURL == "" {
			required("device_authorization_url", "the provider's device authorization endpoint")
		}
	}
	if isPreset && p.NeedsRedirect && flow == config.FlowAuthorizationCode && e.RedirectURI == "" {
		required("redirect_uri", "exactly the URI registered with "+p.provider()+", e.g. http://127.0.0.1:8750/callback")
	}
	// The loader's own checks of the values given; with keys missing it
	// reports only the values, so the two lists together are complete.
	for _, ce := range config.ConfigErrors(config.CheckEnvironment(e)) {
		if !slices.ContainsFunc(problems, func(p socket.Problem) bool { return p.Key == ce.Key }) {
			problems = append(problems, socket.Problem{Key: ce.Key, Message: ce.Msg})
		}
	}
	return e, secret, problems
}

// showProblems puts each problem under its field, in the field's words,
// all at once; what no field shows goes under the form, so no field moves
// from under the pointer. nil clears them.
func (f *envForm) showProblems(problems []socket.Problem) {
	// A problem with a key of the closed More section opens it.
	for _, pr := range problems {
		if _, inMore := moreKeys[problemKey(pr.Key)]; inMore && !f.more.open {
			f.more.open = true
			f.layoutRows()
			break
		}
	}
	for _, r := range f.rows {
		r.problem = ""
	}
	var loose []string
	for _, pr := range problems {
		label := fieldForKey[problemKey(pr.Key)]
		if r := f.item(label); r != nil {
			msg := fieldMessage(label, pr.Message)
			if r.problem != "" {
				r.problem += "; " + msg
			} else {
				r.problem = msg
			}
			continue
		}
		line := humanizeKeys(pr.Message)
		if label != "" {
			line = fieldMessage(label, pr.Message)
		} else if pr.Key != "" {
			line = humanizeKeys(problemKey(pr.Key)) + ": " + line
		}
		loose = append(loose, line)
	}
	for _, r := range f.rows {
		r.refreshNote()
	}
	f.problems.SetText(strings.Join(loose, "\n"))
	if len(loose) == 0 {
		f.problems.Hide()
	} else {
		f.problems.Show()
	}
	f.root.Refresh()
}

// fieldMessage puts a problem with the field labelled label in the words
// of the form: "missing: ..." reads "Token URL is required: ...", "must be
// https://" reads "Token URL must be https://", and config keys become
// the labels the user sees.
func fieldMessage(label, msg string) string {
	msg = strings.TrimSpace(msg)
	if rest, ok := strings.CutPrefix(msg, "missing"); ok {
		rest = strings.TrimSpace(strings.TrimPrefix(rest, ":"))
		if rest == "" {
			return label + " is required"
		}
		return label + " is required: " + humanizeKeys(rest)
	}
	msg = humanizeKeys(msg)
	for _, verb := range []string{"must ", "is ", "needs ", "has "} {
		if strings.HasPrefix(msg, verb) {
			return label + " " + msg
		}
	}
	return label + ": " + msg
}

// humanizeKeys replaces config keys in a message by the form's labels.
func humanizeKeys(msg string) string {
	keys := make([]string, 0, len(fieldForKey))
	for k := range fieldForKey {
		keys = append(keys, k)
	}
	// Longer keys first: device_authorization_url before auth_url.
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	for _, k := range keys {
		if strings.Contains(k, "_") {
			msg = strings.ReplaceAll(msg, k, fieldForKey[k])
		}
	}
	return msg
}

// problemKey is the key a problem is about: the last part of a path such
// as environment[2].token_url.
func problemKey(key string) string {
	if i := strings.LastIndexAny(key, ".]"); i >= 0 {
		return key[i+1:]
	}
	return key
}

// item is the form's row with that label, or nil when it is not shown.
func (f *envForm) item(label string) *formRow {
	for _, r := range f.rows {
		if label != "" && r.label == label {
			return r
		}
	}
	return nil
}
