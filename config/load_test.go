package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testConfigPath = "/home/u/.config/tokentray/config.toml"

func TestParseConfigReadsTheSampleFile(t *testing.T) {
	path := filepath.Join("testdata", "config", "full.toml")
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	want := &Config{
		Path:     path,
		Settings: Settings{RefreshMargin: 10 * time.Minute, ClipboardClear: 30 * time.Second, GuardWindow: DefaultGuardWindow},
		Environments: []Environment{
			{
				Name: "zepto-sandbox", Preset: "zepto-sandbox", Flow: FlowAuthorizationCode,
				AuthURL:     "https://go.sandbox.zeptopayments.com/oauth/authorize",
				TokenURL:    "https://go.sandbox.zeptopayments.com/oauth/token",
				ClientID:    "abc123",
				Scopes:      []string{"public"},
				RedirectURI: "http://127.0.0.1:8750/callback",
				AuthStyle:   "form",
			},
			{
				Name: "campaignflow-test", Preset: "campaignflow", Flow: FlowClientCredentials,
				TokenURL: "https://test.example.com/oauth2/token", ClientID: "cf-test",
			},
			{
				Name: "local", Flow: FlowClientCredentials, TokenURL: "http://127.0.0.1:9096/token",
				Scopes: []string{"read", "write"}, AuthStyle: "header",
			},
			{
				Name: "corp-sso", Preset: "oidc", Flow: FlowAuthorizationCode,
				Issuer: "https://login.example.com", ClientID: "desktop",
				Scopes: []string{"openid", "offline_access"},
			},
		},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config\n got %+v\nwant %+v", cfg, want)
	}
}

func TestMissingConfigFileIsAnEmptyConfigAndNotExist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "config.toml")
	cfg, err := LoadConfig(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	if cfg == nil || len(cfg.Environments) != 0 || cfg.Path != path {
		t.Fatalf("cfg = %+v, want empty config for %s", cfg, path)
	}
	if cfg.Settings.RefreshMargin != DefaultRefreshMargin || cfg.Settings.ClipboardClear != DefaultClipboardClear {
		t.Errorf("settings = %+v, want defaults", cfg.Settings)
	}
}

