package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// drawn walks what is drawn under o, widgets' renderers included, and
// skips hidden branches, the way the eye sees the form.
func drawn(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			drawn(c, visit)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			drawn(c, visit)
		}
	}
}

// drawnTexts are every visible text under o.
func drawnTexts(o fyne.CanvasObject) string {
	var out []string
	drawn(o, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		}
	})
	return strings.Join(out, "\n")
}

// fieldFor is the widget each label must sit on.
func (f *envForm) fieldFor(label string) fyne.CanvasObject {
	p, _ := f.currentPreset()
	switch label {
	case fieldProvider:
		return f.preset
	case fieldName:
		return f.name
	case fieldFlow:
		return f.flow
	case fieldClientID:
		return f.clientID
	case fieldSecret:
		return f.secret
	case fieldScopes:
		if len(p.ScopeChoices) > 0 {
			return f.scopeChecks.box
		}
		return f.scopesText
	case fieldIssuer:
		return f.issuer
	case fieldAuthURL:
		return f.authURL
	case fieldDeviceURL:
		return f.deviceURL
	case fieldTokenURL:
		return f.tokenURL
	case fieldRedirect:
		return f.redirect
	case fieldTenant:
		return f.tenant
	}
	return nil
}

var allLabels = []string{fieldProvider, fieldName, fieldFlow, fieldClientID, fieldSecret, fieldScopes,
	fieldIssuer, fieldAuthURL, fieldDeviceURL, fieldTokenURL, fieldRedirect, fieldTenant}

// checkLabelsSitOnTheirFields checks, from where the open form is drawn,
// that each label shown is on the same row as the widget it names, that
// the fields the preset and flow need are there, and that the secret is
// masked.
func checkLabelsSitOnTheirFields(t *testing.T, fd *formDialog, want []string) {
	t.Helper()
	f := fd.form
	d := fyne.CurrentApp().Driver()
	var shown []string
	drawn(f.root, func(o fyne.CanvasObject) {
		var text string
		switch x := o.(type) {
		case *widget.Label:
			text = x.Text
		case *canvas.Text:
			text = x.Text
		default:
			return
		}
		if !slices.Contains(allLabels, text) {
			return
		}
		if !slices.Contains(shown, text) {
			shown = append(shown, text)
		}
		field := f.fieldFor(text)
		if !field.Visible() {
			t.Errorf("label %q is shown but its field is hidden", text)
			return
		}
		lp, fp := d.AbsolutePositionForObject(o), d.AbsolutePositionForObject(field)
		mid := lp.Y + o.Size().Height/2
		if field.Size().Height == 0 || mid < fp.Y || mid > fp.Y+field.Size().Height {
			t.Errorf("label %q (middle at y=%.0f) is not on the row of its field (y=%.0f..%.0f)",
				text, mid, fp.Y, fp.Y+field.Size().Height)
		}
		if lp.X >= fp.X {
			t.Errorf("label %q is not left of its field", text)
		}
	})
	slices.Sort(shown)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(shown, want) {
		t.Errorf("labels shown %q, want %q", shown, want)
	}
	if !f.secret.Password {
		t.Error("the client secret entry shows its text in clear")
	}
	if f.fieldFor(fieldSecret) != f.secret || f.item(fieldSecret) == nil || f.item(fieldSecret).field != f.secret {
		t.Error("the Client secret row does not hold the secret entry")
	}
}

// wantLabels is what a form for the preset (nil: custom) and flow must show.
func wantLabels(p *config.Preset, flow config.Flow) []string {
	out := []string{fieldProvider, fieldName, fieldClientID, fieldSecret, fieldScopes}
	if p == nil {
		out = append(out, fieldFlow, fieldTokenURL)
		switch flow {
		case config.FlowAuthorizationCode:
			out = append(out, fieldAuthURL, fieldRedirect)
		case config.FlowDeviceCode:
			out = append(out, fieldDeviceURL)
		}
		return out
	}
	if p.NeedsTenant() {
		out = append(out, fieldTenant)
	}
	if p.NeedsIssuer {
		out = append(out, fieldIssuer)
	}
	if p.NeedsTokenURL {
		out = append(out, fieldTokenURL)
	}
	if p.Flow == config.FlowAuthorizationCode {
		out = append(out, fieldRedirect)
	}
	return out
}

