package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/internal/oauthserver"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// connected is a window on a fresh host whose config holds only a comment.
func connected(t *testing.T, hooks server.HostHooks) (*testHost, *testWin) {
	t.Helper()
	h := startHost(t, func(*oauthserver.Server) string { return "# my environments\n" }, hooks)
	w := openWindow(t, h.sock)
	w.until(t, "the host's presets", func() bool { return w.connected && len(w.presets) > 0 })
	return h, w
}

// saveAndWait taps Save and waits for the host's answer.
func (w *testWin) saveAndWait(t *testing.T, fd *formDialog) {
	t.Helper()
	fd.save()
	w.until(t, "the host to answer the save", func() bool { return !fd.saving })
}

func TestSaveShowsEveryProblemOfTheHostNextToItsField(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	before := h.config(t)
	fd := w.showForm(nil, "")
	f := fd.form
	f.name.SetText("Local Thing")
	f.selectFlow(config.FlowClientCredentials)
	f.clientID.SetText("abc")
	f.tokenURL.SetText("http://auth.example.com/token")
	w.saveAndWait(t, fd)
	if fd.saved {
		t.Fatal("the host took an invalid environment")
	}
	for label, want := range map[string]string{
		fieldName:     "lowercase",
		fieldTokenURL: "https://",
	} {
		if it := f.item(label); it == nil || !strings.Contains(it.shown(), want) {
			t.Errorf("field %s shows %q, want a problem about %q", label, hintOf(it), want)
		}
	}
	if f.item(fieldClientID).problem != "" {
		t.Errorf("a good field shows a problem: %q", f.item(fieldClientID).shown())
	}
	if got := h.config(t); got != before {
		t.Errorf("an invalid form changed the config file:\n%s", got)
	}
	if len(h.m.Environments()) != 0 {
		t.Error("an invalid form reached the engine")
	}

	// Fixed, the same form saves, and the problems are gone.
	f.name.SetText("local")
	f.tokenURL.SetText(h.oauth.TokenURL())
	f.secret.SetText("s3cret-value")
	w.saveAndWait(t, fd)
	if !fd.saved {
		t.Fatalf("the host refused a valid environment: %s / %q", f.problems.Text, hintOf(f.item(fieldTokenURL)))
	}
	text := h.config(t)
	if !strings.Contains(text, `name = "local"`) || !strings.Contains(text, "# my environments") {
		t.Errorf("config file after save:\n%s\nwant the new environment and the user's comment kept", text)
	}
	if strings.Contains(text, "s3cret-value") {
		t.Error("the client secret was written to the config file")
	}
	if s, _ := h.store.LoadSecret("local"); s.Value.Reveal() != "s3cret-value" {
		t.Error("the client secret did not reach the host's keychain")
	}
	w.until(t, "the new environment's card", func() bool { return w.cardText("local") != "" })
}

func TestPresetFormsAskForWhatThePresetLeavesOpen(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	for _, tc := range []struct {
		name, preset string
		fill         func(f *envForm)
		field, want  string
	}{
		{"zepto needs its registered redirect URI", "zepto-sandbox", func(f *envForm) {
			f.name.SetText("zepto-sandbox")
			f.clientID.SetText("abc")
		}, fieldRedirect, "Redirect URI is required"},
		{"campaign flow needs a token URL", "campaignflow", func(f *envForm) {
			f.name.SetText("campaignflow-test")
			f.clientID.SetText("abc")
		}, fieldTokenURL, "Token URL is required"},
		{"oidc needs the issuer", "oidc", func(f *envForm) {
			f.name.SetText("keycloak")
			f.clientID.SetText("abc")
		}, fieldIssuer, "Issuer is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd := w.showForm(nil, tc.preset)
			tc.fill(fd.form)
			w.saveAndWait(t, fd)
			fd.dialog.Hide()
			if fd.saved {
				t.Fatal("the host took it")
			}
			if it := fd.form.item(tc.field); it == nil || !strings.Contains(it.shown(), tc.want) {
				t.Errorf("field %s shows %q, want %q; above the form: %q", tc.field, hintOf(it), tc.want, fd.form.problems.Text)
			}
		})
	}
}

func TestFormWantsAClientIDBeforeAskingTheHost(t *testing.T) {
	h, w := connected(t, server.HostHooks{})
	fd := w.showForm(nil, "")
	fd.form.name.SetText("local")
	fd.save()
	if fd.saving || !strings.Contains(fd.form.item(fieldClientID).shown(), "Client ID is required") {
		t.Errorf("client ID field shows %q, want it missing and nothing sent", fd.form.item(fieldClientID).shown())
	}
	if strings.Contains(h.config(t), "local") {
		t.Error("the form wrote an environment without a client ID")
	}
}

