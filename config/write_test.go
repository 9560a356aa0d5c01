package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func readSample(t *testing.T) ([]byte, *Config) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "config", "full.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(testConfigPath, data)
	if err != nil {
		t.Fatal(err)
	}
	return data, cfg
}

// writeAndReread writes cfg over original and checks the text reads back
// to exactly cfg.
func writeAndReread(t *testing.T, cfg *Config, original []byte) string {
	t.Helper()
	out, err := WriteConfig(testConfigPath, cfg, original)
	if err != nil {
		t.Fatalf("WriteConfig: %v", err)
	}
	back, err := ParseConfig(testConfigPath, out)
	if err != nil {
		t.Fatalf("written config does not parse: %v\n%s", err, out)
	}
	want := *cfg
	want.Path = testConfigPath
	want.Settings = WithDefaults(want.Settings)
	if !reflect.DeepEqual(back, &want) {
		t.Fatalf("read back\n got %+v\nwant %+v\n%s", back, &want, out)
	}
	return string(out)
}

func TestWriteConfigUnchangedKeepsTheFileByteForByte(t *testing.T) {
	data, cfg := readSample(t)
	if out := writeAndReread(t, cfg, data); out != string(data) {
		t.Errorf("unchanged config rewritten:\n%s", out)
	}
}