func TestEmptyConfigHasDefaultSettings(t *testing.T) {
	cfg, err := ParseConfig(testConfigPath, []byte("# nothing yet\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings != (Settings{RefreshMargin: DefaultRefreshMargin, ClipboardClear: DefaultClipboardClear, GuardWindow: DefaultGuardWindow}) {
		t.Errorf("settings = %+v", cfg.Settings)
	}
}

// Every rule: the message names file, line and key, and says what is wrong.
func TestConfigValidationNamesFileLineAndKey(t *testing.T) {
	const local = "[[environment]]\nname = \"local\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:9096/token\"\n"
	tests := []struct {
		name, src string
		line      int
		env, key  string
		msg       string
	}{
		{"unknown root key", "colour = \"blue\"\n", 1, "", "colour", "unknown key"},
		{"unknown table", "[server]\nport = 1\n", 1, "", "server", "unknown key"},
		{"unknown settings key", "[settings]\nrefresh = \"5m\"\n", 2, "", "settings.refresh", "unknown key"},
		{"settings not a duration", "[settings]\nrefresh_margin = \"soon\"\n", 2, "", "settings.refresh_margin", `positive duration such as "5m" or "45s" (got "soon")`},
		{"settings negative duration", "[settings]\n\nclipboard_clear = \"-3s\"\n", 3, "", "settings.clipboard_clear", "positive duration"},
		{"settings wrong type", "[settings]\nrefresh_margin = 300\n", 2, "", "settings.refresh_margin", "got an integer"},
		{"settings not a table", "settings = 3\n", 1, "", "settings", "must be a table"},
		{"environment not tables", "environment = \"x\"\n", 1, "", "environment", "list of tables"},
		{"unknown env key", local + "colour = \"blue\"\n", 5, "local", "colour", "unknown key (known keys: name, preset"},
		{"wrong type", local + "client_id = 42\n", 5, "local", "client_id", "must be a string (got an integer)"},
		{"scopes not a list", local + "scopes = \"read write\"\n", 5, "local", "scopes", "must be a list of strings"},
		{"scope not a string", local + "scopes = [\"read\", 1]\n", 5, "local", "scopes", "element of type an integer"},
		{"scope with a space", local + "scopes = [\"read write\"]\n", 5, "local", "scopes", "without spaces"},
		{"missing name", "[[environment]]\nflow = \"client_credentials\"\ntoken_url = \"https://a.example/token\"\n", 1, "", "name", "missing: every environment needs a name"},
		{"bad name", "[[environment]]\nname = \"Zepto_Sandbox\"\nflow = \"client_credentials\"\ntoken_url = \"https://a.example/token\"\n", 2, "Zepto_Sandbox", "name", "lowercase letters, digits and dashes"},
		{"duplicate name", local + "\n" + local, 7, "local", "name", "duplicate name: the environment on line 2 already has it"},
		{"unknown flow", "[[environment]]\nname = \"x\"\nflow = \"password\"\ntoken_url = \"https://a.example/token\"\n", 3, "x", "flow", `unknown flow "password"`},
		{"unknown preset", "[[environment]]\nname = \"x\"\npreset = \"zepto\"\n", 3, "x", "preset", `unknown preset "zepto" (known presets: zepto-sandbox`},
		{"missing flow", "[[environment]]\nname = \"x\"\ntoken_url = \"https://a.example/token\"\n", 1, "x", "flow", "missing: set flow"},
		{"token url not https", "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\n\ntoken_url = \"http://example.com/token\"\n", 5, "x", "token_url", `must be https:// unless the host is loopback (got "http://example.com/token")`},
		{"token url relative", "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\ntoken_url = \"/oauth/token\"\n", 4, "x", "token_url", "must be an absolute URL"},
		// Each endpoint's example is one of its kind: an authorization URL is not told to look like a token URL.
		{"auth url relative", "[[environment]]\nname = \"x\"\nflow = \"authorization_code\"\nauth_url = \"/oauth/authorize\"\ntoken_url = \"https://a.example/token\"\n", 4, "x", "auth_url", `must be an absolute URL such as "https://example.com/oauth/authorize"`},
		{"theme unknown", "[settings]\ntheme = \"blue\"\n", 2, "", "settings.theme", `must be "system" (follow the desktop), "light" or "dark" (got "blue")`},
		{"token url unparseable", "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\ntoken_url = \"https://exa mple.com/%zz\"\n", 4, "x", "token_url", "must be an absolute URL"},
		{"token url other scheme", "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\ntoken_url = \"ftp://127.0.0.1/token\"\n", 4, "x", "token_url", "must be https://"},
		{"auth url not https", "[[environment]]\nname = \"x\"\nflow = \"authorization_code\"\nauth_url = \"http://10.0.0.1/authorize\"\ntoken_url = \"https://a.example/token\"\n", 4, "x", "auth_url", "must be https://"},
		{"revocation url not https", local + "revocation_url = \"http://a.example/revoke\"\n", 5, "local", "revocation_url", "must be https://"},
		{"device url not https", local + "device_authorization_url = \"http://a.example/device\"\n", 5, "local", "device_authorization_url", "must be https://"},
		{"issuer not https", "[[environment]]\nname = \"x\"\npreset = \"oidc\"\nissuer = \"http://login.example.com\"\n", 4, "x", "issuer", "must be https://"},
		{"missing token url", "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\n", 1, "x", "token_url", "missing: set token_url"},
		{"missing auth url", "[[environment]]\nname = \"x\"\nflow = \"authorization_code\"\ntoken_url = \"https://a.example/token\"\n", 1, "x", "auth_url", "needs auth_url"},
		{"missing device url", "[[environment]]\nname = \"x\"\nflow = \"device_code\"\ntoken_url = \"https://a.example/token\"\n", 1, "x", "device_authorization_url", "needs device_authorization_url"},
		{"oidc preset needs issuer", "[[environment]]\nname = \"x\"\npreset = \"oidc\"\n", 1, "x", "issuer", "set issuer"},
		{"oauth2 preset needs issuer", "[[environment]]\nname = \"x\"\npreset = \"oauth2\"\nclient_id = \"c\"\n", 1, "x", "issuer", "set issuer"},
		{"campaignflow needs token url", "[[environment]]\nname = \"cf\"\npreset = \"campaignflow\"\nclient_id = \"c\"\n", 1, "cf", "token_url", "campaignflow preset does not know the token endpoint"},
		{"zepto needs redirect uri", "\n[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\n", 2, "zs", "redirect_uri", "only accepts the exact redirect URI registered"},
		{"redirect not http", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"ftp://127.0.0.1:8750/callback\"\n", 4, "zs", "redirect_uri", "must be http:// on a loopback address"},
		{"https redirect with fragment", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"https://app.example.com/cb#x\"\n", 4, "zs", "redirect_uri", "fragment"},
		{"https redirect with user", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"https://me@app.example.com/cb\"\n", 4, "zs", "redirect_uri", "user information"},
		{"https redirect bad port", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"https://app.example.com:99999/cb\"\n", 4, "zs", "redirect_uri", "port must be between"},
		{"https redirect without code flow", "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\ntoken_url = \"https://a.example/token\"\nredirect_uri = \"https://app.example.com/cb\"\n", 5, "x", "redirect_uri", "only used by the authorization_code flow"},
		{"redirect not loopback", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"http://example.com:8750/callback\"\n", 4, "zs", "redirect_uri", "host 127.0.0.1, [::1] or localhost"},
		{"redirect without path", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"http://127.0.0.1:8750\"\n", 4, "zs", "redirect_uri", "must have a path"},
		{"redirect without port", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"http://localhost/callback\"\n", 4, "zs", "redirect_uri", "must name a port"},
		{"redirect with fragment", "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"http://[::1]:8750/cb#x\"\n", 4, "zs", "redirect_uri", "fragment"},
		{"bad auth style", local + "auth_style = \"basic\"\n", 5, "local", "auth_style", `must be "header" (HTTP Basic), "form"`},
		{"client secret in environment", local + "client_secret = \"hunter2\"\n", 5, "local", "client_secret", "secrets never live in the config file; delete this line and run `tokentray secret set local`"},
		{"client secret at the top", "client_secret = \"hunter2\"\n", 1, "", "client_secret", "secrets never live in the config file"},
		{"client secret in settings", "[settings]\nclient_secret = \"hunter2\"\n", 2, "", "settings.client_secret", "secrets never live in the config file"},
		{"not toml", local + "token_url = \n", 5, "", "", "not valid TOML"},
		{"duplicate key", local + "token_url = \"https://b.example/token\"\n", 5, "", "token_url", "not valid TOML: key token_url is already defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(testConfigPath, []byte(tt.src))
			if err == nil {
				t.Fatalf("no error for\n%s", tt.src)
			}
			errs := ConfigErrors(err)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), err)
			}
			ce := errs[0]
			if ce.File != testConfigPath || ce.Line != tt.line || ce.Env != tt.env || ce.Key != tt.key {
				t.Errorf("error at %s:%d env %q key %q, want line %d env %q key %q (%v)", ce.File, ce.Line, ce.Env, ce.Key, tt.line, tt.env, tt.key, ce)
			}
			prefix := fmt.Sprintf("%s:%d: ", testConfigPath, tt.line)
			msg := err.Error()
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q\nwant prefix %q and %q", msg, prefix, tt.msg)
			}
			if tt.key != "" && !strings.Contains(msg, fmt.Sprintf("key %q", tt.key)) {
				t.Errorf("message %q does not name key %q", msg, tt.key)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("message leaks the secret: %q", msg)
			}
		})
	}
}

