package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The endpoints are the ones the providers document (see presets.go).
func TestPresetsResolveToDocumentedEndpoints(t *testing.T) {
	tests := []struct {
		preset                  string
		flow                    Flow
		authURL, tokenURL       string
		scopes                  []string
		authStyle               string
		lifetime                time.Duration
		needsRedirect, needsTok bool
		needsIssuer             bool
		tenant                  string // entra: the endpoints name it
	}{
		{"zepto-sandbox", FlowAuthorizationCode,
			"https://go.sandbox.zeptopayments.com/oauth/authorize", "https://go.sandbox.zeptopayments.com/oauth/token",
			[]string{"public"}, "form", 2 * time.Hour, true, false, false, ""},
		{"zepto-production", FlowAuthorizationCode,
			"https://go.zeptopayments.com/oauth/authorize", "https://go.zeptopayments.com/oauth/token",
			[]string{"public"}, "form", 2 * time.Hour, true, false, false, ""},
		{"campaignflow-prod", FlowClientCredentials, "", "https://app.campaignflow.com.au/oauth2/v1/token", nil, "", 0, false, false, false, ""},
		{"campaignflow-test", FlowClientCredentials, "", "https://test.campaignflow.com.au/oauth2/v1/token", nil, "", 0, false, false, false, ""},
		{"campaignflow", FlowClientCredentials, "", "", nil, "", 0, false, true, false, ""},
		{"oidc", FlowAuthorizationCode, "", "", []string{"openid"}, "", 0, false, false, true, ""},
		{"oauth2", FlowAuthorizationCode, "", "", nil, "", 0, false, false, true, ""},
		{"entra", FlowClientCredentials,
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
			[]string{"https://graph.microsoft.com/.default"}, AuthStylePrivateKeyJWT, 0, false, false, false, "contoso.onmicrosoft.com"},
		{"okta", FlowAuthorizationCode, "", "", []string{"openid", "offline_access"}, "", 0, false, false, true, ""},
	}
	if len(Presets()) != len(tests) {
		t.Errorf("%d presets, the table covers %d", len(Presets()), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			p, ok := LookupPreset(tt.preset)
			if !ok {
				t.Fatal("not found")
			}
			if p.NeedsRedirectURI != tt.needsRedirect || p.NeedsTokenURL != tt.needsTok || p.NeedsIssuer != tt.needsIssuer || p.TokenLifetime != tt.lifetime {
				t.Errorf("preset %+v", p)
			}
			e, err := ApplyPreset(Environment{Name: "x", Preset: tt.preset, Tenant: tt.tenant})
			if err != nil {
				t.Fatal(err)
			}
			want := Environment{Name: "x", Preset: tt.preset, Tenant: tt.tenant, Flow: tt.flow, AuthURL: tt.authURL, TokenURL: tt.tokenURL, Scopes: tt.scopes, AuthStyle: tt.authStyle}
			switch tt.preset {
			case "zepto-production":
				want.Guard = GuardConfirm // guard_test.go
			case "entra":
				want.DeviceURL = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
				want.AssertionThumbprint = ThumbprintSHA1
			case "okta":
				want.DPoP = true
			}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("applied\n got %+v\nwant %+v", e, want)
			}
			for _, s := range p.Scopes {
				if len(p.ScopeChoices) > 0 && !strings.Contains(" "+strings.Join(p.ScopeChoices, " ")+" ", " "+s+" ") {
					t.Errorf("default scope %q is not among the choices %v", s, p.ScopeChoices)
				}
			}
		})
	}
}

func TestCampaignFlowPresetsSayWhereTheTokenURLComesFrom(t *testing.T) {
	for _, name := range []string{"campaignflow-prod", "campaignflow-test", "campaignflow"} {
		p, ok := LookupPreset(name)
		if !ok {
			t.Fatalf("%s: not found", name)
		}
		if !strings.Contains(p.Notes, "<host>/oauth2/v1/token") {
			t.Errorf("%s notes do not say where the token URL comes from: %q", name, p.Notes)
		}
		if !strings.Contains(p.NotFoundHint, "ask CampaignFlow for your token URL") {
			t.Errorf("%s NotFoundHint = %q", name, p.NotFoundHint)
		}
	}
	for _, name := range []string{"campaignflow-prod", "campaignflow-test"} {
		p, _ := LookupPreset(name)
		if !strings.Contains(p.Notes, "404") || !strings.Contains(p.Notes, "ask CampaignFlow for your token URL") {
			t.Errorf("%s notes do not say what a 404 means: %q", name, p.Notes)
		}
	}
	if p, _ := LookupPreset("zepto-sandbox"); p.NotFoundHint != "" {
		t.Errorf("zepto has a 404 hint: %q", p.NotFoundHint)
	}
}