func TestEveryLabelSitsOnItsFieldForEveryPresetAndFlow(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	w.win.Resize(fyne.NewSize(800, 900))
	flows := []config.Flow{config.FlowAuthorizationCode, config.FlowClientCredentials, config.FlowDeviceCode}
	presets := config.Presets()
	for _, flow := range flows {
		t.Run("custom/"+string(flow), func(t *testing.T) {
			fd := w.showForm(nil, "")
			defer fd.dialog.Hide()
			fd.form.selectFlow(flow)
			checkLabelsSitOnTheirFields(t, fd, wantLabels(nil, flow))
		})
		for _, p := range presets {
			t.Run(fmt.Sprintf("flow %s, then preset %s", flow, p.Name), func(t *testing.T) {
				fd := w.showForm(nil, "")
				defer fd.dialog.Hide()
				fd.form.selectFlow(flow)
				fd.form.selectPreset(p.Name)
				checkLabelsSitOnTheirFields(t, fd, wantLabels(&p, flow))
				if len(p.ScopeChoices) > 0 && !slices.Equal(fd.form.scopeChecks.Options, p.ScopeChoices) {
					t.Errorf("scope checkboxes %q, want the preset's %q", fd.form.scopeChecks.Options, p.ScopeChoices)
				}
			})
			t.Run(fmt.Sprintf("preset %s, then custom with flow %s", p.Name, flow), func(t *testing.T) {
				fd := w.showForm(nil, p.Name)
				defer fd.dialog.Hide()
				checkLabelsSitOnTheirFields(t, fd, wantLabels(&p, p.Flow))
				fd.form.selectPreset("")
				fd.form.selectFlow(flow)
				checkLabelsSitOnTheirFields(t, fd, wantLabels(nil, flow))
			})
		}
	}
	// A walk through every preset in one form, as a user trying them out.
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	for _, p := range presets {
		fd.form.selectPreset(p.Name)
		checkLabelsSitOnTheirFields(t, fd, wantLabels(&p, p.Flow))
		fd.form.selectPreset("")
		fd.form.selectFlow(config.FlowClientCredentials)
		checkLabelsSitOnTheirFields(t, fd, wantLabels(nil, config.FlowClientCredentials))
	}
}

func TestZeptoFormAsksForScopesAndTheRegisteredRedirectURI(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectPreset("campaignflow")
	f.selectPreset("zepto-sandbox")
	if r := f.item(fieldScopes); r == nil || r.field != f.scopeChecks.box || len(f.scopeChecks.checks) != 12 {
		t.Errorf("zepto's scopes are not offered as its twelve checkboxes")
	}
	if f.item(fieldRedirect) == nil {
		t.Fatal("no Redirect URI field for zepto")
	}
	ph := f.redirect.PlaceHolder
	if strings.Contains(ph, "default") || strings.Contains(ph, "free port") || !strings.Contains(ph, "as registered with Zepto") {
		t.Errorf("redirect placeholder %q contradicts the field being required", ph)
	}
}

func TestTheSecretIsMaskedUntilTheUserRevealsIt(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectPreset("zepto-sandbox")
	f.selectPreset("")
	f.selectFlow(config.FlowClientCredentials)
	test.Type(f.secret, "s3cret-value")
	if f.secret.Text != "s3cret-value" {
		t.Fatalf("typed secret reads %q", f.secret.Text)
	}
	if strings.Contains(drawnTexts(f.root), "s3cret-value") {
		t.Error("the secret is drawn in clear before the user asked")
	}
	reveal, ok := f.secret.ActionItem.(*widget.Button)
	if !ok {
		t.Fatal("the secret entry has no reveal button")
	}
	test.Tap(reveal)
	if !strings.Contains(drawnTexts(f.root), "s3cret-value") {
		t.Error("the reveal button does not show the secret")
	}
	test.Tap(reveal)
	if strings.Contains(drawnTexts(f.root), "s3cret-value") {
		t.Error("a second press does not hide the secret again")
	}
}