func TestConfigErrorMessageFormat(t *testing.T) {
	src := "[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\n\n\n\ntoken_url = \"http://example.com/token\"\n"
	_, err := ParseConfig("/path/config.toml", []byte(src))
	want := `/path/config.toml:7: environment "x": key "token_url": must be https:// unless the host is loopback (got "http://example.com/token")`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestConfigReportsEveryProblemSortedByLine(t *testing.T) {
	path := filepath.Join("testdata", "config", "errors.toml")
	cfg, err := LoadConfig(path)
	if err == nil {
		t.Fatal("no error")
	}
	var got []string
	for _, ce := range ConfigErrors(err) {
		got = append(got, fmt.Sprintf("%d %s", ce.Line, ce.Key))
	}
	want := []string{"2 settings.refresh_margin", "5 name", "7 token_url", "12 client_secret", "13 colour"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q\nwant %q\n%v", got, want, err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("error leaks the secret")
	}
	if cfg == nil || len(cfg.Environments) != 0 {
		t.Errorf("cfg = %+v, want a config without the broken environments", cfg)
	}
}

func TestBrokenEnvironmentLeavesTheOthers(t *testing.T) {
	src := `
[[environment]]
name = "good"
flow = "client_credentials"
token_url = "https://a.example/token"

[[environment]]
name = "bad"
flow = "client_credentials"
`
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	if cfg == nil || len(cfg.Environments) != 1 || cfg.Environments[0].Name != "good" {
		t.Errorf("cfg = %+v, want just the good environment", cfg)
	}
}

func TestLoopbackEndpointsMayBePlainHTTP(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:9096/token", "http://127.5.6.7/token", "http://[::1]:9096/token",
		"http://localhost:9096/token", "https://example.com/token",
	} {
		src := fmt.Sprintf("[[environment]]\nname = \"x\"\nflow = \"client_credentials\"\ntoken_url = %q\n", u)
		if _, err := ParseConfig(testConfigPath, []byte(src)); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestIssuerStandsInForEndpoints(t *testing.T) {
	src := "[[environment]]\nname = \"sso\"\nflow = \"device_code\"\nissuer = \"https://login.example.com\"\n"
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Environments[0]; e.Issuer != "https://login.example.com" || e.TokenURL != "" {
		t.Errorf("env = %+v", e)
	}
}

func TestMissingClientIDIsNotAnError(t *testing.T) {
	src := "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"http://127.0.0.1:8750/callback\"\n"
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Environments[0].ClientID != "" {
		t.Errorf("client id = %q", cfg.Environments[0].ClientID)
	}
}

func TestEnvironmentsAsInlineTablesAreRead(t *testing.T) {
	src := `settings = { refresh_margin = "2m" }
environment = [
  { name = "a", flow = "client_credentials", token_url = "https://a.example/token", scopes = [] },
]
`
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.RefreshMargin != 2*time.Minute || len(cfg.Environments) != 1 {
		t.Fatalf("cfg = %+v", cfg)
	}
	if s := cfg.Environments[0].Scopes; s == nil || len(s) != 0 {
		t.Errorf("explicit empty scopes = %#v, want empty non-nil", s)
	}
}

func TestCheckEnvironmentForTheForm(t *testing.T) {
	err := CheckEnvironment(Environment{Name: "zs", Preset: "zepto-sandbox", RedirectURI: "http://example.com/cb"})
	errs := ConfigErrors(err)
	if len(errs) != 1 || errs[0].Key != "redirect_uri" || errs[0].Env != "zs" || errs[0].Line != 0 {
		t.Fatalf("errors = %v", err)
	}
	if err := CheckEnvironment(Environment{Name: "zs", Preset: "zepto-sandbox", RedirectURI: "http://127.0.0.1:8750/cb"}); err != nil {
		t.Errorf("valid environment: %v", err)
	}
}

func TestHTTPSRedirectURIIsAcceptedForThePastePath(t *testing.T) {
	src := "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nredirect_uri = \"https://app.example.com/oauth/callback\"\n"
	cfg, err := ParseConfig(testConfigPath, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Environments[0].RedirectURI; got != "https://app.example.com/oauth/callback" {
		t.Errorf("redirect_uri = %q", got)
	}
	if err := CheckEnvironment(Environment{Name: "zs", Preset: "zepto-sandbox", RedirectURI: "https://127.0.0.1:8443/cb"}); err != nil {
		t.Errorf("https on loopback: %v", err)
	}
}

func TestRedirectNeedsPaste(t *testing.T) {
	for _, tt := range []struct {
		uri  string
		want bool
	}{
		{"", false},
		{"http://127.0.0.1:8750/callback", false},
		{"http://localhost:8750/callback", false},
		{"https://app.example.com/oauth/callback", true},
		{"HTTPS://app.example.com/oauth/callback", true},
		{"https://127.0.0.1:8443/callback", true},
	} {
		if got := RedirectNeedsPaste(tt.uri); got != tt.want {
			t.Errorf("RedirectNeedsPaste(%q) = %v, want %v", tt.uri, got, tt.want)
		}
	}
}

// writeTestConfig writes text to a fresh config file of the given mode.
func writeTestConfig(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigShapeLimitsAnswerFast(t *testing.T) {
	var unknown, envs, inline, bad strings.Builder
	for i := 0; i < 80000; i++ {
		fmt.Fprintf(&unknown, "k%d = 1\n", i)
	}
	for i := 0; i < 60000; i++ {
		envs.WriteString("[[environment]]\n")
	}
	inline.WriteString("environment = [{}")
	for i := 0; i < 100000; i++ {
		inline.WriteString(",{}")
	}
	inline.WriteString("]\n")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&bad, "[[environment]]\nname = \"e%d\"\ncolour = 1\n", i)
	}
	// The floor, measured in this run: the largest config that is valid,
	// MaxEnvironments environments of a few keys each. A config of any
	// shape must not take much longer than that.
	var largest strings.Builder
	for i := 0; i < MaxEnvironments; i++ {
		fmt.Fprintf(&largest, "[[environment]]\nname = \"e%d\"\nflow = \"client_credentials\"\ntoken_url = \"https://example.com/token\"\nclient_id = \"x\"\n", i)
	}
	start := time.Now()
	if _, err := ParseConfig(testConfigPath, []byte(largest.String())); err != nil {
		t.Fatal(err)
	}
	floor := time.Since(start)
	// Per byte, a config of any shape may take ten times as long.
	limitFor := func(text string) time.Duration {
		return max(10*floor*time.Duration(len(text))/time.Duration(largest.Len()), 100*time.Millisecond)
	}
	t.Logf("the largest valid config (%d bytes) parses in %v", largest.Len(), floor)
	for _, tc := range []struct {
		name, text, want string
		problems         int
	}{
		{"80k unknown keys", unknown.String(), ":101: more than 100 keys in one table", 1},
		{"60k environments", envs.String(), ":1001: more than 1000 environments", 1},
		{"inline environments", inline.String(), "more than 100 keys in one table", 1},
		{"500 broken environments", bad.String(), "and 480 more problems", maxProblems + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := ParseConfig(testConfigPath, []byte(tc.text))
			if d, limit := time.Since(start), limitFor(tc.text); d > limit {
				t.Errorf("ParseConfig of %d bytes took %v, more than %v (ten times the largest valid config, per byte)", len(tc.text), d, limit)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseConfig: %.300v, want %q", err, tc.want)
			}
			if n := len(ConfigErrors(err)); n != tc.problems {
				t.Errorf("%d problems, want %d", n, tc.problems)
			}
		})
	}
}

func TestConfigValuesInErrorsAreShortAndPrintable(t *testing.T) {
	long := strings.Repeat("A", 500000)
	text := "[[environment]]\nname = \"" + long + "\\u001b[2J\"\ntoken_url = \"ftp://" + long + "\"\n"
	_, err := ParseConfig(testConfigPath, []byte(text))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if len(msg) > 4000 || strings.ContainsRune(msg, 0x1b) {
		t.Errorf("error is %d bytes or carries an escape: %.300q", len(msg), msg)
	}
	if !strings.Contains(msg, "AAAA…") {
		t.Errorf("error does not show the shortened name: %.300q", msg)
	}
}

func TestConfigWithAByteOrderMarkIsRead(t *testing.T) {
	cfg, err := ParseConfig(testConfigPath, []byte("\uFEFF[settings]\nrefresh_margin = \"7m\"\n"))
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if cfg.Settings.RefreshMargin != 7*time.Minute {
		t.Errorf("refresh_margin = %v, want 7m", cfg.Settings.RefreshMargin)
	}
}
