package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// Labels of the More section, as a person reads them.
const (
	moreRevocation = "Revocation URL"
	moreAuth       = "Client authentication"
	moreCert       = "Client certificate"
	moreKID        = "Assertion key ID"
	moreGuard      = "Guard"
	moreDPoP       = "DPoP"
	moreListen     = "Proxy listen"
	moreUpstream   = "Proxy upstream"
)

// field is the widget of the form's row labelled label, nil when the row
// is not shown.
func field(f *envForm, label string) fyne.CanvasObject {
	if r := f.item(label); r != nil {
		return r.field
	}
	return nil
}

// typeInto replaces the text of the entry of the row labelled label.
func typeInto(t *testing.T, f *envForm, label, text string) {
	t.Helper()
	switch e := field(f, label).(type) {
	case *formEntry:
		e.SetText(text)
	case *widget.Entry:
		e.SetText(text)
	default:
		t.Fatalf("no entry labelled %q (found %T)", label, e)
	}
}

// choose picks option in the drop-down of the row labelled label.
func choose(t *testing.T, f *envForm, label, option string) {
	t.Helper()
	s, ok := field(f, label).(*formSelect)
	if !ok {
		t.Fatalf("no drop-down labelled %q", label)
	}
	if !slices.Contains(s.Options, option) {
		t.Fatalf("drop-down %q offers %q, not %q", label, s.Options, option)
	}
	s.SetSelected(option)
}

// openMore presses the form's More button.
func openMore(t *testing.T, fd *formDialog) {
	t.Helper()
	test.Tap(button(t, fd.form.root, "More"))
}

func TestFormOpensOnTheNameField(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "zepto-sandbox")
	if got := w.win.Canvas().Focused(); got != fd.form.name {
		fd.dialog.Hide()
		t.Fatalf("focused %T, want the Name entry: typing must land in a field", got)
	}
	test.Type(w.win.Canvas().Focused(), "zepto-sandbox")
	if fd.form.name.Text != "zepto-sandbox" {
		t.Errorf("typed into the new form, Name reads %q", fd.form.name.Text)
	}
	fd.dialog.Hide()
	// Editing, the name cannot change: the first field that can is focused.
	e := config.Environment{Name: "local", Flow: config.FlowClientCredentials, ClientID: "abc", TokenURL: "https://example.com/token"}
	fd = w.showForm(&e, "")
	defer fd.dialog.Hide()
	if got := w.win.Canvas().Focused(); got != fd.form.clientID {
		t.Errorf("edit form focused %T, want the Client ID entry", got)
	}
}

func TestTypingInTheProviderPickerPicksAProvider(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	c := w.win.Canvas()
	c.Focus(fd.form.preset)
	for _, tc := range []struct{ typed, want string }{
		{"z", "Zepto (sandbox)"}, {"op", "OpenID Connect (discovery)"}, {"campaignflow (t", "CampaignFlow (test)"}, {"cu", customPreset},
	} {
		test.Type(fd.form.preset, tc.typed)
		if got := fd.form.preset.Selected; got != tc.want {
			t.Errorf("typing %q picked %q, want %q", tc.typed, got, tc.want)
		}
	}
	if c.Focused() != fd.form.preset {
		t.Error("typing in the picker moved the focus")
	}
}

func TestAFieldsProblemGoesAwayWhenTheFieldChanges(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectFlow(config.FlowClientCredentials)
	fd.save()
	for _, label := range []string{fieldName, fieldClientID, fieldTokenURL} {
		if hintOf(f.item(label)) == "" || !strings.Contains(hintOf(f.item(label)), "required") {
			t.Fatalf("%s shows %q after an empty save", label, hintOf(f.item(label)))
		}
	}
	test.Type(f.clientID, "a")
	if got := f.item(fieldClientID).problem; got != "" {
		t.Errorf("Client ID still shows %q after it changed", got)
	}
	if f.item(fieldName).problem == "" || f.item(fieldTokenURL).problem == "" {
		t.Error("fields that did not change lost their problems")
	}
	f.tokenURL.SetText("x")
	if got := f.item(fieldTokenURL).problem; got != "" {
		t.Errorf("Token URL still shows %q after it changed", got)
	}
}

func TestTheAuthorizationURLsExampleIsAnAuthorizeURL(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectFlow(config.FlowAuthorizationCode)
	f.name.SetText("local")
	f.clientID.SetText("abc")
	f.authURL.SetText("login")
	f.tokenURL.SetText("https://example.com/token")
	fd.save()
	got := hintOf(f.item(fieldAuthURL))
	if !strings.Contains(got, "oauth/authorize") || strings.Contains(got, "oauth/token") {
		t.Errorf("Authorization URL shows %q, want an authorize URL as the example", got)
	}
}

// checkRowsSitOnTheirFields checks that each shown row's label is level
// with its field and left of it.
func checkRowsSitOnTheirFields(t *testing.T, f *envForm, labels []string) {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	for _, label := range labels {
		r := f.item(label)
		if r == nil {
			t.Errorf("no row %q", label)
			continue
		}
		lp, fp := d.AbsolutePositionForObject(r.text), d.AbsolutePositionForObject(r.field)
		mid := lp.Y + r.text.Size().Height/2
		if !r.text.Visible() || !r.field.Visible() || mid < fp.Y || mid > fp.Y+r.field.Size().Height || lp.X >= fp.X {
			t.Errorf("label %q at %v (middle y=%.0f) is not beside its field at %v (height %.0f)", label, lp, mid, fp, r.field.Size().Height)
		}
	}
}