func TestCampaignFlowTokenURLCanBeOverridden(t *testing.T) {
	src := `[[environment]]
name = "cf"
preset = "campaignflow-test"
client_id = "id"
token_url = "https://auth.example.com/oauth2/token"

[[environment]]
name = "cfp"
preset = "campaignflow-prod"
client_id = "id"
`
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Environments[0].TokenURL; got != "https://auth.example.com/oauth2/token" {
		t.Errorf("override lost: token_url = %q", got)
	}
	if got := cfg.Environments[1]; got.TokenURL != "https://app.campaignflow.com.au/oauth2/v1/token" || got.Flow != FlowClientCredentials {
		t.Errorf("prod preset not applied: %+v", got)
	}
}

func TestZeptoScopeChoicesAreTheDocumentedOnes(t *testing.T) {
	p, _ := LookupPreset("zepto-sandbox")
	want := []string{"public", "agreements", "bank_accounts", "bank_connections", "contacts", "payments",
		"payment_requests", "refund_requests", "transactions", "refunds", "open_agreements", "offline_access"}
	if !reflect.DeepEqual(p.ScopeChoices, want) {
		t.Errorf("choices %v", p.ScopeChoices)
	}
}

func TestExplicitValuesWinOverPreset(t *testing.T) {
	in := Environment{
		Name: "zs", Preset: "zepto-sandbox", Flow: FlowDeviceCode,
		AuthURL: "https://proxy.example/authorize", TokenURL: "https://proxy.example/token",
		Scopes: []string{"payments"}, AuthStyle: "header",
	}
	got, err := ApplyPreset(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("got %+v, want it unchanged", got)
	}
	empty, _ := ApplyPreset(Environment{Name: "zs", Preset: "zepto-sandbox", Scopes: []string{}})
	if empty.Scopes == nil || len(empty.Scopes) != 0 {
		t.Errorf("explicit empty scopes became %#v", empty.Scopes)
	}
}

func TestExplicitValuesWinOverPresetInTheConfigFile(t *testing.T) {
	src := `[[environment]]
name = "zs"
preset = "zepto-sandbox"
token_url = "https://127.0.0.1:9443/oauth/token"
scopes = ["public", "payments"]
auth_style = "header"
redirect_uri = "http://127.0.0.1:8750/callback"
`
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Environments[0]
	if e.TokenURL != "https://127.0.0.1:9443/oauth/token" || e.AuthStyle != "header" ||
		!reflect.DeepEqual(e.Scopes, []string{"public", "payments"}) {
		t.Errorf("explicit values lost: %+v", e)
	}
	if e.AuthURL != "https://go.sandbox.zeptopayments.com/oauth/authorize" {
		t.Errorf("preset did not fill auth_url: %+v", e)
	}
}

func TestApplyPresetUnknownAndNone(t *testing.T) {
	if _, err := ApplyPreset(Environment{Preset: "github"}); err == nil || !strings.Contains(err.Error(), "zepto-sandbox") {
		t.Errorf("err = %v, want unknown preset listing the known ones", err)
	}
	in := Environment{Name: "x", Flow: FlowClientCredentials}
	if got, err := ApplyPreset(in); err != nil || !reflect.DeepEqual(got, in) {
		t.Errorf("no preset: %+v %v", got, err)
	}
}

func TestPresetsAreCopies(t *testing.T) {
	ps := Presets()
	ps[0].Scopes[0] = "changed"
	ps[0].ScopeChoices[0] = "changed"
	e, _ := ApplyPreset(Environment{Preset: ps[0].Name})
	e.Scopes[0] = "changed too"
	p, _ := LookupPreset(ps[0].Name)
	if p.Scopes[0] != "public" || p.ScopeChoices[0] != "public" {
		t.Errorf("built-in preset changed: %+v", p)
	}
}
