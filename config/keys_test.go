package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every field of Environment that the file can set is in the table, under
// its toml and json tag, and every entry of the table fills its own field:
// a new field missing from the table fails here.
func TestEveryEnvironmentFieldIsInTheKeyTable(t *testing.T) {
	var e Environment
	rv := reflect.ValueOf(&e).Elem()
	covered := map[string]bool{}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Type().Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		if jsonTag, _, _ := strings.Cut(f.Tag.Get("json"), ","); jsonTag != tag {
			t.Errorf("field %s: json tag %q, toml tag %q: the file and the JSON must use one name", f.Name, jsonTag, tag)
		}
		k, ok := lookupEnvKey(tag)
		if !ok {
			t.Errorf("field %s (toml %q) is not in envKeys (keys.go): add an entry for it", f.Name, tag)
			continue
		}
		if got, want := reflect.ValueOf(k.field(&e)).Pointer(), rv.Field(i).Addr().Pointer(); got != want {
			t.Errorf("key %q fills another field than %s", tag, f.Name)
		}
		covered[tag] = true
	}
	seen := map[string]bool{}
	for _, k := range envKeys {
		if !covered[k.key] {
			t.Errorf("key %q has no field with that toml tag", k.key)
		}
		if seen[k.key] {
			t.Errorf("key %q is twice in the table", k.key)
		}
		seen[k.key] = true
		if k.help == "" {
			t.Errorf("key %q has no help text", k.key)
		}
		if k.kind() == listKind && (k.maxItems == 0 || k.item == "") {
			t.Errorf("list key %q needs maxItems and item", k.key)
		}
	}
}

// Every field of Settings is a setting of the table.
func TestEverySettingsFieldIsInTheSettingsTable(t *testing.T) {
	var s Settings
	rv := reflect.ValueOf(&s).Elem()
	filled := map[uintptr]string{}
	for _, k := range settingKeys {
		if k.text != nil {
			filled[reflect.ValueOf(k.text(&s)).Pointer()] = k.key
			continue
		}
		filled[reflect.ValueOf(k.field(&s)).Pointer()] = k.key
		if k.def < k.min || k.def > k.max {
			t.Errorf("setting %q: default %v outside its bounds [%v, %v]", k.key, k.def, k.min, k.max)
		}
	}
	for i := 0; i < rv.NumField(); i++ {
		if _, ok := filled[rv.Field(i).Addr().Pointer()]; !ok {
			t.Errorf("field Settings.%s is not in settingKeys (keys.go)", rv.Type().Field(i).Name)
		}
	}
	if len(filled) != rv.NumField() {
		t.Errorf("%d settings for %d fields", len(filled), rv.NumField())
	}
}

// keyTestBase is a valid environment that stays valid when any one key is
// set to its keySamples value.
var keyTestBase = Environment{
	Name: "base", Flow: FlowAuthorizationCode,
	AuthURL: "https://base.example/authorize", TokenURL: "https://base.example/token",
	RevokeURL: "https://base.example/revoke", DeviceURL: "https://base.example/device",
	ClientID: "base-client", Scopes: []string{"base"}, RedirectURI: "http://127.0.0.1:8750/callback",
	AuthStyle: AuthStylePrivateKeyJWT, ClientCertificate: testCertPEM("base"), Guard: GuardNone,
}