func TestMoreHoldsRevocationClientAuthGuardDPoPAndProxy(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	w.win.Resize(fyne.NewSize(800, 900))
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectFlow(config.FlowClientCredentials)
	basic := []string{moreRevocation, moreAuth, moreGuard, moreDPoP, moreListen, moreUpstream}
	drawnLabels := strings.Split(drawnTexts(f.root), "\n")
	for _, label := range basic {
		if f.item(label) != nil || slices.Contains(drawnLabels, label) {
			t.Errorf("%s shows before More is opened", label)
		}
	}
	openMore(t, fd)
	checkRowsSitOnTheirFields(t, f, basic)
	if f.item(moreCert) != nil || f.item(moreKID) != nil {
		t.Error("certificate and assertion fields show for HTTP Basic")
	}
	choose(t, f, moreAuth, "Private key JWT")
	checkRowsSitOnTheirFields(t, f, append(basic, moreCert, moreKID))
	choose(t, f, moreAuth, "TLS client certificate")
	if f.item(moreCert) == nil || f.item(moreKID) != nil {
		t.Error("TLS client authentication shows the certificate, and no assertion")
	}
	// The main fields stay where the preset and flow put them.
	checkLabelsSitOnTheirFields(t, fd, wantLabels(nil, config.FlowClientCredentials))
	// Collapsed again, the section hides its fields.
	openMore(t, fd)
	if f.item(moreGuard) != nil {
		t.Error("More does not close")
	}
}

func TestMoreValuesAreCheckedByTheConfigRulesAndSaved(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	defer fd.dialog.Hide()
	f := fd.form
	f.selectFlow(config.FlowClientCredentials)
	f.name.SetText("local")
	f.clientID.SetText(oauthserver.DefaultClientID)
	f.tokenURL.SetText(h.oauth.TokenURL())
	f.secret.SetText(oauthserver.DefaultClientSecret)
	openMore(t, fd)
	typeInto(t, f, moreRevocation, "ftp://example.com/revoke")
	typeInto(t, f, moreListen, "0.0.0.0:8181")
	typeInto(t, f, moreUpstream, "https://api.example.com")
	choose(t, f, moreGuard, "Confirm each new reader")
	field(f, moreDPoP).(*widget.Check).SetChecked(true)
	openMore(t, fd) // closed while problems come: they open it again
	before := h.config(t)
	fd.save()
	if fd.saving {
		t.Fatal("the form asked the host with values the config refuses")
	}
	for label, want := range map[string]string{
		moreRevocation: "Revocation URL must be https://",
		moreListen:     "loopback",
	} {
		if got := hintOf(f.item(label)); !strings.Contains(got, want) {
			t.Errorf("%s shows %q, want %q", label, got, want)
		}
	}
	if f.problems.Visible() {
		t.Errorf("problems shown away from their fields: %q", f.problems.Text)
	}
	if h.config(t) != before {
		t.Error("refused values reached the file")
	}
	typeInto(t, f, moreRevocation, h.oauth.RevokeURL())
	typeInto(t, f, moreListen, "127.0.0.1:0")
	w.saveAndWait(t, fd)
	if !fd.saved {
		t.Fatalf("the host refused: %q; %q", f.problems.Text, hintOf(f.item(moreListen)))
	}
	text := h.config(t)
	for _, want := range []string{`revocation_url = "` + h.oauth.RevokeURL() + `"`, `guard = "confirm"`, "dpop = true",
		`proxy_listen = "127.0.0.1:0"`, `proxy_upstream = "https://api.example.com"`} {
		if !strings.Contains(text, want) {
			t.Errorf("config lacks %s:\n%s", want, text)
		}
	}
	for _, unwanted := range []string{"auth_style", "assertion"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("config holds %s the user did not choose:\n%s", unwanted, text)
		}
	}
}

func TestEditShowsWhatMoreHoldsAndKeepsIt(t *testing.T) {
	h := startHost(t, func(o *oauthserver.Server) string {
		return localEnv("local", o) + "revocation_url = \"" + o.RevokeURL() + "\"\nauth_style = \"form\"   # hand edit\nguard = \"confirm\"\n"
	}, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })
	w.openEditForm("local")
	w.until(t, "the edit form", func() bool { return w.form != nil })
	fd := w.form
	openMore(t, fd)
	f := fd.form
	if got := field(f, moreRevocation).(*formEntry).Text; got != h.oauth.RevokeURL() {
		t.Errorf("Revocation URL shows %q", got)
	}
	if got := field(f, moreAuth).(*formSelect).Selected; got != "Form body" {
		t.Errorf("Client authentication shows %q, want Form body", got)
	}
	if got := field(f, moreGuard).(*formSelect).Selected; got != "Confirm each new reader" {
		t.Errorf("Guard shows %q", got)
	}
	f.scopesText.SetText("read")
	w.saveAndWait(t, fd)
	if !fd.saved {
		t.Fatalf("edit refused: %s", f.problems.Text)
	}
	text := h.config(t)
	for _, want := range []string{`auth_style = "form"   # hand edit`, `guard = "confirm"`, h.oauth.RevokeURL(), `scopes = ["read"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("config after the edit lacks %s:\n%s", want, text)
		}
	}
}