func TestFormWritesOnlyWhatThePresetLeavesOpen(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	f := newEnvForm(nil, "zepto-sandbox", w.presets)
	f.name.SetText("zepto-sandbox")
	f.clientID.SetText("abc")
	f.redirect.SetText("http://127.0.0.1:8750/callback")
	f.secret.SetText("s3cret")
	f.scopeChecks.SetSelected([]string{"payments", "public"})
	e, secret, problems := f.environment()
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if e.Preset != "zepto-sandbox" || e.AuthURL != "" || e.TokenURL != "" || e.Flow != "" {
		t.Errorf("environment = %+v; endpoints and flow should come from the preset, not the file", e)
	}
	if want := []string{"public", "payments"}; !slices.Equal(e.Scopes, want) {
		t.Errorf("scopes = %q, want %q in the order offered", e.Scopes, want)
	}
	if secret.Reveal() != "s3cret" {
		t.Error("the secret did not come back from the form")
	}
	if strings.Contains(strings.ToLower(strings.Join([]string{e.Name, e.ClientID, e.RedirectURI}, " ")), "s3cret") {
		t.Error("the secret leaked into the environment")
	}
}

func TestFormOffersThePresetsScopeChoices(t *testing.T) {
	_, w := connected(t, server.HostHooks{})
	f := newEnvForm(nil, "zepto-sandbox", w.presets)
	if !slices.Contains(f.scopeChecks.Options, "bank_accounts") {
		t.Errorf("scope choices = %q, want Zepto's", f.scopeChecks.Options)
	}
	if !slices.Equal(f.scopeChecks.Selected(), []string{"public"}) {
		t.Errorf("ticked = %q, want the preset default [public]", f.scopeChecks.Selected())
	}
	f.preset.SetSelected(customPreset)
	if f.item(fieldTokenURL) == nil || f.item(fieldAuthURL) == nil || f.item(fieldFlow) == nil {
		t.Error("a custom provider must ask for flow, authorization and token URL")
	}
	f.selectFlow(config.FlowClientCredentials)
	if f.item(fieldAuthURL) != nil || f.item(fieldRedirect) != nil {
		t.Error("client credentials need no authorization URL or redirect URI")
	}
}

func TestEditReadsTheEnvironmentFromTheHostAndKeepsItsValues(t *testing.T) {
	var revokeURL string
	h := startHost(t, func(o *oauthserver.Server) string {
		revokeURL = o.RevokeURL()
		return localEnv("local", o) + "scopes = [\"read\", \"write\"]\nrevocation_url = \"" + revokeURL + "\"\n"
	}, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })
	w.openEditForm("local") // what the card's Edit button does
	w.until(t, "the edit form", func() bool { return w.form != nil })
	f := w.form.form
	if f.clientID.Text != oauthserver.DefaultClientID || f.tokenURL.Text != h.oauth.TokenURL() || f.scopesText.Text != "read write" {
		t.Errorf("edit form shows client ID %q, token URL %q, scopes %q; want the file's", f.clientID.Text, f.tokenURL.Text, f.scopesText.Text)
	}
	if !f.name.Disabled() {
		t.Error("the name can be edited, but the secret and tokens are stored under it")
	}
	got, secret, problems := f.environment()
	if len(problems) > 0 {
		t.Fatalf("unchanged edit refused: %v", problems)
	}
	if secret != "" {
		t.Error("an untouched secret field should leave the stored secret alone")
	}
	if got.RevokeURL != revokeURL {
		t.Errorf("the edit drops revocation_url, which the form does not show: %+v", got)
	}
	// Saved unchanged, the file still has every key.
	f.scopesText.SetText("read")
	w.saveAndWait(t, w.form)
	if !w.form.saved {
		t.Fatalf("unchanged edit refused by the host: %s", f.problems.Text)
	}
	if text := h.config(t); !strings.Contains(text, revokeURL) || !strings.Contains(text, `scopes = ["read"]`) {
		t.Errorf("config after the edit:\n%s", text)
	}
}

func hintOf(it *formRow) string {
	if it == nil {
		return "<no such field>"
	}
	return it.shown()
}

// The form shows no guard, DPoP or client authentication fields; saving an
// edit keeps those keys and their comments as the file has them.
func TestEditKeepsTheKeysTheFormDoesNotShow(t *testing.T) {
	h := startHost(t, func(o *oauthserver.Server) string {
		return localEnv("local", o) + "guard = \"confirm\"   # hand edit\ndpop = true\n"
	}, server.HostHooks{})
	w := openWindow(t, h.sock)
	w.until(t, "the card", func() bool { return w.cardText("local") != "" })
	w.openEditForm("local")
	w.until(t, "the edit form", func() bool { return w.form != nil })
	w.form.form.scopesText.SetText("read")
	w.saveAndWait(t, w.form)
	if !w.form.saved {
		t.Fatalf("edit refused by the host: %s", w.form.form.problems.Text)
	}
	text := h.config(t)
	for _, want := range []string{`guard = "confirm"   # hand edit`, "dpop = true", `scopes = ["read"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("config after the edit lacks %s:\n%s", want, text)
		}
	}
}