// keySamples is a valid value for each key, differing from keyTestBase's
// and from what any preset fills: a string, a []string or a bool.
var keySamples = map[string]any{
	"name":                     "renamed",
	"preset":                   "zepto-sandbox",
	"flow":                     string(FlowClientCredentials),
	"issuer":                   "https://login.example.com",
	"auth_url":                 "https://sample.example/authorize",
	"token_url":                "https://sample.example/token",
	"revocation_url":           "https://sample.example/revoke",
	"device_authorization_url": "https://sample.example/device",
	"client_id":                "sample-client",
	"scopes":                   []string{"sample", "more"},
	"redirect_uri":             "http://127.0.0.1:9999/sample",
	"auth_style":               AuthStyleTLSClientAuth,
	"client_certificate":       testCertPEM("sample"),
	"assertion_audience":       "https://login.example.com/issuer",
	"assertion_kid":            "key-2",
	"assertion_alg":            "PS256",
	"assertion_thumbprint":     ThumbprintSHA256,
	"dpop":                     true,
	"tenant":                   "contoso.onmicrosoft.com",
	"guard":                    GuardConfirm,
	"proxy_listen":             "127.0.0.1:8181",
	"proxy_upstream":           "https://api.example.com/v2",
}

// keySampleContext sets what a sample needs besides itself: a tenant
// only means something to a preset whose endpoints name one.
var keySampleContext = map[string]func(e *Environment){
	"tenant": func(e *Environment) { e.Preset = "entra" },
	// The proxy's two keys go together (proxyProblems).
	"proxy_listen":   func(e *Environment) { e.ProxyUpstream = "http://127.0.0.1:9000" },
	"proxy_upstream": func(e *Environment) { e.ProxyListen = "[::1]:0" },
}