func TestWriteConfigEditsChangedKeysInPlaceKeepingComments(t *testing.T) {
	data, cfg := readSample(t)
	cfg.Environments[0].ClientID = "new-id"
	cfg.Environments[2].Scopes = []string{"read"}
	cfg.Settings.ClipboardClear = time.Minute
	out := writeAndReread(t, cfg, data)

	want := strings.NewReplacer(
		`client_id = "abc123"`, `client_id = "new-id"`,
		"scopes = [\n  \"read\",  # reading\n  \"write\",\n]", `scopes = ["read"]`,
		`clipboard_clear = "30s"`, `clipboard_clear = "1m"`,
	).Replace(string(data))
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestWriteConfigAddsAndDropsKeys(t *testing.T) {
	data, cfg := readSample(t)
	cfg.Environments[1].ClientID = ""                                                    // drop a line
	cfg.Environments[1].RevokeURL = "https://test.example.com/revoke"                    // add a line
	cfg.Environments[0].Scopes = []string{"public", "payments"}                          // differs from the preset: written
	cfg.Environments[0].AuthURL = "https://go.sandbox.zeptopayments.com/oauth/authorize" // preset value: not written
	out := writeAndReread(t, cfg, data)
	if strings.Contains(out, `client_id = "cf-test"`) {
		t.Error("cleared client_id still written")
	}
	if !strings.Contains(out, "token_url = \"https://test.example.com/oauth2/token\"\nrevocation_url = \"https://test.example.com/revoke\"\n") {
		t.Errorf("revocation_url not added after the last key:\n%s", out)
	}
	if !strings.Contains(out, "redirect_uri = \"http://127.0.0.1:8750/callback\"   # registered with Zepto\nscopes = [\"public\", \"payments\"]\n") {
		t.Errorf("scopes not added:\n%s", out)
	}
	if strings.Contains(out, "auth_url") {
		t.Errorf("preset value written out:\n%s", out)
	}
}

func TestWriteConfigAppendsNewAndDropsRemovedEnvironments(t *testing.T) {
	data, cfg := readSample(t)
	// Remove "local" (and its comment), add a new one at the end.
	cfg.Environments = slices.Delete(cfg.Environments, 2, 3)
	cfg.Environments = append(cfg.Environments, Environment{
		Name: "zepto-production", Preset: "zepto-production", ClientID: "prod-id",
		RedirectURI: "http://127.0.0.1:8751/callback",
	})
	cfg.Environments[3], _ = ApplyPreset(cfg.Environments[3])
	out := writeAndReread(t, cfg, data)
	if strings.Contains(out, "local") || strings.Contains(out, "A local test server") {
		t.Errorf("removed environment or its comment still there:\n%s", out)
	}
	for _, keep := range []string{"# Zepto sandbox: the preset fills the endpoints.", "# registered with Zepto", "# refresh well before expiry"} {
		if !strings.Contains(out, keep) {
			t.Errorf("comment %q lost:\n%s", keep, out)
		}
	}
	wantTail := "\n[[environment]]\nname = \"zepto-production\"\npreset = \"zepto-production\"\nclient_id = \"prod-id\"\nredirect_uri = \"http://127.0.0.1:8751/callback\"\n"
	if !strings.HasSuffix(out, wantTail) {
		t.Errorf("new environment not appended as expected:\n%s", out)
	}
}

func TestWriteConfigRenameKeepsTheBlockAndItsComments(t *testing.T) {
	data, cfg := readSample(t)
	cfg.Environments[0].Name = "zepto-sandbox-2"
	out := writeAndReread(t, cfg, data)
	want := strings.Replace(string(data), `name = "zepto-sandbox"`, `name = "zepto-sandbox-2"`, 1)
	if out != want {
		t.Errorf("got\n%s", out)
	}
}

func TestWriteConfigReorderedEnvironmentsReadBackInOrder(t *testing.T) {
	data, cfg := readSample(t)
	slices.Reverse(cfg.Environments)
	out := writeAndReread(t, cfg, data)
	if !strings.Contains(out, "# A local test server.") {
		t.Errorf("comment lost:\n%s", out)
	}
}

func TestWriteConfigAddsSettingsBeforeTheEnvironments(t *testing.T) {
	original := []byte("# mine\n\n[[environment]]\nname = \"local\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:9096/token\"\n")
	cfg, err := ParseConfig(testConfigPath, original)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Settings.RefreshMargin = 90 * time.Second
	out := writeAndReread(t, cfg, original)
	want := "# mine\n\n[settings]\nrefresh_margin = \"1m30s\"\n\n[[environment]]\nname = \"local\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:9096/token\"\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestWriteConfigSameDurationWrittenDifferentlyIsKept(t *testing.T) {
	original := []byte("[settings]\nrefresh_margin = \"300s\"\n")
	cfg, err := ParseConfig(testConfigPath, original)
	if err != nil {
		t.Fatal(err)
	}
	if out := writeAndReread(t, cfg, original); out != string(original) {
		t.Errorf("rewrote an equal duration:\n%s", out)
	}
}

func TestWriteConfigNeverWritesASecret(t *testing.T) {
	original := []byte("[[environment]]\nname = \"local\"\nflow = \"client_credentials\"\ntoken_url = \"http://127.0.0.1:9096/token\"\nclient_secret = \"hunter2\"  # oops\nclient_id = \"me\"\n")
	cfg := &Config{Environments: []Environment{{Name: "local", Flow: FlowClientCredentials, TokenURL: "http://127.0.0.1:9096/token", ClientID: "me"}}}
	out := writeAndReread(t, cfg, original)
	if strings.Contains(out, "hunter2") || strings.Contains(out, "client_secret") {
		t.Errorf("secret written:\n%s", out)
	}
}

func TestWriteConfigFromScratch(t *testing.T) {
	cfg := &Config{Environments: []Environment{
		{Name: "zs", Preset: "zepto-sandbox", ClientID: "id", RedirectURI: "http://127.0.0.1:8750/callback"},
		{Name: "quote", Flow: FlowClientCredentials, TokenURL: "https://a.example/token", ClientID: "we\"ird\\id\n", Scopes: []string{}},
	}}
	cfg.Environments[0], _ = ApplyPreset(cfg.Environments[0])
	out := writeAndReread(t, cfg, nil)
	if !strings.HasPrefix(out, "# tokentray configuration") || !strings.Contains(out, "tokentray secret set NAME") {
		t.Errorf("no header comment:\n%s", out)
	}
	if !strings.Contains(out, "[[environment]]\nname = \"zs\"\npreset = \"zepto-sandbox\"\nclient_id = \"id\"\nredirect_uri = \"http://127.0.0.1:8750/callback\"\n") {
		t.Errorf("preset environment not minimal:\n%s", out)
	}
	if !strings.Contains(out, "scopes = []") {
		t.Errorf("explicit empty scopes lost:\n%s", out)
	}
}

func TestWriteConfigRewritesInlineLayouts(t *testing.T) {
	original := []byte("# keep me\nenvironment = [{ name = \"a\", flow = \"client_credentials\", token_url = \"https://a.example/token\" }]\n")
	cfg, err := ParseConfig(testConfigPath, original)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Environments[0].ClientID = "c"
	out := writeAndReread(t, cfg, original)
	if !strings.HasPrefix(out, "# keep me\n") || !strings.Contains(out, "[[environment]]") {
		t.Errorf("got\n%s", out)
	}
}

func TestWriteConfigRefusesWhatCannotBeRead(t *testing.T) {
	cfg := &Config{Environments: []Environment{{Name: "zs", Preset: "zepto-sandbox"}}}
	_, err := WriteConfig(testConfigPath, cfg, nil)
	errs := ConfigErrors(err)
	if len(errs) != 1 || errs[0].Key != "redirect_uri" || errs[0].Env != "zs" {
		t.Errorf("err = %v", err)
	}
	dup := &Config{Environments: []Environment{
		{Name: "a", Flow: FlowClientCredentials, TokenURL: "https://a.example/token"},
		{Name: "a", Flow: FlowClientCredentials, TokenURL: "https://a.example/token"},
	}}
	if _, err := WriteConfig(testConfigPath, dup, nil); err == nil || !strings.Contains(err.Error(), "duplicate name") {
		t.Errorf("duplicate names: err = %v", err)
	}
}

func TestSaveConfigFileIsPrivateAndAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokentray")
	path := filepath.Join(dir, "config.toml")
	cfg := &Config{Environments: []Environment{{Name: "local", Flow: FlowClientCredentials, TokenURL: "http://127.0.0.1:9096/token"}}}
	if err := SaveConfigFile(path, cfg); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != mode {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode(), err, mode)
		}
	}
	// A comment the user adds survives the next save.
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append([]byte("# hand edit\n"), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Environments[0].ClientID = "me"
	if err := SaveConfigFile(path, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(path)
	if err != nil || got.Environments[0].ClientID != "me" {
		t.Fatalf("reload: %+v %v", got, err)
	}
	data, _ = os.ReadFile(path)
	if !strings.HasPrefix(string(data), "# hand edit\n") {
		t.Errorf("hand edit lost:\n%s", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

// Every edit the form can make reads back as written.
func TestWriteConfigRoundTripsEveryEdit(t *testing.T) {
	edits := map[string]func(c *Config){
		"nothing":          func(c *Config) {},
		"settings default": func(c *Config) { c.Settings = Settings{} },
		"drop all":         func(c *Config) { c.Environments = nil },
		"drop first":       func(c *Config) { c.Environments = c.Environments[1:] },
		"drop last":        func(c *Config) { c.Environments = c.Environments[:len(c.Environments)-1] },
		"preset removed":   func(c *Config) { c.Environments[0].Preset = "" },
		// The production preset brings guard = "confirm" (guard_test.go).
		"preset switched":   func(c *Config) { c.Environments[0].Preset, c.Environments[0].Guard = "zepto-production", GuardConfirm },
		"flow explicit":     func(c *Config) { c.Environments[3].Flow = FlowDeviceCode },
		"scopes emptied":    func(c *Config) { c.Environments[3].Scopes = []string{} },
		"scopes to default": func(c *Config) { c.Environments[3].Scopes = []string{"openid"} },
		"new first": func(c *Config) {
			c.Environments = append([]Environment{{Name: "n", Flow: FlowClientCredentials, TokenURL: "https://n.example/t"}}, c.Environments...)
		},
		"rename and add": func(c *Config) {
			c.Environments[2].Name = "local-2"
			c.Environments = append(c.Environments, Environment{Name: "x", Flow: FlowClientCredentials, TokenURL: "https://x.example/t"})
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			data, cfg := readSample(t)
			edit(cfg)
			writeAndReread(t, cfg, data)
		})
	}
}

func TestWriteConfigReplacedEnvironmentDoesNotInheritComments(t *testing.T) {
	data, cfg := readSample(t)
	cfg.Environments[0] = Environment{Name: "n", Flow: FlowClientCredentials, TokenURL: "https://n.example/t"}
	out := writeAndReread(t, cfg, data)
	if strings.Contains(out, "# Zepto sandbox") || strings.Contains(out, "registered with Zepto") {
		t.Errorf("comments of the removed environment kept:\n%s", out)
	}
	if !strings.Contains(out, "token_url = \"https://n.example/t\"\n\n[[environment]]\nname = \"campaignflow-test\"") {
		t.Errorf("new block not separated from the next one:\n%s", out)
	}
}