func TestFormShowsEveryProblemAtOnceUnderItsFieldInItsWords(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	before := h.config(t)
	w.win.Resize(fyne.NewSize(800, 900))
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectFlow(config.FlowAuthorizationCode)
	f.name.SetText("Local Thing")
	f.authURL.SetText("auth")
	d := fyne.CurrentApp().Driver()
	nameAt := d.AbsolutePositionForObject(f.name)
	fd.save()
	if fd.saving {
		t.Fatal("the form asked the host with fields missing")
	}
	for label, want := range map[string]string{
		fieldName:     "lowercase",
		fieldClientID: "Client ID is required",
		fieldTokenURL: "Token URL is required",
		fieldAuthURL:  "Authorization URL must be an absolute URL",
	} {
		if got := hintOf(f.item(label)); !strings.Contains(got, want) {
			t.Errorf("field %s shows %q, want %q", label, got, want)
		}
	}
	text := drawnTexts(f.root)
	for _, key := range []string{"token_url", "client_id", "auth_url", "missing"} {
		if strings.Contains(text, key) {
			t.Errorf("the form speaks in config keys (%q):\n%s", key, text)
		}
	}
	if f.problems.Visible() {
		t.Errorf("problems shown away from their fields: %q", f.problems.Text)
	}
	if got := d.AbsolutePositionForObject(f.name); got != nameAt {
		t.Errorf("the Name field moved from %v to %v when the problems showed", nameAt, got)
	}
	if h.config(t) != before {
		t.Error("an invalid form changed the config file")
	}
	// Fixed one by one, each problem leaves with the next save.
	f.clientID.SetText("abc")
	fd.save()
	if f.item(fieldClientID).problem != "" {
		t.Errorf("fixed Client ID still shows %q", f.item(fieldClientID).problem)
	}
	if f.item(fieldTokenURL).problem == "" {
		t.Error("the Token URL problem went away unfixed")
	}
}

func TestFieldMessagesUseTheFieldsWords(t *testing.T) {
	for _, tc := range []struct{ label, msg, want string }{
		{fieldTokenURL, "missing", "Token URL is required"},
		{fieldClientID, "missing: copy it from the console", "Client ID is required: copy it from the console"},
		{fieldRedirect, "missing: set redirect_uri = \"x\"", "Redirect URI is required: set Redirect URI = \"x\""},
		{fieldTokenURL, "must be https:// unless the host is loopback", "Token URL must be https:// unless the host is loopback"},
		{fieldDeviceURL, "the device_authorization_url and token_url disagree", "Device authorization URL: the Device authorization URL and Token URL disagree"},
	} {
		if got := fieldMessage(tc.label, tc.msg); got != tc.want {
			t.Errorf("fieldMessage(%q, %q) = %q, want %q", tc.label, tc.msg, got, tc.want)
		}
	}
}

func TestPickersShowNamesAPersonReads(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	f := newEnvForm(nil, "", w.presets)
	for _, want := range []string{"Zepto (sandbox)", "CampaignFlow (production)", "OpenID Connect (discovery)",
		"OAuth 2 server (RFC 8414 discovery)", "Custom"} {
		if !slices.Contains(f.preset.Options, want) {
			t.Errorf("provider picker %q lacks %q", f.preset.Options, want)
		}
	}
	for _, o := range f.preset.Options {
		if o == "oidc" || o == "oauth2" || strings.Contains(o, "-") {
			t.Errorf("provider picker shows a bare id %q", o)
		}
	}
	if want := []string{"Authorization code", "Client credentials", "Device code"}; !slices.Equal(f.flow.Options, want) {
		t.Errorf("flow picker %q, want %q", f.flow.Options, want)
	}
	f.selectPreset("zepto-production")
	if p, ok := f.currentPreset(); !ok || p.Name != "zepto-production" {
		t.Errorf("picking Zepto (production) chose %+v", p)
	}
}