// testCertPEM is a self-signed certificate for cn, as PEM text.
func testCertPEM(cn string) string {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func sampleValue(t *testing.T, k *envKey) value {
	t.Helper()
	switch v := keySamples[k.key].(type) {
	case string:
		return value{kind: stringKind, str: v}
	case []string:
		return value{kind: listKind, list: v}
	case bool:
		return value{kind: boolKind, flag: v}
	}
	t.Fatalf("no sample value for key %q in keySamples (keys_test.go): add one", k.key)
	return value{}
}

// The table is the single source: every key, set on its own, goes through
// the TOML writer and reader, the JSON reader and AsWritten, and Equal
// sees it change.
func TestEveryKeyRoundTrips(t *testing.T) {
	if err := CheckEnvironment(keyTestBase); err != nil {
		t.Fatalf("the base environment is not valid: %v", err)
	}
	for i := range envKeys {
		k := &envKeys[i]
		t.Run(k.key, func(t *testing.T) {
			e := keyTestBase
			e.Scopes = slices.Clone(e.Scopes)
			if with := keySampleContext[k.key]; with != nil {
				with(&e)
			}
			k.set(&e, sampleValue(t, k))
			if !k.get(&e).equal(sampleValue(t, k)) {
				t.Fatalf("set then get: %+v", k.get(&e))
			}
			if err := CheckEnvironment(e); err != nil {
				t.Fatalf("the sample is not valid: %v", err)
			}
			if e.Equal(keyTestBase) || keyTestBase.Equal(e) {
				t.Error("Equal misses the change")
			}
			if !e.Equal(e) {
				t.Error("Equal: not equal to itself")
			}
			applied, err := ApplyPreset(e)
			if err != nil {
				t.Fatal(err)
			}

			// TOML: a new file, and an edit of a file holding the base.
			baseText, err := WriteConfig(testConfigPath, &Config{Environments: []Environment{keyTestBase}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for name, original := range map[string][]byte{"new file": nil, "edit": baseText} {
				out, err := WriteConfig(testConfigPath, &Config{Environments: []Environment{e}}, original)
				if err != nil {
					t.Fatalf("%s: WriteConfig: %v", name, err)
				}
				cfg, err := ParseConfig(testConfigPath, out)
				if err != nil || len(cfg.Environments) != 1 {
					t.Fatalf("%s: read back: %v\n%s", name, err, out)
				}
				if got := cfg.Environments[0]; !got.Equal(applied) {
					t.Errorf("%s: read back\n got %+v\nwant %+v\n%s", name, got, applied, out)
				}
			}

			// JSON, as the socket's clients send it.
			data, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, problems := ParseEnvironmentJSON(e.Name, data, nil)
			if len(problems) > 0 || !got.Equal(e) {
				t.Errorf("JSON %s read as %+v, problems %v", data, got, problems)
			}

			// AsWritten keeps the value, and the preset gives back the rest.
			written := AsWritten(applied)
			if !k.get(&written).equal(k.get(&applied)) {
				t.Errorf("AsWritten dropped the key: %+v", written)
			}
			if back, _ := ApplyPreset(written); !back.Equal(applied) {
				t.Errorf("AsWritten then ApplyPreset\n got %+v\nwant %+v", back, applied)
			}
		})
	}
}

func TestEqualTellsLeftOutScopesFromAnEmptyList(t *testing.T) {
	a, b := keyTestBase, keyTestBase
	a.Scopes, b.Scopes = nil, []string{}
	if a.Equal(b) {
		t.Error("nil and empty scopes are equal")
	}
}

func TestBoundsInTheFile(t *testing.T) {
	env := func(lines ...string) string {
		return "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\ntoken_url = \"https://a.example/token\"\n" + strings.Join(lines, "\n") + "\n"
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	scopes := func(n int) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("%q", fmt.Sprint("s", i))
		}
		return "scopes = [" + strings.Join(s, ", ") + "]"
	}
	url := func(n int) string { return "https://a.example/" + long(n-len("https://a.example/")) }
	tests := []struct {
		name, src, key, msg string
	}{
		{"name at the bound", strings.Replace(env(), `"x"`, `"`+long(64)+`"`, 1), "", ""},
		{"name too long", strings.Replace(env(), `"x"`, `"`+long(10000)+`"`, 1), "name", "must be at most 64 characters (got 10000)"},
		{"long name of other characters: the rule first", strings.Replace(env(), `"x"`, `"`+strings.Repeat("A", 10000)+`"`, 1), "name", `must be lowercase letters, digits and dashes only (got "AAAA`},
		{"url at the bound", env(fmt.Sprintf("revocation_url = %q", url(2048))), "", ""},
		{"url too long", env(fmt.Sprintf("revocation_url = %q", url(2049))), "revocation_url", "must be at most 2048 bytes (got 2049)"},
		{"redirect too long", env(fmt.Sprintf("redirect_uri = %q", "http://127.0.0.1:1/"+long(2048))), "redirect_uri", "must be at most 2048 bytes"},
		{"client id at the bound", env(fmt.Sprintf("client_id = %q", long(512))), "", ""},
		{"client id too long", env(fmt.Sprintf("client_id = %q", strings.Repeat("é", 513))), "client_id", "must be at most 512 characters (got 513)"},
		{"scopes at the bound", env(scopes(100)), "", ""},
		{"too many scopes", env(scopes(101)), "scopes", "must list at most 100 scopes (got 101)"},
		{"scope at the bound", env(fmt.Sprintf("scopes = [%q]", long(200))), "", ""},
		{"scope too long", env(fmt.Sprintf("scopes = [\"read\", %q]", long(201))), "scopes", "each scope must be at most 200 characters (got 201)"},
		{"refresh margin at the bounds", "[settings]\nrefresh_margin = \"10s\"\nclipboard_clear = \"1h\"\nguard_window = \"12h\"\n", "", ""},
		{"refresh margin huge", "[settings]\nrefresh_margin = \"2562047h\"\n", "settings.refresh_margin", `must be between 10s and 12h (got "2562047h")`},
		{"refresh margin tiny", "[settings]\nrefresh_margin = \"9s\"\n", "settings.refresh_margin", `must be between 10s and 12h (got "9s")`},
		{"clipboard clear 1ns", "[settings]\nclipboard_clear = \"1ns\"\n", "settings.clipboard_clear", `must be between 5s and 1h (got "1ns")`},
		{"clipboard clear ten years", "[settings]\nclipboard_clear = \"87600h\"\n", "settings.clipboard_clear", `must be between 5s and 1h (got "87600h")`},
		{"guard window short", "[settings]\nguard_window = \"30s\"\n", "settings.guard_window", `must be between 1m and 12h (got "30s")`},
		{"guard window long", "[settings]\nguard_window = \"13h\"\n", "settings.guard_window", `must be between 1m and 12h (got "13h")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(testConfigPath, []byte(tt.src))
			if tt.key == "" {
				if err != nil {
					t.Fatalf("refused: %.300v", err)
				}
				return
			}
			errs := ConfigErrors(err)
			if len(errs) != 1 || errs[0].Key != tt.key || !strings.Contains(errs[0].Msg, tt.msg) {
				t.Fatalf("errors %.500v\nwant one on %q: %q", err, tt.key, tt.msg)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("message of %d bytes", len(err.Error()))
			}
		})
	}
}

func TestBoundsInTheJSON(t *testing.T) {
	long := strings.Repeat("a", 65)
	_, problems := ParseEnvironmentJSON(long, []byte(`{"flow": "client_credentials", "token_url": "https://a.example/t"}`), nil)
	if len(problems) != 1 || problems[0].Key != "name" || !strings.Contains(problems[0].Msg, "at most 64 characters (got 65)") {
		t.Errorf("long name: %v", problems)
	}
	scopes, _ := json.Marshal(slices.Repeat([]string{"s"}, 101))
	_, problems = ParseEnvironmentJSON("x", []byte(`{"flow": "client_credentials", "token_url": "https://a.example/t", "scopes": `+string(scopes)+`}`), nil)
	if len(problems) != 1 || problems[0].Key != "scopes" || problems[0].Msg != "must list at most 100 scopes (got 101)" {
		t.Errorf("101 scopes: %v", problems)
	}
}

func TestBoundsOfSettingsFromElsewhere(t *testing.T) {
	for _, tt := range []struct {
		key, text string
		want      time.Duration
		msg       string
	}{
		{"clipboard_clear", "45s", 45 * time.Second, ""},
		{"clipboard_clear", "1ns", 0, `must be between 5s and 1h (got "1ns")`},
		{"refresh_margin", "2562047h", 0, `must be between 10s and 12h (got "2562047h")`},
		{"refresh_margin", "soon", 0, `must be a positive duration such as "5m" or "45s" (got "soon")`},
		{"guard_window", "-5m", 0, `must be a positive duration`},
		{"guard_window", "1m", time.Minute, ""},
		{"theme", "5m", 0, "unknown key (known keys: refresh_margin, clipboard_clear, guard_window)"},
	} {
		d, err := ParseSetting(tt.key, tt.text)
		if tt.msg == "" {
			if err != nil || d != tt.want {
				t.Errorf("ParseSetting(%q, %q) = %v, %v", tt.key, tt.text, d, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseSetting(%q, %q): %v, want %q", tt.key, tt.text, err, tt.msg)
		}
	}

	path := writeHand(t, handConfig, 0o600)
	err := PutSettingsInFile(path, Settings{ClipboardClear: time.Nanosecond, GuardWindow: 100 * time.Hour})
	if errs := ConfigErrors(err); len(errs) != 2 || !strings.Contains(err.Error(), `must be between 5s and 1h (got "1ns")`) {
		t.Errorf("PutSettingsInFile out of bounds: %v", err)
	}
	if readText(t, path) != handConfig {
		t.Error("refused settings changed the file")
	}
	if err := PutSettingsInFile(path, Settings{GuardWindow: 20 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := LoadConfig(path); err != nil || cfg.Settings.GuardWindow != 20*time.Minute {
		t.Errorf("guard_window not written: %v %+v", err, cfg)
	}
	if _, err := WriteConfig(testConfigPath, &Config{Settings: Settings{RefreshMargin: 24 * time.Hour}}, nil); err == nil ||
		!strings.Contains(err.Error(), `key "settings.refresh_margin": must be between 10s and 12h (got "24h")`) {
		t.Errorf("WriteConfig out of bounds: %v", err)
	}
}

// The JSON reader gives the TOML reader's messages for the same content.
func TestJSONAndTOMLReadersSayTheSame(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys map[string]any
	}{
		{"unknown flow and a bad url", map[string]any{"flow": "password", "token_url": "ftp://a.example/t"}},
		{"missing token url", map[string]any{"flow": "client_credentials"}},
		{"missing issuer", map[string]any{"preset": "oidc"}},
		{"unknown key", map[string]any{"flow": "client_credentials", "token_url": "https://a.example/t", "colour": "red"}},
		{"wrong type", map[string]any{"flow": "client_credentials", "token_url": "https://a.example/t", "client_id": []string{"a"}}},
		{"wrong element", map[string]any{"flow": "client_credentials", "token_url": "https://a.example/t", "scopes": []any{"a", true}}},
		{"list expected", map[string]any{"flow": "client_credentials", "token_url": "https://a.example/t", "scopes": "read write"}},
		{"long client id", map[string]any{"flow": "client_credentials", "token_url": "https://a.example/t", "client_id": strings.Repeat("c", 600)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var text strings.Builder
			text.WriteString("[[environment]]\nname = \"x\"\n")
			for k, v := range tc.keys {
				b, _ := json.Marshal(v) // a JSON string or list of these is TOML too
				fmt.Fprintf(&text, "%s = %s\n", k, b)
			}
			_, err := ParseConfig(testConfigPath, []byte(text.String()))
			fromTOML := map[string]string{}
			for _, ce := range ConfigErrors(err) {
				fromTOML[ce.Key] = ce.Msg
			}
			data, _ := json.Marshal(tc.keys)
			_, problems := ParseEnvironmentJSON("x", data, nil)
			fromJSON := map[string]string{}
			for _, ce := range problems {
				fromJSON[ce.Key] = ce.Msg
			}
			if len(fromTOML) == 0 || !reflect.DeepEqual(fromTOML, fromJSON) {
				t.Errorf("TOML says %q\nJSON says %q", fromTOML, fromJSON)
			}
		})
	}
}

func TestParseEnvironmentJSONRules(t *testing.T) {
	exists := func(name string) bool { return name == "other" }
	for _, tc := range []struct {
		name, env, body string
		keys            []string
		msg             string
	}{
		{"fine", "x", `{"flow": "client_credentials", "token_url": "https://a.example/t", "name": "x", "scopes": null}`, nil, ""},
		{"given twice", "x", `{"flow": "client_credentials", "flow": "client_credentials", "token_url": "https://a.example/t"}`, []string{"flow"}, "given twice"},
		{"secret", "x", `{"flow": "client_credentials", "token_url": "https://a.example/t", "client_secret": "s3cr3t"}`, []string{"client_secret"}, "PUT /v1/environments/x/secret"},
		{"rename", "x", `{"name": "y", "flow": "client_credentials", "token_url": "https://a.example/t"}`, []string{"name"}, `must be the name in the path, "x" (got "y")`},
		{"onto another", "x", `{"name": "other", "flow": "client_credentials", "token_url": "https://a.example/t"}`, []string{"name"}, `duplicate name: an environment called "other" already exists`},
		{"not an object", "x", `["flow"]`, []string{""}, "one JSON object"},
		{"two values", "x", `{"flow": "client_credentials", "token_url": "https://a.example/t"} {}`, []string{""}, "more than one JSON value"},
		{"not JSON", "x", `{"flow": `, []string{"flow"}, "not valid JSON"},
		{"bad type keeps the missing check quiet", "x", `{"flow": "client_credentials", "token_url": 5}`, []string{"token_url"}, "must be a string (got a number)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, problems := ParseEnvironmentJSON(tc.env, []byte(tc.body), exists)
			var keys []string
			for _, p := range problems {
				keys = append(keys, p.Key)
				if strings.Contains(p.Msg, "s3cr3t") {
					t.Errorf("the secret in a message: %q", p.Msg)
				}
			}
			if !slices.Equal(keys, tc.keys) {
				t.Fatalf("problems %v, want keys %q", problems, tc.keys)
			}
			if tc.msg != "" && !strings.Contains(problems[0].Msg, tc.msg) {
				t.Errorf("message %q, want %q", problems[0].Msg, tc.msg)
			}
			if tc.keys == nil && (e.Name != tc.env || e.Scopes != nil) {
				t.Errorf("environment %+v", e)
			}
		})
	}
}

// What the form asks for each preset and flow, as ui/form.go rowsFor shows it.
func TestFormKeys(t *testing.T) {
	R, U, O := KeyRequired, KeyRequiredUnlessIssuer, KeyOptional
	for _, tc := range []struct {
		preset string
		flow   Flow
		want   map[string]KeyNeed
	}{
		{"", FlowAuthorizationCode, map[string]KeyNeed{"name": R, "preset": O, "flow": R, "issuer": O, "auth_url": U, "token_url": U, "client_id": R, "scopes": O, "redirect_uri": O}},
		{"", FlowClientCredentials, map[string]KeyNeed{"name": R, "preset": O, "flow": R, "issuer": O, "token_url": U, "client_id": R, "scopes": O}},
		{"", FlowDeviceCode, map[string]KeyNeed{"name": R, "preset": O, "flow": R, "issuer": O, "token_url": U, "device_authorization_url": U, "client_id": R, "scopes": O}},
		{"zepto-sandbox", "", map[string]KeyNeed{"name": R, "preset": O, "client_id": R, "scopes": O, "redirect_uri": R}},
		{"zepto-production", FlowClientCredentials, map[string]KeyNeed{"name": R, "preset": O, "client_id": R, "scopes": O, "redirect_uri": R}},
		{"campaignflow-prod", "", map[string]KeyNeed{"name": R, "preset": O, "client_id": R, "scopes": O}},
		{"campaignflow", "", map[string]KeyNeed{"name": R, "preset": O, "token_url": U, "client_id": R, "scopes": O}},
		{"oidc", "", map[string]KeyNeed{"name": R, "preset": O, "issuer": R, "client_id": R, "scopes": O, "redirect_uri": O}},
		{"okta", "", map[string]KeyNeed{"name": R, "preset": O, "issuer": R, "client_id": R, "scopes": O, "redirect_uri": O}},
		// An advanced key the preset needs is asked for.
		{"entra", "", map[string]KeyNeed{"name": R, "preset": O, "tenant": R, "client_id": R, "scopes": O, "client_certificate": R}},
	} {
		got := map[string]KeyNeed{}
		var order []string
		for _, k := range FormKeys(tc.preset, tc.flow) {
			got[k.Key] = k.Need
			order = append(order, k.Key)
			if k.Help == "" {
				t.Errorf("%s: %s has no help", tc.preset, k.Key)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("FormKeys(%q, %q) = %v\nwant %v", tc.preset, tc.flow, got, tc.want)
		}
		if !slices.IsSortedFunc(order, func(a, b string) int {
			ia := slices.IndexFunc(envKeys, func(k envKey) bool { return k.key == a })
			ib := slices.IndexFunc(envKeys, func(k envKey) bool { return k.key == b })
			return ia - ib
		}) {
			t.Errorf("FormKeys(%q) not in the file's order: %v", tc.preset, order)
		}
	}
}

func TestPresetNeeds(t *testing.T) {
	want := map[string][]string{
		"zepto-sandbox":     {"client_id", "redirect_uri"},
		"zepto-production":  {"client_id", "redirect_uri"},
		"campaignflow-prod": {"client_id", "client_secret"},
		"campaignflow-test": {"client_id", "client_secret"},
		"campaignflow":      {"token_url", "client_id", "client_secret"},
		"oidc":              {"issuer", "client_id"},
		"oauth2":            {"issuer", "client_id"},
		"entra":             {"tenant", "client_id", "client_certificate", "private_key"},
		"okta":              {"issuer", "client_id"},
	}
	for _, p := range Presets() {
		if got := p.Needs(); !slices.Equal(got, want[p.Name]) {
			t.Errorf("%s needs %v, want %v", p.Name, got, want[p.Name])
		}
	}
}

func TestKeepHiddenKeys(t *testing.T) {
	edited := Environment{Name: "x", Preset: "zepto-production", ClientID: "new"}
	got := KeepHiddenKeys(edited, keyTestBase)
	want := edited
	want.RevokeURL, want.AuthStyle, want.Guard = keyTestBase.RevokeURL, keyTestBase.AuthStyle, keyTestBase.Guard
	want.ClientCertificate = keyTestBase.ClientCertificate
	if !got.Equal(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	// The entra form shows client_certificate: what it says wins.
	edited = Environment{Name: "x", Preset: "entra", Tenant: "t", ClientID: "new", ClientCertificate: testCertPEM("new")}
	base := keyTestBase
	base.AssertionKID = "kept"
	got = KeepHiddenKeys(edited, base)
	if got.ClientCertificate != edited.ClientCertificate || got.AssertionKID != "kept" || got.AuthStyle != base.AuthStyle {
		t.Errorf("entra: got %+v", got)
	}
}

// Room for a bool key (dpop = true): its kind reads, writes and compares.
func TestBoolKind(t *testing.T) {
	doc, err := parseTOMLDoc([]byte("a = true\nb = false\nc = \"true\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, msg := boolKind.fromTOML(doc.root.get("a").val)
	if msg != "" || !a.flag || a.encode() != "true" || a.empty() {
		t.Errorf("a = %+v %q", a, msg)
	}
	b, _ := boolKind.fromTOML(doc.root.get("b").val)
	if b.flag || !b.empty() || b.equal(a) {
		t.Errorf("b = %+v", b)
	}
	if _, msg := boolKind.fromTOML(doc.root.get("c").val); msg != "must be true or false (got a string)" {
		t.Errorf("c: %q", msg)
	}
	if v, msg := boolKind.fromJSON(json.RawMessage("true")); msg != "" || !v.equal(a) {
		t.Errorf("JSON true: %+v %q", v, msg)
	}
	if _, msg := boolKind.fromJSON(json.RawMessage(`"yes"`)); msg != "must be true or false (got a string)" {
		t.Errorf("JSON \"yes\": %q", msg)
	}
}

// The window's theme is a [settings] text key: read from the file, written
// back by a settings edit, checked for anything PUT /v1/settings sends.
func TestThemeSettingIsReadWrittenAndChecked(t *testing.T) {
	cfg, err := ParseConfig(testConfigPath, []byte("[settings]\ntheme = \"dark\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.Theme != ThemeDark {
		t.Errorf("theme = %q, want dark", cfg.Settings.Theme)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("# mine\n[settings]\nclipboard_clear = \"20s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := PutSettingsInFile(path, Settings{Theme: ThemeLight}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if text := string(data); !strings.Contains(text, `theme = "light"`) || !strings.Contains(text, `clipboard_clear = "20s"`) || !strings.Contains(text, "# mine") {
		t.Errorf("file after setting the theme:\n%s", text)
	}
	for _, v := range []string{ThemeSystem, ThemeLight, ThemeDark} {
		if err := CheckTextSetting("theme", v); err != nil {
			t.Errorf("theme %q refused: %v", v, err)
		}
	}
	if err := CheckTextSetting("theme", "Dark"); err == nil || !strings.Contains(err.Error(), `"system"`) {
		t.Errorf("theme \"Dark\": %v, want the three values named", err)
	}
	if err := CheckTextSetting("clipboard_clear", "45s"); err == nil {
		t.Error("a duration setting passed as text")
	}
}
