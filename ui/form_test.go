package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/tokentray/tokentray/config"
)

func TestFormValidatesLikeTheConfigLoader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		preset  string
		fill    func(f *envForm)
		problem string // "" when the form is valid
	}{
		{"zepto needs its registered redirect URI", "zepto-sandbox", func(f *envForm) {
			f.name.SetText("zepto-sandbox")
			f.clientID.SetText("abc")
		}, "redirect_uri: missing"},
		{"zepto with redirect URI", "zepto-sandbox", func(f *envForm) {
			f.name.SetText("zepto-sandbox")
			f.clientID.SetText("abc")
			f.redirect.SetText("http://127.0.0.1:8750/callback")
		}, ""},
		{"name with capitals", "zepto-sandbox", func(f *envForm) {
			f.name.SetText("Zepto Sandbox")
			f.clientID.SetText("abc")
			f.redirect.SetText("http://127.0.0.1:8750/callback")
		}, "name: must be lowercase letters, digits and dashes only"},
		{"name already taken", "zepto-sandbox", func(f *envForm) {
			f.name.SetText("campaignflow-prod")
			f.clientID.SetText("abc")
			f.redirect.SetText("http://127.0.0.1:8750/callback")
		}, `name: "campaignflow-prod" is already used`},
		{"client id missing", "zepto-sandbox", func(f *envForm) {
			f.name.SetText("zepto-sandbox")
			f.redirect.SetText("http://127.0.0.1:8750/callback")
		}, "client_id: missing"},
		{"campaign flow needs a token URL", "campaignflow", func(f *envForm) {
			f.name.SetText("campaignflow-test")
			f.clientID.SetText("abc")
		}, "token_url: missing"},
		{"custom token URL must be https", "", func(f *envForm) {
			f.name.SetText("local")
			f.flow.SetSelected(string(config.FlowClientCredentials))
			f.clientID.SetText("abc")
			f.tokenURL.SetText("http://auth.example.com/token")
		}, "token_url: must be https:// unless the host is loopback"},
		{"custom on loopback", "", func(f *envForm) {
			f.name.SetText("local")
			f.flow.SetSelected(string(config.FlowAuthorizationCode))
			f.clientID.SetText("test-client")
			f.authURL.SetText("http://127.0.0.1:9096/authorize")
			f.tokenURL.SetText("http://127.0.0.1:9096/token")
		}, ""},
		{"oidc needs the issuer", "oidc", func(f *envForm) {
			f.name.SetText("keycloak")
			f.clientID.SetText("abc")
		}, "issuer: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			f := newEnvForm(nil, tc.preset, []string{"campaignflow-prod"})
			tc.fill(f)
			_, _, err := f.environment()
			switch {
			case tc.problem == "" && err != nil:
				t.Fatalf("form refused a valid environment: %v", err)
			case tc.problem != "" && err == nil:
				t.Fatalf("form accepted it, want a problem %q", tc.problem)
			case tc.problem != "" && !strings.Contains(err.Error(), tc.problem):
				t.Fatalf("problems = %q, want one containing %q", err, tc.problem)
			}
		})
	}
}

func TestFormWritesOnlyWhatThePresetLeavesOpen(t *testing.T) {
	test.NewTempApp(t)
	f := newEnvForm(nil, "zepto-sandbox", nil)
	f.name.SetText("zepto-sandbox")
	f.clientID.SetText("abc")
	f.redirect.SetText("http://127.0.0.1:8750/callback")
	f.secret.SetText("s3cret")
	f.scopeChecks.SetSelected([]string{"payments", "public"})
	e, secret, err := f.environment()
	if err != nil {
		t.Fatal(err)
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
	test.NewTempApp(t)
	f := newEnvForm(nil, "zepto-sandbox", nil)
	if !slices.Contains(f.scopeChecks.Options, "bank_accounts") {
		t.Errorf("scope choices = %q, want Zepto's", f.scopeChecks.Options)
	}
	if !slices.Equal(f.scopeChecks.Selected(), []string{"public"}) {
		t.Errorf("ticked = %q, want the preset default [public]", f.scopeChecks.Selected())
	}
	f.preset.SetSelected(customPreset)
	if !formHas(f, "Token URL") || !formHas(f, "Authorization URL") || !formHas(f, "Flow") {
		t.Error("a custom provider must ask for flow, authorization and token URL")
	}
	f.flow.SetSelected(string(config.FlowClientCredentials))
	if formHas(f, "Authorization URL") || formHas(f, "Redirect URI") {
		t.Error("client credentials need no authorization URL or redirect URI")
	}
}

func TestEditFormKeepsExistingValues(t *testing.T) {
	test.NewTempApp(t)
	existing := config.Environment{Name: "zepto-sandbox", Preset: "zepto-sandbox", Flow: config.FlowAuthorizationCode,
		ClientID: "abc", Scopes: []string{"public", "payments"}, RedirectURI: "http://127.0.0.1:8750/callback",
		AuthURL: "https://go.sandbox.zeptopayments.com/oauth/authorize", TokenURL: "https://go.sandbox.zeptopayments.com/oauth/token"}
	f := newEnvForm(&existing, "", []string{"zepto-sandbox", "other"})
	e, secret, err := f.environment()
	if err != nil {
		t.Fatalf("unchanged edit refused: %v", err)
	}
	if secret != "" {
		t.Error("an untouched secret field should leave the stored secret alone")
	}
	if e.ClientID != "abc" || !slices.Equal(e.Scopes, []string{"public", "payments"}) || e.RedirectURI != existing.RedirectURI {
		t.Errorf("edit lost values: %+v", e)
	}
}

func formHas(f *envForm, label string) bool {
	for _, it := range f.form.Items {
		if it.Text == label {
			return true
		}
	}
	return false
}
